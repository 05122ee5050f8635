import * as E from "../errors";
import type { Clock, Net, Timers } from "../../hal/types";
import { createClient, type Client } from "../session/client";
import type { Message } from "../session/subscriptions";
import { byteText } from "../mqtt/utf8";

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
 * Events: connected, disconnected (code), publish ({topic, message, qos,
 * retain, dup}), message (topic, message), error (code). Listeners run
 * synchronously, in the order they were added.
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
  /** Outgoing QoS 1/2 messages in flight at once (default 2) and held in all (default 8). */
  inflight?: number;
  queue?: number;
  /** Largest incoming packet, bytes (default 1024). */
  max_packet?: number;
  /** Reconnect automatically after a loss (default true). */
  reconnect?: boolean;
}

export interface PublishEvent {
  topic: string;
  message: string;
  qos: number;
  retain: boolean;
  dup: boolean;
}

export interface MqttConnection {
  on(event: string, fn: (a?: any, b?: any) => void): MqttConnection;
  removeAllListeners(event?: string): void;
  /** Starts connecting (and reconnecting). */
  connect(): void;
  /** Sends DISCONNECT and stops reconnecting. */
  disconnect(): void;
  /** 0 (QoS 0 sent), a sequence number > 0 (QoS 1/2 accepted), or a negative code (also emitted as "error"). */
  publish(topic: string, message: string, options?: { qos?: number; retain?: boolean }): number;
  /** 0 or a negative code. A handler, when given, takes this filter's messages instead of the events. */
  subscribe(filter: string, options?: { qos?: number }, handler?: (pub: PublishEvent) => void): number;
  /** 0 or a negative code. */
  unsubscribe(filter: string): number;
  /** Whether the broker accepted the connection and it is still up. */
  connected: boolean;
  client: Client;
}

/** The module's platform: a socket factory, a clock and timers. */
export interface ModulePlatform {
  net: Net;
  clock: Clock;
  timers: Timers;
}

function text(bytes: Uint8Array): string {
  return byteText(bytes, 0, bytes.length);
}

/** The module object ({ create }) for a platform. Never fails. */
export function createMqttModule(platform: ModulePlatform) {
  return {
    /** A connection to `server` (a host name or address); throws only on options a program must fix. */
    create: function (server: string, options?: ModuleOptions): MqttConnection {
      const o = options || {};
      const listeners: { [event: string]: ((a?: any, b?: any) => void)[] } = {};
      let timer = 0;
      const emit = function (event: string, a?: any, b?: any) {
        const list = listeners[event];
        if (list) for (let i = 0; i < list.length; i++) list[i](a, b);
      };
      const pubEvent = function (m: Message): PublishEvent {
        return { topic: m.topic, message: text(m.payload), qos: m.qos, retain: m.retain, dup: m.dup };
      };
      const inflight = o.inflight || 2;
      const client = createClient({
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
        txBufferSize: 512,
        maxPacketSize: o.max_packet || 1024,
        inflightWindow: inflight,
        queueSize: Math.max(inflight, o.queue || 8),
        onConnect: function () {
          conn.connected = true;
          emit("connected");
        },
        onDisconnect: function (code) {
          const was = conn.connected;
          conn.connected = false;
          if (was || code !== E.E_STOPPED) emit("disconnected", code);
          if (o.reconnect === false && code !== E.E_STOPPED) conn.disconnect();
        },
        onMessage: function (m) {
          if (listeners.publish) emit("publish", pubEvent(m));
          if (listeners.message) emit("message", m.topic, text(m.payload));
        },
        onError: function (code) {
          emit("error", code);
        },
      });
      const conn: MqttConnection = {
        connected: false,
        client: client,
        on: function (event, fn) {
          (listeners[event] = listeners[event] || []).push(fn);
          return conn;
        },
        removeAllListeners: function (event) {
          if (event === undefined) {
            const keys = Object.keys(listeners);
            for (let i = 0; i < keys.length; i++) delete listeners[keys[i]];
          } else delete listeners[event];
        },
        connect: function () {
          if (timer === 0) timer = platform.timers.every(100, client.tick);
          client.start();
        },
        disconnect: function () {
          client.stop();
          platform.timers.cancel(timer);
          timer = 0;
        },
        publish: function (topic, message, po) {
          const r = client.publish(topic, String(message), (po && po.qos) || 0, !!(po && po.retain));
          if (r < 0) emit("error", r);
          return r;
        },
        subscribe: function (filter, so, handler) {
          const r = client.subscribe(filter, (so && so.qos) || 0, handler ? function (m: Message) { handler(pubEvent(m)); } : null);
          if (r < 0) emit("error", r);
          return r;
        },
        unsubscribe: function (filter) {
          return client.unsubscribe(filter);
        },
      };
      return conn;
    },
  };
}

