import * as E from "../../base/errors";
import type { Clock, Net, Timers } from "../../hal/types";
import { createClient, type Client, type ClientHandler, type ClientOptions } from "../session/client";
import type { Message, MessageHandler } from "../session/subscriptions";
import { payloadText } from "../wire/index";
import type { EventMethods, Listener } from "./events";

/**
 * fabmqtt as a library for people who write their own Espruino code, with the
 * API of Espruino's `MQTT` module:
 *
 *   var mqtt = require("fabmqtt").create("192.168.1.10", { username: "u", password: "p" });
 *   mqtt.on("connected", function () { mqtt.subscribe("lab/#", { qos: 1 }); });
 *   mqtt.on("publish", function (pub) { print(pub.topic, pub.message); });
 *   mqtt.connect();
 *   mqtt.publish("lab/hello", "hi", { qos: 1, retain: false });
 *
 * plus what that module lacks: real QoS 1/2 with resend, reconnect with
 * backoff, a will, per-filter handlers (`subscribe(filter, {qos}, handler)`).
 * Events: connected and connect, disconnected and close (code), publish
 * ({topic, message, dup, qos, retain}; dup and retain 0 or 1), message
 * (topic, message), subscribed (filter, qos), subscribed_fail (filter),
 * unsubscribed (filter), ping_reply, puback and pubcomp (publish()'s
 * number), error (code; for the publish() calls refused before the calling
 * code returned, code and count, once per code). The event methods (on,
 * emit, removeListener, removeAllListeners) are the platform's: on Espruino
 * every object's own, whose listeners run after the current code returns;
 * on Node those of events.ts, whose listeners run at once.
 */
export interface ModuleOptions {
  client_id?: string;
  keep_alive?: number;
  port?: number;
  clean_session?: boolean;
  username?: string;
  password?: string;
  /** { ca } on Espruino is accepted but never verified by Espruino's TLS. */
  tls?: boolean;
  will?: { topic: string; message: string; qos?: number; retain?: boolean };
  /**
   * Outgoing QoS 1/2 messages in flight at once and held in all (default 16
   * each): a publish() beyond the queue is E_QUEUE_FULL. Every message held
   * may be in flight: on the interpreter a window of 8 held QoS 1 to a round
   * trip per 8 messages (147-162 a second, test:espruino's driver), 16 took
   * 359-371 at the same memory; a message held costs its variables whether
   * in flight or waiting.
   */
  inflight?: number;
  queue?: number;
  /**
   * Largest packet taken, bytes (default 2048: a 1,500-byte message with its
   * topic). A larger incoming PUBLISH is acknowledged, not delivered, and is
   * an E_PACKET_TOO_LARGE error. On Node it also bounds what publish() sends
   * (Espruino sends Strings of any size).
   */
  max_packet?: number;
  /** Reconnect automatically after a loss (default true). */
  reconnect?: boolean;
}

/** A message as the MQTT module's publish event has it: retain and dup are 0 or 1. */
export interface PublishEvent {
  topic: string;
  message: string;
  dup: number;
  qos: number;
  retain: number;
}

/** What subscribe() takes, as Espruino's MQTT module does. */
export type Filters = string | string[] | { [filter: string]: number };

export interface MqttConnection extends EventMethods {
  /** Starts connecting (and reconnecting). */
  connect(): void;
  /** Sends DISCONNECT and stops reconnecting. */
  disconnect(): void;
  /**
   * 0 (QoS 0 sent), a sequence number > 0 (QoS 1/2 accepted), or a negative
   * code; the calls refused before the calling code returns are then one
   * "error" (code, count) per code.
   */
  publish(topic: string, message: string, options?: { qos?: number; retain?: boolean }): number;
  /**
   * A filter, an array of filters (each at options.qos) or an object of
   * filter: QoS, each its own subscription. 0, or the code of the first that
   * failed (each failure is also an "error"; the others are made). A handler,
   * when given, takes these filters' messages instead of the events.
   */
  subscribe(filters: Filters, options?: { qos?: number }, handler?: (pub: PublishEvent) => void): number;
  /** 0 or a negative code. */
  unsubscribe(filter: string): number;
  /** Whether the broker accepted the connection and it is still up. */
  connected: boolean;
  /**
   * The client underneath (session/client.ts): on Node with its methods as
   * documented there (stats(), state()); in the Espruino bundle the names of
   * the methods the module's API does not call are shortened (docs/library.md).
   */
  client: Client;
}

/** The module's platform: a socket factory, a clock, timers, and where a connection's event methods come from. */
export interface ModulePlatform {
  net: Net;
  clock: Clock;
  timers: Timers;
  /**
   * Gives a new connection on, emit, removeListener and removeAllListeners:
   * addEventMethods (events.ts) where objects lack them (Node); absent on
   * Espruino, where every object has them built in.
   */
  events?: (connection: Partial<EventMethods>) => void;
}

function pubEvent(m: Message): PublishEvent {
  const text = payloadText(m.payload);
  return { topic: m.topic, message: text, dup: m.dup ? 1 : 0, qos: m.qos, retain: m.retain ? 1 : 0 };
}

/**
 * The filters of an array (each at `qos`) or of an object (filter: QoS),
 * each subscribed on its own; E_INVALID_ARGUMENT for anything else. 0, or the
 * first failure's code.
 */
function subscribeEach(c: Connection, filters: unknown, qos: number, handler: MessageHandler | null): number {
  // Each subscribeOne_() gives 0 or a negative code: `first || r` keeps the first code.
  let first = 0;
  let r = 0;
  if (Array.isArray(filters))
    for (let i = 0; i < filters.length; i++) {
      r = c.subscribeOne_(filters[i], qos, handler);
      first = first || r;
    }
  else if (filters !== null && typeof filters === "object") {
    const qosOf = filters as { [filter: string]: number };
    const keys = Object.keys(qosOf);
    for (let i = 0; i < keys.length; i++) {
      r = c.subscribeOne_(keys[i], qosOf[keys[i]], handler);
      first = first || r;
    }
  } else {
    c.emit("error", E.E_INVALID_ARGUMENT);
    return E.E_INVALID_ARGUMENT;
  }
  return first;
}

/**
 * A publish() refused with `code`: counted, and reported once the calling
 * code returns as one error (code, count) per code. On Espruino every event
 * waits as about 7 variables until it runs: one per refusal of a loop of 200
 * QoS 1 publishes exhausted a 1,600-variable pool.
 */
function refused(c: Connection, code: number): void {
  if (!c.refused_) {
    c.refused_ = {};
    c.platform_.timers.after(0, function () {
      const counts = c.refused_ as { [code: string]: number };
      c.refused_ = null;
      const codes = Object.keys(counts);
      for (let i = 0; i < codes.length; i++) c.emit("error", Number(codes[i]), counts[codes[i]]);
    });
  }
  c.refused_[code] = (c.refused_[code] || 0) + 1;
}

/**
 * A connection: the module's API, and its client's handler (ClientHandler):
 * the client calls the on... methods below, which emit the module's events.
 */
class Connection implements MqttConnection, ClientHandler {
  // Given by the platform (ModulePlatform.events), not by this class: on Espruino they are every object's own.
  declare on: (event: string, listener: Listener) => void;
  declare emit: (event: string, a?: unknown, b?: unknown) => void;
  declare removeListener: (event: string, listener: Listener) => void;
  declare removeAllListeners: (event?: string) => void;
  connected = false;
  client: Client;
  platform_: ModulePlatform;
  timer_ = 0;
  reconnect_: boolean;
  /** publish() refusals not reported yet, counted by code (see refused). */
  refused_: { [code: string]: number } | null = null;

  constructor(platform: ModulePlatform, server: string, options?: ModuleOptions) {
    const o = options || {};
    const inflight = o.inflight || 16;
    const maxPacket = o.max_packet || 2048;
    const opts: ClientOptions = {
      net: platform.net,
      clock: platform.clock,
      host: server,
      port: o.port || (o.tls ? 8883 : 1883),
      tls: o.tls ? {} : null,
      clientId: o.client_id || "fabmqtt-" + Math.floor(Math.random() * 0xffffff).toString(16),
      username: o.username,
      password: o.password,
      cleanSession: o.clean_session !== false,
      keepalive: o.keep_alive === undefined ? 60 : o.keep_alive,
      will: o.will ? { topic: o.will.topic, payload: o.will.message, qos: o.will.qos || 0, retain: !!o.will.retain } : null,
      txBufferSize: maxPacket,
      maxPacketSize: maxPacket,
      inflightWindow: inflight,
      queueSize: Math.max(inflight, o.queue || 16),
      // Inbound QoS 2 messages awaiting PUBREL at once (the client's default is 32): each costs
      // about 1.5 variables on Espruino, and more from the broker only means a reconnect.
      inboundQos2: 8,
      handler: this,
    };
    if (platform.events) platform.events(this);
    this.platform_ = platform;
    this.reconnect_ = o.reconnect !== false;
    this.client = createClient(opts);
  }

  connect(): void {
    const client = this.client;
    if (this.timer_ === 0)
      this.timer_ = this.platform_.timers.every(100, function () {
        client.tick();
      });
    client.start();
  }

  disconnect(): void {
    this.client.stop();
    this.platform_.timers.cancel(this.timer_);
    this.timer_ = 0;
  }

  publish(topic: string, message: string, po?: { qos?: number; retain?: boolean }): number {
    const qos = (po && po.qos) || 0;
    const r = this.client.publish(topic, String(message), qos, !!(po && po.retain));
    if (r < 0) refused(this, r);
    return r;
  }

  subscribe(filters: Filters, so?: { qos?: number }, handler?: (pub: PublishEvent) => void): number {
    const qos = (so && so.qos) || 0;
    const h = handler
      ? function (m: Message) {
          handler(pubEvent(m));
        }
      : null;
    return typeof filters === "string" ? this.subscribeOne_(filters, qos, h) : subscribeEach(this, filters, qos, h);
  }

  /** One filter (anything but a string is E_INVALID_TOPIC): 0 or the code, also emitted as "error". */
  subscribeOne_(filter: unknown, qos: number, handler: MessageHandler | null): number {
    const r = typeof filter === "string" ? this.client.subscribe(filter, qos, handler) : E.E_INVALID_TOPIC;
    if (r < 0) this.emit("error", r);
    return r;
  }

  unsubscribe(filter: string): number {
    return this.client.unsubscribe(filter);
  }

  // The client's callbacks (ClientHandler).
  onConnect(): void {
    this.connected = true;
    this.emit("connected");
    this.emit("connect");
  }

  onDisconnect(code: number): void {
    const was = this.connected;
    this.connected = false;
    if (was || code !== E.E_STOPPED) {
      this.emit("disconnected", code);
      this.emit("close", code);
    }
    if (!this.reconnect_ && code !== E.E_STOPPED) this.disconnect();
  }

  onMessage(m: Message): void {
    const p = pubEvent(m);
    this.emit("publish", p);
    this.emit("message", p.topic, p.message);
  }

  /** A QoS 1/2 message of ours completed: puback when completed at QoS 1 (also a QoS 2 message the broker took at QoS 1), pubcomp at QoS 2. */
  onPublished(seq: number, qos: number): void {
    this.emit(qos === 2 ? "pubcomp" : "puback", seq);
  }

  /** SUBACK for one filter: its granted QoS, or E_SUBACK_FAILURE. */
  onSubscribe(filter: string, result: number): void {
    if (result < 0) this.emit("subscribed_fail", filter);
    else this.emit("subscribed", filter, result);
  }

  onUnsubscribe(filter: string): void {
    this.emit("unsubscribed", filter);
  }

  onPingResponse(): void {
    this.emit("ping_reply");
  }

  onError(code: number): void {
    this.emit("error", code);
  }
}

/** The module object ({ create }) for a platform. Never fails. */
export function createMqttModule(platform: ModulePlatform) {
  return {
    /** A connection to `server` (a host name or address); throws only on options a program must fix. */
    create: function (server: string, options?: ModuleOptions): MqttConnection {
      return new Connection(platform, server, options);
    },
  };
}
