import * as E from "../../base/errors";
import * as C from "../mqtt/constants";
import type { Payload } from "../mqtt/encode";
import type { ReceivedPacket } from "../mqtt/packet";
import * as W from "../wire/index";
import { checkTopic } from "../mqtt/topic-check";
import type { Clock, Net, NetTarget, Socket, SocketHandlers, Storage } from "../../hal/types";
import { backoffDelay } from "./backoff";
import { createInboundQos2, inboundForgetUnconfirmed, type InboundQos2 } from "./inbound-qos2";
import * as O from "./outbox";
import { persistSession } from "./persist";
import * as S from "./subscriptions";
import {
  ST_CONNECTED,
  ST_CONNECTING,
  ST_IDLE,
  ST_WAITING,
  type Client,
  type ClientHandler,
  type ClientOptions,
  type ClientStats,
  type Will,
} from "./client-types";

/**
 * The client's state, its connection's lifecycle and its public methods. What
 * it sends is in client-send.ts, what it receives in client-receive.ts: both
 * add methods to this class's prototype (declared below with `declare`).
 *
 * Memory (an ESP8266 has ~1,600 JS variables): the client is its
 * connection's socket handler and the framer's sink, with methods on its
 * SUBSCRIBE and UNSUBSCRIBE packets go out once a received chunk has been
 * handled (pump_() from onData), not from inside the dispatch of a packet;
 * acks do, and so does a QoS 0 publish, after the SUBSCRIBEs asked for before
 * it. Members ending in `_` are internal: the bundles shorten their names and
 * inline those called from one place (docs/memory.md has the figures).
 */

/**
 * A persistent session's state (docs/design.md, "The client's policies", power cuts): where it is written and how
 * often at most, whether it changed since the last write and when that was,
 * the PUBRELs held for the next write, and the last sequence number written.
 */
interface SavedSession {
  storage: Storage;
  name: string;
  intervalMs: number;
  dirty: boolean;
  savedAt: number;
  held: number;
  savedSeq: number;
}

export class MqttClient implements Client, SocketHandlers {
  /** What the client calls back (options.handler), an empty one without. */
  handler_: ClientHandler;
  net_: Net;
  clock_: Clock;
  random_?: () => number;
  /** Where to connect: one broker, or several in turn (failover). */
  target_?: NetTarget;
  brokers_?: NetTarget[];
  /** The CONNECT's fields; cleanSession_ is set only when false. */
  clientId_: string;
  cleanSession_?: boolean;
  username_?: string | null;
  password_?: Payload | null;
  will_?: Will | null;
  /** The timings given in the options (defaults where they are used). */
  connectTimeoutMs_?: number;
  backoffBaseMs_?: number;
  backoffMaxMs_?: number;
  stableMs_?: number;
  keepaliveMs_: number;
  window_: number;
  refill_: number;
  tx_: Uint8Array | null;
  packet_: ReceivedPacket;
  framer_: W.Framer;
  out_: O.Outbox;
  subs_: S.Subscriptions;
  inbound_: InboundQos2;
  /** The record messages are handed over in, made at the first one (a program that only publishes never pays for it) and reused. */
  msg_?: S.Message;
  connects_ = 0;
  lastError_ = 0;
  /** QoS 2 messages the broker took at QoS 1 (stats().downgraded); none counted yet when absent. */
  downgraded_?: number;
  state_ = ST_IDLE;
  sock_: Socket | null = null;
  generation_ = 0;
  sockErr_ = 0;
  attempt_ = 0;
  reconnectAt_ = 0;
  /** When the current connection was opened (CONNECTING), or accepted by the broker (CONNECTED). */
  since_ = 0;
  /** When something last went out, and came in; sent_ and received_ say it happened since tick() last looked (no clock read per packet). */
  lastSent_ = 0;
  lastRecv_ = 0;
  sent_ = false;
  received_ = false;
  pingAt_ = -1;
  lastId_ = 0;
  /** With brokers (failover): the index of the one to connect to. */
  broker_ = 0;
  /** The persistent session's state (persistSession); none without one. */
  persist_?: SavedSession;
  /** An inbound QoS 2 message was refused for want of room (docs/design.md, "The client's policies", inbound). */
  refused_?: boolean;
  /** A chunk is being handled; pump_() then only notes what it was asked (1 batch, 2 everything) for the end of the chunk. */
  busy_ = false;
  pumpDue_ = 0;
  /** A subscription may wait for its SUBSCRIBE or UNSUBSCRIBE (pending or leaving, request id 0): pump_() sends them first. */
  subsDue_ = false;

  constructor(opts: ClientOptions) {
    if (!opts.net || !opts.clock) throw new Error("createClient: net and clock are required");
    // Transient: made and dropped with each construction.
    const pick = function (value: number | undefined, fallback: number): number {
      return value === undefined ? fallback : value;
    };
    const window = pick(opts.inflightWindow, 4);
    const queueSize = pick(opts.queueSize, 16);
    if (window < 1 || queueSize < window) throw new Error("createClient: need 1 <= inflightWindow <= queueSize");
    if (opts.brokers && !opts.brokers.length) throw new Error("createClient: brokers is empty");
    // Only the values given are kept: on Espruino a field costs a variable, undefined or not.
    this.handler_ = opts.handler || {};
    this.net_ = opts.net;
    this.clock_ = opts.clock;
    if (opts.random) this.random_ = opts.random;
    if (opts.brokers) this.brokers_ = opts.brokers;
    else {
      const target: NetTarget = { host: opts.host, port: opts.port };
      if (opts.tls) target.tls = opts.tls;
      this.target_ = target;
    }
    this.clientId_ = opts.clientId;
    if (opts.cleanSession === false) this.cleanSession_ = false;
    if (opts.username != null) this.username_ = opts.username;
    if (opts.password != null) this.password_ = opts.password;
    if (opts.will) this.will_ = opts.will;
    if (opts.connectTimeoutMs !== undefined) this.connectTimeoutMs_ = opts.connectTimeoutMs;
    if (opts.backoffBaseMs !== undefined) this.backoffBaseMs_ = opts.backoffBaseMs;
    if (opts.backoffMaxMs !== undefined) this.backoffMaxMs_ = opts.backoffMaxMs;
    if (opts.stableMs !== undefined) this.stableMs_ = opts.stableMs;
    this.keepaliveMs_ = pick(opts.keepalive, 60) * 1000;
    this.window_ = window;
    this.refill_ = window >= 8 ? Math.floor(window / 4) : 1;
    this.tx_ = W.createTx(pick(opts.txBufferSize, 1024));
    this.packet_ = W.createReceived();
    this.framer_ = W.createFramer(pick(opts.maxPacketSize, 4096), this);
    this.out_ = O.createOutbox(queueSize);
    this.subs_ = S.createSubscriptions(pick(opts.maxSubscriptions, 8));
    this.inbound_ = createInboundQos2(pick(opts.inboundQos2, 32));
    const p = opts.persistSession;
    if (p) {
      this.persist_ = { storage: p.storage, name: p.name, intervalMs: p.intervalMs || 5000, dirty: false, savedAt: opts.clock.now(), held: 0, savedSeq: 0 };
      const saved = p.storage.read(p.name);
      const last = saved ? (persistSession(this.out_, this.inbound_, saved) as number) : 0;
      if (last > 0) this.lastId_ = last;
      if (last < 0 && this.handler_.onError) this.handler_.onError(last);
      this.persist_.savedSeq = this.out_.nextSeq - 1;
      O.outboxRestored(this.out_);
    }
  }

  /** Writes the session state (persistSession); then the PUBRELs held for it may go. Returns 0 or the Storage code. */
  save_(): number {
    const p = this.persist_ as SavedSession;
    const o = this.out_;
    const r = p.storage.write(p.name, persistSession(o, this.inbound_, this.lastId_) as string);
    if (r < 0) {
      if (this.handler_.onError) this.handler_.onError(r);
      return r;
    }
    p.dirty = false;
    p.savedAt = this.clock_.now();
    p.savedSeq = o.nextSeq - 1;
    if (p.held > 0) {
      p.held = 0;
      O.outboxReleaseHeld(o);
      if (this.state_ === ST_CONNECTED) this.pump_(false);
    }
    return 0;
  }

  start(): void {
    if (this.state_ !== ST_IDLE) return;
    this.attempt_ = 0;
    this.state_ = ST_WAITING;
    this.reconnectAt_ = this.clock_.now();
    this.tick();
  }

  // The socket's events (SocketHandlers): the client is the handler of its
  // own connection. It closes a connection before it opens the next, and a
  // socket closed by its owner reports nothing more (hal/types.ts), so every
  // event is the current connection's.
  /** The socket is open: CONNECT goes out. */
  onConnect(): void {
    this.lastRecv_ = this.clock_.now();
    // The CONNECT fields exist while it is written: nothing kept between connections.
    const will = this.will_;
    this.send_(
      W.connectPacket(this.tx_, {
        clientId: this.clientId_,
        cleanSession: this.cleanSession_ !== false,
        keepalive: this.keepaliveMs_ / 1000,
        username: this.username_,
        password: this.password_,
        willTopic: will ? will.topic : null,
        willPayload: will ? will.payload : null,
        willQos: will ? will.qos : 0,
        willRetain: will ? will.retain : false,
      }),
      true,
    );
  }
  /** A chunk from the broker: framed, each packet handled (onPacket), then what the handling asked for goes out (pump_). */
  onData(chunk: Uint8Array | string): void {
    this.received_ = true;
    this.busy_ = true;
    let r = 0;
    try {
      r = W.pushReceived(this.framer_, chunk);
    } finally {
      this.busy_ = false;
    }
    if (r < 0) this.fail_(r);
    const due = this.pumpDue_;
    this.pumpDue_ = 0;
    if (due && this.state_ === ST_CONNECTED) this.pump_(due === 1);
  }
  /** The socket's error, reported with the onClose that follows. */
  onError(code: number): void {
    this.sockErr_ = code;
  }
  /** The socket closed without the client asking (it closes its own silently): a lost connection. */
  onClose(): void {
    this.fail_(this.sockErr_ || E.E_SOCKET_CLOSED);
  }

  stop(): void {
    const was = this.state_;
    if (was === ST_CONNECTED) this.send_(W.barePacket(this.tx_, C.DISCONNECT), false);
    const s = this.sock_;
    this.generation_++;
    this.sock_ = null;
    if (s) s.close();
    this.state_ = ST_IDLE;
    if (this.persist_ && this.persist_.dirty) this.save_();
    if ((was === ST_CONNECTED || was === ST_CONNECTING) && this.handler_.onDisconnect) this.handler_.onDisconnect(E.E_STOPPED);
  }

  tick(): void {
    const now = this.clock_.now();
    const st = this.state_;
    const ka = this.keepaliveMs_;
    if (this.sent_) this.lastSent_ = now;
    if (this.received_) this.lastRecv_ = now;
    this.sent_ = this.received_ = false;
    const p = this.persist_;
    if (p && p.dirty && (p.held > 0 || now - p.savedAt >= p.intervalMs)) this.save_();
    if (this.refused_ && st === ST_CONNECTED && now - this.since_ >= Math.max(2 * ka, 10000)) {
      // Messages wait for room, and the connection has been up long enough for the
      // broker to have resent what it had in flight [MQTT-4.4.0-1]: ids carried over
      // the reconnect that it never mentioned (no PUBREL, no resend) are ones it
      // forgot (killed before it saved). They become released (still known for
      // the resend rule); with none left awaiting PUBREL, reconnect for the rest.
      if (inboundForgetUnconfirmed(this.inbound_) === 0) return this.fail_(E.E_INBOUND_QOS2_FULL);
    }
    if (st === ST_WAITING) {
      if (now - this.reconnectAt_ < 0) return;
      // Open a connection; the client is its handler.
      this.state_ = ST_CONNECTING;
      this.since_ = now;
      this.sockErr_ = 0;
      W.resetReceived(this.framer_);
      this.generation_++;
      const list = this.brokers_;
      const result = this.net_.connect(list ? list[this.broker_] : (this.target_ as NetTarget), this);
      if (typeof result === "number") {
        this.sockErr_ = result;
        this.fail_(result);
      } else this.sock_ = result;
    } else if (st === ST_CONNECTING) {
      const limit = this.connectTimeoutMs_;
      if (now - this.since_ >= (limit === undefined ? 10000 : limit)) this.fail_(E.E_CONNACK_TIMEOUT);
    } else if (st === ST_CONNECTED) {
      if (ka > 0) {
        if (now - this.lastRecv_ >= ka * 1.5) return this.fail_(E.E_KEEPALIVE_TIMEOUT);
        const idle = now - this.lastSent_ >= ka * 0.75 || now - this.lastRecv_ >= ka * 0.75;
        if (idle && (this.pingAt_ < 0 || now - this.pingAt_ >= ka)) {
          if (this.send_(W.barePacket(this.tx_, C.PINGREQ), true) === 0) this.pingAt_ = now;
        }
      }
      if (this.state_ === ST_CONNECTED) this.pump_(false);
    }
  }

  publish(topic: string, payload: Payload, qos: number, retain: boolean): number {
    // Connected with no SUBSCRIBE waiting, QoS 0 goes out at once; the rest is publishQueued_().
    if (qos === 0 && this.state_ === ST_CONNECTED && !this.subsDue_) return this.send_(W.publishPacket(this.tx_, topic, payload, 0, retain, false, 0), false);
    return this.publishQueued_(topic, payload, qos, retain);
  }

  /**
   * publish() for QoS 1/2, and for QoS 0 offline or behind a SUBSCRIBE asked
   * for before it (packets leave in the order of the calls).
   */
  publishQueued_(topic: string, payload: Payload, qos: number, retain: boolean): number {
    if (qos !== 0 && qos !== 1 && qos !== 2) return E.E_INVALID_QOS;
    if (qos === 0 && this.state_ === ST_CONNECTED)
      return !this.sendDueSubscriptions_() ? E.E_SOCKET_QUEUE_FULL : this.send_(W.publishPacket(this.tx_, topic, payload, 0, retain, false, 0), false);
    const t = W.checkTopicName(topic);
    if (t < 0) return t;
    if (qos === 0) return E.E_OFFLINE_DROPPED;
    const seq = O.outboxAdd(this.out_, topic, typeof payload === "string" ? payload : new Uint8Array(payload), qos, retain);
    if (seq > 0) {
      if (this.persist_) this.persist_.dirty = true;
      this.pump_(true);
    }
    return seq;
  }

  subscribe(filter: string, qos: number, handler?: S.MessageHandler | null): number {
    if (checkTopic(filter, true) < 0) return E.E_INVALID_TOPIC;
    if (qos !== 0 && qos !== 1 && qos !== 2) return E.E_INVALID_QOS;
    const slot = S.subscriptionSlot(this.subs_, filter, qos, handler || null);
    if (slot < 0) return slot;
    this.subsDue_ = true;
    if (this.state_ === ST_CONNECTED) this.pump_(false);
    return 0;
  }

  unsubscribe(filter: string): number {
    const slot = S.subscriptionSlot(this.subs_, filter, -1, null);
    if (slot < 0) return E.E_INVALID_ARGUMENT;
    S.subscriptionLeave(this.subs_, slot);
    this.subsDue_ = true;
    if (this.state_ === ST_CONNECTED) this.pump_(false);
    return 0;
  }

  state(): number {
    return this.state_;
  }

  stats(): ClientStats {
    const o = this.out_;
    return {
      connects: this.connects_,
      reconnectAttempt: this.attempt_,
      inFlight: o.inFlightCount,
      queued: o.usedCount - o.inFlightCount,
      lastError: this.lastError_,
      reconnectAt: this.reconnectAt_,
      downgraded: this.downgraded_ || 0,
      durableSeq: this.persist_ ? this.persist_.savedSeq : 0,
      broker: this.broker_,
    };
  }

  // Sending (client-send.ts).
  declare send_: (packet: W.OutPacket, control: boolean) => number;
  declare nextId_: () => number;
  declare sendMessage_: (slot: number) => void;
  declare sendSubscription_: (i: number) => boolean;
  declare sendDueSubscriptions_: () => boolean;
  declare pump_: (batch: boolean) => void;
  // Receiving (client-receive.ts).
  declare onOversized: (first: number, id: number) => void;
  declare onPacket: (data: W.Received, start: number, length: number) => void;
  declare onRarePacket_: (r: number, type: number) => void;
  declare onConnack_: (p: ReceivedPacket) => void;
  declare onPublish_: (p: ReceivedPacket, data: W.Received) => void;
  declare deliver_: (p: ReceivedPacket, data: W.Received) => void;
  declare onAck_: (type: number, id: number) => void;
  declare onQos2Ack_: (type: number, slot: number) => number;
  declare onPubrel_: (id: number) => void;
  declare onSuback_: (type: number, id: number, result: number) => void;

  /** The one path for a lost connection: close, tell the application once, schedule the reconnect. */
  fail_(code: number): void {
    const st = this.state_;
    if (st !== ST_CONNECTING && st !== ST_CONNECTED) return;
    const now = this.clock_.now();
    const handler = this.handler_;
    const list = this.brokers_;
    const o = this.out_;
    const s = this.sock_;
    this.generation_++;
    this.sock_ = null;
    if (s) s.close();
    // Packets after the failure in the same chunk belong to a dead connection.
    W.resetReceived(this.framer_);
    if (st === ST_CONNECTED && now - this.since_ >= (this.stableMs_ === undefined ? 30000 : this.stableMs_)) this.attempt_ = 0;
    this.reconnectAt_ =
      now +
      backoffDelay(
        this.attempt_,
        this.backoffBaseMs_ === undefined ? 1000 : this.backoffBaseMs_,
        this.backoffMaxMs_ === undefined ? 60000 : this.backoffMaxMs_,
        this.random_ ? this.random_() : Math.random(),
      );
    this.attempt_++;
    // Failover: the next attempt, after the backoff, goes to the next broker.
    if (list) this.broker_ = (this.broker_ + 1) % list.length;
    this.state_ = ST_WAITING;
    if (this.refused_) this.refused_ = false;
    this.lastError_ = code;
    O.outboxResendAll(o);
    S.subscriptionsForgetRequests(this.subs_);
    if (handler.onDisconnect) handler.onDisconnect(code);
  }
}
