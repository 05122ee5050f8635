import * as E from "../../base/errors";
import * as C from "../mqtt/constants";
import type { Payload } from "../mqtt/encode";
import type { ReceivedPacket } from "../mqtt/packet";
import * as W from "../wire/index";
import { checkTopic } from "../mqtt/topic-check";
import type { Clock, Net, NetTarget, Socket, SocketHandlers, Storage } from "../../hal/types";
import { backoffDelay } from "./backoff";
import {
  createInboundQos2,
  inboundAwaitConfirmation,
  inboundForgetSession,
  inboundForgetUnconfirmed,
  inboundRecord,
  inboundRelease,
  inboundSeen,
  type InboundQos2,
} from "./inbound-qos2";
import * as O from "./outbox";
import { persistSession } from "./persist";
import * as S from "./subscriptions";

/**
 * The MQTT 3.1.1 client: connection state machine, keepalive, QoS 0/1/2
 * engine, subscriptions and dispatch, on the codec and an injected Net and
 * Clock. It owns no timer: the owner calls tick() from one interval (every
 * 100 ms to 1 s), and every timeout is a decision against clock.now().
 *
 * Policies:
 * - Errors: any error on a connection (socket error, malformed packet, packet
 *   not allowed in the state, ack for an unknown id, CONNACK refusal or
 *   timeout, keepalive timeout) goes through fail(code): the socket is closed,
 *   onDisconnect(code) is called once, and a reconnect is scheduled after an
 *   exponential backoff with jitter (base doubling up to a cap); the attempt
 *   count resets once a connection stayed up for `stableMs`. stop() ends it.
 * - Keepalive: PINGREQ when nothing was sent, or nothing received, for 3/4 of
 *   the keepalive; the connection is declared dead when nothing at all arrived
 *   for 1.5 times the keepalive (a half-open TCP connection is noticed).
 * - Outbound QoS 1/2: publish() puts the message in a bounded outbox and
 *   returns its sequence number (> 0), or E_QUEUE_FULL. At most
 *   `inflightWindow` messages have a packet id at once; the rest wait in order.
 *   A window of 8 or more is refilled once a quarter of it is free, so that
 *   many messages leave in one write; tick() sends what waits regardless.
 *   Nothing is resent on a live connection; after every reconnect the messages
 *   in flight are resent in their original order, PUBLISH with DUP for those
 *   awaiting PUBACK/PUBREC and PUBREL for those awaiting PUBCOMP, whether or
 *   not the broker kept the session (a broker without the session treats them
 *   as new; QoS 2 stays exactly once because PUBREL is only resent after
 *   PUBREC). Uint8Array payloads are copied at publish(); strings are kept.
 * - Offline: QoS 1/2 wait in the outbox across reconnects; QoS 0 is dropped
 *   and publish() returns E_OFFLINE_DROPPED.
 * - Inbound: QoS 1 is acknowledged after the handlers ran; QoS 2 is delivered
 *   once: its id and a hash of its content are kept until PUBREL (and a while
 *   after), so a resend is acknowledged (PUBREC) but not delivered again,
 *   even from a broker restored from an older save (inbound-qos2.ts has the
 *   rules). A CONNACK without a session marks the ids as released (they
 *   are forgotten with a clean session). When `inboundQos2` ids already
 *   await PUBREL (a broker with more QoS 2 messages in flight than the
 *   client keeps ids for), a new QoS 2 message is refused: no PUBREC, not
 *   delivered, and no id awaiting PUBREL is ever forgotten. The connection
 *   stays up until every id has its PUBREL, then it is closed with
 *   E_INBOUND_QOS2_FULL so that the broker sends the refused messages again
 *   on the next one: each reconnect then takes at least `inboundQos2` new
 *   messages, so it never loops. A handler that throws is
 *   reported with E_HANDLER_FAILED and the message still counts as delivered.
 * - An incoming PUBLISH larger than maxPacketSize is not delivered: it streams
 *   past, is acknowledged (so the broker does not resend it at every connect)
 *   and reported with E_PACKET_TOO_LARGE; the connection stays.
 * - Subscriptions are kept by the client and sent again after a reconnect that
 *   did not resume the session. Each filter has its own SUBSCRIBE; the SUBACK
 *   result (granted QoS or E_SUBACK_FAILURE) goes to onSubscribe. One that
 *   meets a full send queue waits for the next pump_().
 * - Packets leave in the order of the calls that made them.
 * - A broker that answers a QoS 2 PUBLISH with PUBACK (RabbitMQ does: it
 *   supports QoS 0 and 1 only) has taken the message at QoS 1: the client
 *   completes it, counts it in stats().downgraded and reports
 *   E_QOS_DOWNGRADED through onError once per message. Nothing hangs and
 *   nothing is resent forever; exactly-once is then the broker's QoS 1.
 *
 * Power cuts (persistSession): the outbox (messages queued and in flight,
 *   with their ids and state) and the inbound QoS 2 ids are saved to
 *   Storage and restored when the client is created; restored messages go
 *   out again after the first connect as after any reconnect. Write policy,
 *   to spare the flash: one write of the whole state at most every
 *   `intervalMs` (5 s) while it changed, not one per message; so a message
 *   is safe from a power cut once stats().durableSeq reaches its sequence
 *   number (or once it is acknowledged). Two steps of QoS 2 cannot wait for
 *   the next write, since replaying an old state there would duplicate a
 *   message: a PUBREL is held back until the state "PUBREC received" is
 *   written (all PUBRELs that came meanwhile share the next write, at the
 *   next tick), and an inbound QoS 2 id is written before its PUBREC goes
 *   out (one write per inbound QoS 2 message; a cut during that write can
 *   deliver the message once more after the restart).
 *
 * Bytes: every packet is built, framed and read through firmware/wire (the
 * Uint8Array codec on Node, 8-bit Strings on Espruino; docs/design.md).
 *
 * Memory (an ESP8266 has ~1,600 JS variables): the client is its
 * connection's socket handler and the framer's sink, with methods on its
 * prototype. On Espruino every call in progress holds its scope, so PUBLISH,
 * SUBSCRIBE and UNSUBSCRIBE packets go out once a received chunk has been
 * handled (pump_() from onData), not from inside the dispatch of a packet;
 * acks do, and so does a QoS 0 publish, after the SUBSCRIBEs asked for before
 * it. Members ending in `_` are internal: the bundles shorten their names and
 * inline those called from one place (docs/memory.md has the figures).
 */

export const ST_IDLE = 0;
export const ST_WAITING = 1;
export const ST_CONNECTING = 2;
export const ST_CONNECTED = 3;

export interface Will {
  topic: string;
  payload: Payload;
  qos: number;
  retain: boolean;
}

/** Callbacks (onConnect ... onError) are called as methods of the options object. */
export interface ClientOptions {
  net: Net;
  clock: Clock;
  /** Numbers in [0, 1) for the backoff jitter; Math.random by default. */
  random?: () => number;
  host: string;
  port: number;
  tls?: NetTarget["tls"];
  /**
   * Failover: the brokers to connect to in turn (at least one); when given,
   * host, port and tls are not used. After a failed connect, or a lost connection and its
   * backoff, the next attempt goes to the next one (the first after the
   * last); stats().broker says which. Messages in flight go to it as after
   * any reconnect.
   */
  brokers?: NetTarget[] | null;
  clientId: string;
  username?: string | null;
  password?: Payload | null;
  /** Default true. */
  cleanSession?: boolean;
  /** Seconds, default 60; 0 turns keepalive off. */
  keepalive?: number;
  will?: Will | null;
  txBufferSize?: number;
  maxPacketSize?: number;
  inflightWindow?: number;
  /** Outgoing QoS 1/2 messages held in all (in flight and queued). */
  queueSize?: number;
  maxSubscriptions?: number;
  /** Inbound QoS 2 ids awaiting PUBREL (default 32); more in flight from the broker means a reconnect (see inbound-qos2.ts). */
  inboundQos2?: number;
  /** The timings (ms; defaults 10,000, 1,000, 60,000 and 30,000) are read from the options when they apply, not kept. */
  connectTimeoutMs?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  stableMs?: number;
  onConnect?: (sessionPresent: boolean) => void;
  onDisconnect?: (code: number) => void;
  /** Messages no filter handler took. */
  onMessage?: S.MessageHandler;
  /**
   * A QoS 1/2 message was acknowledged: its sequence number from publish(),
   * and the QoS it was completed at (2 after PUBCOMP; 1 after PUBACK, also for
   * a QoS 2 message the broker took at QoS 1, see E_QOS_DOWNGRADED).
   */
  onPublished?: (seq: number, qos: number) => void;
  /** SUBACK for a filter: the granted QoS, or E_SUBACK_FAILURE. */
  onSubscribe?: (filter: string, result: number) => void;
  /**
   * Keep the session through a power cut (see "Power cuts" above): the state
   * is saved as the file `name` of `storage`, at most once per `intervalMs`
   * (default 5000) while messages wait, and read back when the client is
   * created. Use it with cleanSession false.
   */
  persistSession?: { storage: Storage; name: string; intervalMs?: number } | null;
  /** Faults that do not close the connection (a handler threw, an oversized message). */
  onError?: (code: number) => void;
}

export interface Client {
  /** Starts connecting (and reconnecting). Never fails. */
  start(): void;
  /** Sends DISCONNECT when connected, closes, and stops reconnecting. Queued messages stay. */
  stop(): void;
  /** Drives timeouts, keepalive, reconnects and the send queue. Call it often. */
  tick(): void;
  /** 0 (QoS 0 sent), a sequence number > 0 (QoS 1/2 accepted), or a negative code. */
  publish(topic: string, payload: Payload, qos: number, retain: boolean): number;
  /** 0, or E_INVALID_TOPIC / E_INVALID_QOS / E_QUEUE_FULL (subscription table full). */
  subscribe(filter: string, qos: number, handler?: S.MessageHandler | null): number;
  /** 0, or E_INVALID_ARGUMENT when there is no such subscription. */
  unsubscribe(filter: string): number;
  /** ST_IDLE, ST_WAITING, ST_CONNECTING or ST_CONNECTED. */
  state(): number;
  /** Counters and sizes for monitoring and tests: a new object each call (none is kept between calls). */
  stats(): ClientStats;
}

export interface ClientStats {
  connects: number;
  reconnectAttempt: number;
  inFlight: number;
  queued: number;
  lastError: number;
  reconnectAt: number;
  /** QoS 2 messages the broker completed at QoS 1 (PUBACK). */
  downgraded: number;
  /** With persistSession: every message published with a sequence number up to this one survives a power cut. */
  durableSeq: number;
  /** With brokers: the index of the one connected to, or tried next; 0 without. */
  broker: number;
}

/**
 * A persistent session's state (see "Power cuts"): where it is written and how
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

class MqttClient implements Client, SocketHandlers {
  o_: ClientOptions;
  clock_: Clock;
  kaMs_: number;
  window_: number;
  refill_: number;
  tx_: Uint8Array | null;
  pk_: ReceivedPacket;
  framer_: W.Framer;
  out_: O.Outbox;
  subs_: S.Subscriptions;
  inb_: InboundQos2;
  /** The record messages are handed over in, made at the first one (a program that only publishes never pays for it) and reused. */
  msg_: S.Message | null = null;
  connects_ = 0;
  lastError_ = 0;
  downgraded_ = 0;
  state_ = ST_IDLE;
  sock_: Socket | null = null;
  gen_ = 0;
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
  /** The persistent session's state (persistSession), or null without one. */
  persist_: SavedSession | null = null;
  /** An inbound QoS 2 message was refused for want of room (see "Inbound" above). */
  refused_ = false;
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
    this.o_ = opts;
    this.clock_ = opts.clock;
    this.kaMs_ = pick(opts.keepalive, 60) * 1000;
    this.window_ = window;
    this.refill_ = window >= 8 ? Math.floor(window / 4) : 1;
    this.tx_ = W.createTx(pick(opts.txBufferSize, 1024));
    this.pk_ = W.createReceived();
    this.framer_ = W.createFramer(pick(opts.maxPacketSize, 4096), this);
    this.out_ = O.createOutbox(queueSize);
    this.subs_ = S.createSubscriptions(pick(opts.maxSubscriptions, 8));
    this.inb_ = createInboundQos2(pick(opts.inboundQos2, 32));
    const p = opts.persistSession;
    if (p) {
      this.persist_ = { storage: p.storage, name: p.name, intervalMs: p.intervalMs || 5000, dirty: false, savedAt: opts.clock.now(), held: 0, savedSeq: 0 };
      const saved = p.storage.read(p.name);
      const last = saved ? (persistSession(this.out_, this.inb_, saved) as number) : 0;
      if (last > 0) this.lastId_ = last;
      if (last < 0 && opts.onError) opts.onError(last);
      this.persist_.savedSeq = this.out_.nextSeq - 1;
      O.outboxRestored(this.out_);
    }
  }

  /** Writes the session state (persistSession); then the PUBRELs held for it may go. Returns 0 or the Storage code. */
  save_(): number {
    const p = this.persist_ as SavedSession;
    const o = this.out_;
    const r = p.storage.write(p.name, persistSession(o, this.inb_, this.lastId_) as string);
    if (r < 0) {
      if (this.o_.onError) this.o_.onError(r);
      return r;
    }
    p.dirty = false;
    p.savedAt = this.clock_.now();
    p.savedSeq = o.nextSeq - 1;
    if (p.held > 0) {
      p.held = 0;
      for (let i = 0; i < o.size; i++) {
        if (o.slots[i] & O.F_HELD) {
          o.slots[i] &= ~O.F_HELD;
          o.unsent++;
        }
      }
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
    const o = this.o_;
    const will = o.will;
    this.send_(
      W.connectPacket(this.tx_, {
        clientId: o.clientId,
        cleanSession: o.cleanSession !== false,
        keepalive: this.kaMs_ / 1000,
        username: o.username,
        password: o.password,
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
    this.gen_++;
    this.sock_ = null;
    if (s) s.close();
    this.state_ = ST_IDLE;
    if (this.persist_ && this.persist_.dirty) this.save_();
    if ((was === ST_CONNECTED || was === ST_CONNECTING) && this.o_.onDisconnect) this.o_.onDisconnect(E.E_STOPPED);
  }

  tick(): void {
    const now = this.clock_.now();
    const st = this.state_;
    const ka = this.kaMs_;
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
      if (inboundForgetUnconfirmed(this.inb_) === 0) return this.fail_(E.E_INBOUND_QOS2_FULL);
    }
    if (st === ST_WAITING) {
      if (now - this.reconnectAt_ < 0) return;
      // Open a connection; the client is its handler.
      this.state_ = ST_CONNECTING;
      this.since_ = now;
      this.sockErr_ = 0;
      W.resetReceived(this.framer_);
      this.gen_++;
      // The options hold host, port and tls, unless a list of brokers does (failover).
      const list = this.o_.brokers;
      const result = this.o_.net.connect(list ? list[this.broker_] : this.o_, this);
      if (typeof result === "number") {
        this.sockErr_ = result;
        this.fail_(result);
      } else this.sock_ = result;
    } else if (st === ST_CONNECTING) {
      const limit = this.o_.connectTimeoutMs;
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
    this.subs_.slots[S.SUB_WORDS * slot] = S.SUB_LEAVING;
    this.subs_.slots[S.SUB_WORDS * slot + S.SUB_AT_REQUEST] = 0;
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
      queued: o.heldCount - o.inFlightCount,
      lastError: this.lastError_,
      reconnectAt: this.reconnectAt_,
      downgraded: this.downgraded_,
      durableSeq: this.persist_ ? this.persist_.savedSeq : 0,
      broker: this.broker_,
    };
  }

  /**
   * Writes a packet from the byte layer (a negative code from its encoder is
   * returned as it is). A hard socket error fails the connection; so does a
   * full send queue for a control packet, which cannot wait. Returns 0 or the
   * code.
   */
  send_(packet: W.OutPacket, control: boolean): number {
    const s = this.sock_;
    if (typeof packet === "number" && packet < 0) return packet;
    if (!s) return E.E_NOT_CONNECTED;
    // A number is the packet's length in tx (Node); otherwise the packet itself.
    const r = typeof packet === "number" ? s.write(this.tx_ as Uint8Array, 0, packet) : s.write(packet, 0, packet.length);
    if (r === 0) this.sent_ = true;
    else if (control || r !== E.E_SOCKET_QUEUE_FULL) this.fail_(r);
    return r;
  }

  /**
   * The next packet id after the last one (1..65535, wrapping), skipping ids
   * in use by messages in flight and by subscription requests; 0 when all
   * are taken.
   */
  nextId_(): number {
    let id = this.lastId_;
    for (let tries = 0; tries < 65535; tries++) {
      id = id >= 65535 ? 1 : id + 1;
      if (O.outboxFindId(this.out_, id) < 0 && S.subscriptionOfRequest(this.subs_, id) < 0) return (this.lastId_ = id);
    }
    return 0;
  }

  /** Sends what outbox slot `slot` needs next (PUBLISH, or PUBREL once PUBREC came) and marks it sent; it gets a packet id first if it has none. */
  sendMessage_(slot: number): void {
    const o = this.out_;
    const v = o.slots;
    const at = O.AT_ID * o.size + slot;
    if (v[at] === 0) v[at] = this.nextId_();
    const id = v[at];
    const r =
      (v[slot] & O.M_STATE) === O.SLOT_AWAIT_PUBCOMP
        ? this.send_(W.ackPacket(this.tx_, C.PUBREL, id), true)
        : this.send_(
            W.publishPacket(
              this.tx_,
              o.topicOf[slot],
              o.payloadOf[slot],
              (v[slot] >> O.QOS_SHIFT) & 3,
              (v[slot] & O.F_RETAIN) !== 0,
              (v[slot] & O.F_DUP) !== 0,
              id,
            ),
            false,
          );
    if (r === 0 && !(v[slot] & O.F_SENT)) {
      v[slot] |= O.F_SENT | O.F_DUP;
      o.unsent--;
    }
  }

  /** Sends subscription `i`'s SUBSCRIBE, or UNSUBSCRIBE when it is leaving, under a new packet id; a full send queue leaves it waiting (request id 0). */
  sendSubscription_(i: number): void {
    const v = this.subs_.slots;
    const id = this.nextId_();
    v[S.SUB_WORDS * i + S.SUB_AT_REQUEST] = id;
    const qos = v[S.SUB_WORDS * i] === S.SUB_LEAVING ? -1 : v[S.SUB_WORDS * i + S.SUB_AT_QOS];
    if (this.send_(W.subscriptionPacket(this.tx_, id, this.subs_.filterOf[i], qos), false) !== 0) v[S.SUB_WORDS * i + S.SUB_AT_REQUEST] = 0;
  }

  /**
   * Sends the SUBSCRIBEs and UNSUBSCRIBEs that wait. Returns false when one
   * could not go (a full send queue, or the connection failed): the next
   * pump_() tries again.
   */
  sendDueSubscriptions_(): boolean {
    const t = this.subs_;
    for (let i = 0; i < t.size; i++) {
      const st = t.slots[S.SUB_WORDS * i];
      if ((st !== S.SUB_PENDING && st !== S.SUB_LEAVING) || t.slots[S.SUB_WORDS * i + S.SUB_AT_REQUEST] !== 0) continue;
      this.sendSubscription_(i);
      if (this.state_ !== ST_CONNECTED || t.slots[S.SUB_WORDS * i + S.SUB_AT_REQUEST] === 0) return false;
    }
    this.subsDue_ = false;
    return true;
  }

  /**
   * Sends the SUBSCRIBEs and UNSUBSCRIBEs that wait (subsDue_), then the
   * packets in flight that have not gone out on this connection (in
   * publish order: after a reconnect, or after a full send queue), then starts
   * queued messages while the window has room (called while a chunk is
   * handled, it does this once the chunk is done). Stops at a full send queue;
   * the next tick() tries again. In batches (publish, ack), a window of 8 or
   * more is refilled a quarter of it at a time so that many messages leave in
   * one write.
   */
  pump_(batch: boolean): void {
    if (this.busy_) {
      this.pumpDue_ = Math.max(this.pumpDue_, batch ? 1 : 2);
      return;
    }
    if (this.subsDue_ && !this.sendDueSubscriptions_()) return;
    const o = this.out_;
    while (o.unsent > 0 && this.state_ === ST_CONNECTED) {
      const slot = O.outboxOldest(o, true);
      this.sendMessage_(slot);
      if (!(o.slots[slot] & O.F_SENT)) return;
    }
    if (batch && o.inFlightCount > 0 && this.window_ - o.inFlightCount < this.refill_) return;
    while (this.state_ === ST_CONNECTED && o.inFlightCount < this.window_) {
      const slot = O.outboxOldest(o, false);
      if (slot < 0) return;
      O.outboxStart(o, slot);
      this.sendMessage_(slot);
      if (!(o.slots[slot] & O.F_SENT)) return;
    }
  }

  /** The one path for a lost connection: close, tell the application once, schedule the reconnect. */
  fail_(code: number): void {
    const st = this.state_;
    if (st !== ST_CONNECTING && st !== ST_CONNECTED) return;
    const now = this.clock_.now();
    const opts = this.o_;
    const o = this.out_;
    const s = this.sock_;
    this.gen_++;
    this.sock_ = null;
    if (s) s.close();
    // Packets after the failure in the same chunk belong to a dead connection.
    W.resetReceived(this.framer_);
    if (st === ST_CONNECTED && now - this.since_ >= (opts.stableMs === undefined ? 30000 : opts.stableMs)) this.attempt_ = 0;
    this.reconnectAt_ =
      now +
      backoffDelay(
        this.attempt_,
        opts.backoffBaseMs === undefined ? 1000 : opts.backoffBaseMs,
        opts.backoffMaxMs === undefined ? 60000 : opts.backoffMaxMs,
        opts.random ? opts.random() : Math.random(),
      );
    this.attempt_++;
    // Failover: the next attempt, after the backoff, goes to the next broker.
    if (opts.brokers) this.broker_ = (this.broker_ + 1) % opts.brokers.length;
    this.state_ = ST_WAITING;
    this.refused_ = false;
    this.lastError_ = code;
    for (let i = 0; i < o.size; i++) {
      if ((o.slots[i] & O.M_STATE) > O.SLOT_QUEUED && o.slots[i] & O.F_SENT) {
        o.slots[i] &= ~O.F_SENT;
        o.unsent++;
      }
    }
    for (let i = 0; i < this.subs_.size; i++) this.subs_.slots[S.SUB_WORDS * i + S.SUB_AT_REQUEST] = 0;
    if (opts.onDisconnect) opts.onDisconnect(code);
  }

  /**
   * The framer's sink for a packet over maxPacketSize, which has streamed
   * past: a PUBLISH is not delivered but acknowledged (so that the broker
   * does not send it again at every connect) and reported with
   * E_PACKET_TOO_LARGE; the connection stays. Anything else that large breaks
   * the protocol.
   */
  onOversized(first: number, id: number): void {
    const qos = (first >> 1) & 3;
    if (this.state_ !== ST_CONNECTED || first >> 4 !== C.PUBLISH || qos === 3 || (qos > 0 && id === 0)) return this.fail_(E.E_PACKET_TOO_LARGE);
    if (this.o_.onError) this.o_.onError(E.E_PACKET_TOO_LARGE);
    if (qos === 2 && inboundRecord(this.inb_, id, 0) < 0) {
      this.refused_ = true;
      return;
    }
    if (qos > 0) this.send_(W.ackPacket(this.tx_, qos === 1 ? C.PUBACK : C.PUBREC, id), true);
  }

  /**
   * The framer's sink: one whole packet from the broker at data[start..],
   * decoded, then handled by the method for its kind. Acks come first, then
   * PUBLISH: they are what a device gets most (Espruino reads every test it
   * passes, and every character of the function, so the rest is in
   * onRarePacket_).
   */
  onPacket(data: W.Received, start: number, length: number): void {
    const p = this.pk_;
    const r = W.decodeReceived(p, data, start, length);
    const type = p.type;
    if (r < 0 || this.state_ !== ST_CONNECTED) return this.onRarePacket_(r, type);
    if (type === C.PUBACK || type === C.PUBREC || type === C.PUBCOMP) return this.onAck_(type, p.packetId);
    if (type === C.PUBLISH) return this.onPublish_(p, data);
    this.onRarePacket_(0, type);
  }

  /**
   * onPacket() for what a publishing device gets seldom: CONNACK, PUBREL,
   * SUBACK, UNSUBACK, PINGRESP, a packet not allowed while connecting, and
   * decoding failures (`r`, the decoder's code; a refused filter's SUBACK
   * still has its packet).
   */
  onRarePacket_(r: number, type: number): void {
    const p = this.pk_;
    if (r < 0 && r !== E.E_SUBACK_FAILURE) return this.fail_(r);
    if (this.state_ === ST_CONNECTING) return type === C.CONNACK ? this.onConnack_(p) : this.fail_(E.E_PROTOCOL);
    if (type === C.PUBREL) return this.onPubrel_(p.packetId);
    if (type === C.SUBACK || type === C.UNSUBACK) return this.onSuback_(type, p.packetId, r === E.E_SUBACK_FAILURE ? r : p.returnCode);
    if (type === C.PINGRESP) this.pingAt_ = -1;
    else this.fail_(E.E_PROTOCOL);
  }

  /** CONNACK: a refusal fails; accepted, the subscriptions and the messages in flight go out again. */
  onConnack_(p: ReceivedPacket): void {
    if (p.returnCode !== 0) return this.fail_(E.E_CONNACK_PROTOCOL + 1 - p.returnCode);
    const resumed = p.sessionPresent;
    const gen = this.gen_;
    this.state_ = ST_CONNECTED;
    this.connects_++;
    this.since_ = this.clock_.now();
    this.pingAt_ = -1;
    if (resumed) inboundAwaitConfirmation(this.inb_);
    else {
      // No session on the broker: no PUBREL will come. Without a clean session the ids
      // stay, as released, for the resend rule (a broker may keep the session and still
      // say 0, ActiveMQ does); with one they go.
      inboundForgetSession(this.inb_, this.o_.cleanSession === false);
      if (this.persist_) this.persist_.dirty = true;
    }
    // Not resumed, the subscriptions are made again; each goes out from pump_(), which
    // runs once this chunk is handled: fewer calls in progress at the deepest point.
    S.subscriptionsAfterConnect(this.subs_, resumed);
    this.subsDue_ = true;
    this.pump_(false);
    if (gen === this.gen_ && this.o_.onConnect) this.o_.onConnect(resumed);
  }

  /** PUBLISH: delivered (QoS 2 once, see inbound-qos2.ts), then acknowledged: QoS 1 after the handlers. */
  onPublish_(p: ReceivedPacket, data: W.Received): void {
    const id = p.packetId;
    // QoS 2: 1 for a resend already delivered, -1 for no room to remember the id until PUBREL.
    const seen = p.qos === 2 ? inboundSeen(this.inb_, id, W.receivedHash(data, p.topicStart, p.payloadStart + p.payloadLength), p.dup) : 0;
    if (seen < 0) {
      // Refused (no PUBREC, not delivered); once every id has its PUBREL, a reconnect has it sent again.
      this.refused_ = true;
      return;
    }
    if (seen === 0) this.deliver_(p, data);
    if (p.qos > 0 && this.state_ === ST_CONNECTED) this.send_(W.ackPacket(this.tx_, p.qos === 1 ? C.PUBACK : C.PUBREC, id), true);
  }

  /** Hands a message to its filters' handlers, or to onMessage when none took it; a handler that throws is reported. */
  deliver_(p: ReceivedPacket, data: W.Received): void {
    const m = this.msg_ || (this.msg_ = { topic: "", payload: "", qos: 0, retain: false, dup: false, packetId: 0 });
    const t = this.subs_;
    const n = t.size;
    const topic = W.receivedText(data, p.topicStart, p.topicLength);
    m.topic = topic;
    m.payload = W.receivedPayload(data, p.payloadStart, p.payloadLength);
    m.qos = p.qos;
    m.retain = p.retain;
    m.dup = p.dup;
    m.packetId = p.packetId;
    let handled = false;
    for (let i = 0; i <= n; i++) {
      const h = i < n ? t.handlerOf[i] : handled ? null : this.o_.onMessage;
      if (!h) continue;
      if (i < n) {
        if (!S.subscriptionTakes(t, i, topic)) continue;
        handled = true;
      }
      try {
        // The catch-all is called as a method of the options, like every callback.
        if (i < n) h(m);
        else (this.o_ as Required<ClientOptions>).onMessage(m);
      } catch (e) {
        if (this.o_.onError) this.o_.onError(E.E_HANDLER_FAILED);
      }
    }
    // A QoS 2 id is written before PUBREC: after a power cut the broker's resend is known.
    if (p.qos === 2 && this.persist_) this.save_();
  }

  /** PUBACK, PUBREC or PUBCOMP for a message of ours. */
  onAck_(type: number, id: number): void {
    const o = this.out_;
    const slot = O.outboxFindId(o, id);
    if (slot < 0) return this.fail_(E.E_UNKNOWN_PACKET_ID);
    const v = o.slots;
    const st = v[slot] & O.M_STATE;
    if (type === C.PUBREC) {
      if (st !== O.SLOT_AWAIT_PUBREC) return this.fail_(E.E_PROTOCOL);
      // With a saved session, PUBREL waits until "PUBREC received" is written (see "Power cuts").
      v[slot] = (v[slot] & ~(O.M_STATE | O.F_SENT)) | O.SLOT_AWAIT_PUBCOMP | (this.persist_ ? O.F_HELD : 0);
      if (this.persist_) {
        this.persist_.held++;
        this.persist_.dirty = true;
        return;
      }
      o.unsent++;
      this.sendMessage_(slot);
      return;
    }
    const downgraded = type === C.PUBACK && st === O.SLOT_AWAIT_PUBREC;
    if (type === C.PUBACK ? st !== O.SLOT_AWAIT_PUBACK && !downgraded : st !== O.SLOT_AWAIT_PUBCOMP) return this.fail_(E.E_PROTOCOL);
    const seq = v[O.AT_SEQ * o.size + slot];
    O.outboxFree(o, slot);
    if (this.persist_) this.persist_.dirty = true;
    if (downgraded) {
      this.downgraded_++;
      if (this.o_.onError) this.o_.onError(E.E_QOS_DOWNGRADED);
    }
    if (this.o_.onPublished) this.o_.onPublished(seq, type === C.PUBCOMP ? 2 : 1);
    // An ack is always part of a received chunk (onData): the window is refilled, in a batch, once the chunk is handled.
    if (!this.pumpDue_) this.pumpDue_ = 1;
  }

  /** PUBREL: the id is released and PUBCOMP goes out, even for an id not known (section 4.3.3). */
  onPubrel_(id: number): void {
    const inb = this.inb_;
    if (inboundRelease(inb, id) && this.persist_) this.persist_.dirty = true;
    this.send_(W.ackPacket(this.tx_, C.PUBCOMP, id), true);
    // Messages were refused for want of room: with every id released, get them again.
    if (this.refused_ && inb.openCount === 0) this.fail_(E.E_INBOUND_QOS2_FULL);
  }

  /** SUBACK (`result`: the granted QoS or E_SUBACK_FAILURE) or UNSUBACK for one of our requests. */
  onSuback_(type: number, id: number, result: number): void {
    const t = this.subs_;
    const slot = S.subscriptionOfRequest(t, id);
    if (slot < 0) return this.fail_(E.E_UNKNOWN_PACKET_ID);
    const state = S.subscriptionAnswered(t, slot, type === C.UNSUBACK, result);
    if (state === S.SUB_ACTIVE || state === S.SUB_REFUSED) {
      if (this.o_.onSubscribe) this.o_.onSubscribe(t.filterOf[slot], result);
    }
  }
}

/** A client; throws only for a configuration a program must fix (no net, no clock, bad sizes). */
export function createClient(opts: ClientOptions): Client {
  return new MqttClient(opts);
}
