import * as E from "../errors";
import * as C from "../mqtt/constants";
import { decodeOversizedPublish, decodePacket } from "../mqtt/decode";
import { encodeAck, encodeConnect, encodeDisconnect, encodePingreq, encodePublish, encodePublishHeader, encodeSubscribe, encodeUnsubscribe, payloadByteLength, type ConnectFields, type Payload } from "../mqtt/encode";
import { publishPayloadBytes, publishTopic, subackCode } from "../mqtt/fields";
import { createFramer, framerPush, framerReset } from "../mqtt/framer";
import { createPacket } from "../mqtt/packet";
import { checkTopicFilter, topicNameByteLength } from "../mqtt/topic-check";
import { writeText } from "../mqtt/utf8";
import { elapsed } from "../time";
import type { Clock, Net, NetTarget, Socket } from "../../hal/types";
import { backoffDelay } from "./backoff";
import { createInboundQos2, hashBytes, inboundAdd, inboundClear, inboundIsDuplicate, inboundRelease } from "./inbound-qos2";
import * as O from "./outbox";
import { nextPacketId } from "./packet-id";
import * as S from "./subscriptions";
import { topicMatches } from "./topic";

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
 *   rules). When `inboundQos2` ids already await PUBREL, a new QoS 2 message
 *   is refused (no PUBREC, not delivered) and the connection fails with
 *   E_INBOUND_QOS2_FULL: the broker sends it again after the reconnect, and
 *   no id awaiting PUBREL is ever forgotten. A handler that throws is
 *   reported with E_HANDLER_FAILED and the message still counts as delivered.
 * - An incoming PUBLISH larger than maxPacketSize is not delivered: it is
 *   acknowledged (so the broker does not resend it forever) and reported with
 *   E_PACKET_TOO_LARGE; the framing of what follows is kept.
 * - Subscriptions are kept by the client and sent again after a reconnect that
 *   did not resume the session. Each filter has its own SUBSCRIBE; the SUBACK
 *   result (granted QoS or E_SUBACK_FAILURE) goes to onSubscribe.
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

export interface ClientOptions {
  net: Net;
  clock: Clock;
  /** Numbers in [0, 1) for the backoff jitter; Math.random by default. */
  random?: () => number;
  host: string;
  port: number;
  tls?: NetTarget["tls"];
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
  connectTimeoutMs?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  stableMs?: number;
  onConnect?: (sessionPresent: boolean) => void;
  onDisconnect?: (code: number) => void;
  /** Messages no filter handler took. */
  onMessage?: S.MessageHandler;
  /** A QoS 1/2 message was acknowledged: its sequence number from publish(). */
  onPublished?: (seq: number) => void;
  /** SUBACK for a filter: the granted QoS, or E_SUBACK_FAILURE. */
  onSubscribe?: (filter: string, result: number) => void;
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
  /** Counters and sizes for monitoring and tests. */
  stats(): ClientStats;
}

export interface ClientStats {
  connects: number;
  reconnectAttempt: number;
  inFlight: number;
  queued: number;
  lastError: number;
  reconnectAt: number;
}

function pick(value: number | undefined, fallback: number): number {
  return value === undefined ? fallback : value;
}

/** A client; throws only for a configuration a program must fix (no net, no clock, bad sizes). */
export function createClient(opts: ClientOptions): Client {
  if (!opts.net || !opts.clock) throw new Error("createClient: net and clock are required");
  const clock = opts.clock;
  const random = opts.random || Math.random;
  const keepaliveMs = pick(opts.keepalive, 60) * 1000;
  const connectTimeoutMs = pick(opts.connectTimeoutMs, 10000);
  const backoffBaseMs = pick(opts.backoffBaseMs, 1000);
  const backoffMaxMs = pick(opts.backoffMaxMs, 60000);
  const stableMs = pick(opts.stableMs, 30000);
  const window = pick(opts.inflightWindow, 4);
  const queueSize = pick(opts.queueSize, 16);
  if (window < 1 || queueSize < window) throw new Error("createClient: need 1 <= inflightWindow <= queueSize");
  const target: NetTarget = { host: opts.host, port: opts.port, tls: opts.tls };
  const will = opts.will;
  const connectFields: ConnectFields = {
    clientId: opts.clientId,
    cleanSession: opts.cleanSession !== false,
    keepalive: keepaliveMs / 1000,
    username: opts.username,
    password: opts.password,
    willTopic: will ? will.topic : null,
    willPayload: will ? will.payload : null,
    willQos: will ? will.qos : 0,
    willRetain: will ? will.retain : false,
  };

  const refillBatch = window >= 8 ? Math.floor(window / 4) : 1;
  const tx = new Uint8Array(pick(opts.txBufferSize, 1024));
  const packet = createPacket();
  const outbox = O.createOutbox(queueSize, window);
  const subs = S.createSubscriptions(pick(opts.maxSubscriptions, 8));
  const inbound = createInboundQos2(pick(opts.inboundQos2, 32));
  const message: S.Message = { topic: "", payload: new Uint8Array(0), qos: 0, retain: false, dup: false, packetId: 0 };
  const stats: ClientStats = { connects: 0, reconnectAttempt: 0, inFlight: 0, queued: 0, lastError: 0, reconnectAt: 0 };

  let state = ST_IDLE;
  let socket: Socket | null = null;
  let generation = 0;
  let socketError = 0;
  let attempt = 0;
  let reconnectAt = 0;
  let connectStartedAt = 0;
  let connectedAt = 0;
  let lastSent = 0;
  let lastReceived = 0;
  let pingSentAt = -1;
  let lastId = 0;

  const idInUse = function (id: number): boolean {
    return O.outboxIdInUse(outbox, id) || S.subscriptionByRequest(subs, id) >= 0;
  };

  /** Writes tx[0, n); on a hard socket error fails the connection. Returns 0 or the code. */
  function send(n: number): number {
    if (n < 0) return n;
    if (!socket) return E.E_NOT_CONNECTED;
    const r = socket.write(tx, 0, n);
    if (r === 0) lastSent = clock.now();
    else if (r !== E.E_SOCKET_QUEUE_FULL) fail(r);
    return r;
  }

  function sendPublish(topic: string, payload: Payload, qos: number, retain: boolean, dup: boolean, id: number): number {
    const n = encodePublish(tx, 0, topic, payload, qos, retain, dup, id);
    if (n !== E.E_BUFFER_TOO_SHORT) return send(n);
    // Larger than the buffer: header from the buffer, payload written as it is.
    const len = payloadByteLength(payload);
    let bytes: Uint8Array;
    if (typeof payload === "string") {
      bytes = new Uint8Array(len);
      writeText(bytes, 0, payload);
    } else bytes = payload;
    const h = encodePublishHeader(tx, 0, topic, len, qos, retain, dup, id);
    const r = send(h);
    if (r !== 0 || !socket) return r;
    const w = socket.write(bytes, 0, len);
    // Half a packet went out: only a new connection restores the stream.
    if (w !== 0) fail(w);
    return w;
  }

  /** Sends a control packet; one that cannot be queued breaks the protocol, so it fails the connection. */
  function sendControl(n: number): number {
    const r = send(n);
    if (r === E.E_SOCKET_QUEUE_FULL) fail(r);
    return r;
  }

  function sendAck(type: number, id: number): number {
    return sendControl(encodeAck(tx, 0, type, id));
  }

  /** Sends what the slot needs next (PUBLISH or PUBREL). */
  function sendSlot(slot: number): void {
    const st = outbox.state[slot];
    let r: number;
    if (st === O.SLOT_AWAIT_PUBCOMP) r = sendAck(C.PUBREL, outbox.id[slot]);
    else r = sendPublish(outbox.topic[slot], outbox.payload[slot], outbox.qos[slot], outbox.retain[slot], outbox.dup[slot], outbox.id[slot]);
    if (r === 0) {
      O.outboxMarkSent(outbox, slot);
      outbox.dup[slot] = true;
    }
  }

  /**
   * Sends the packets in flight that have not gone out on this connection (in
   * publish order: after a reconnect, or after a full send queue), then starts
   * queued messages while the window has room. Stops at a full send queue; the
   * next tick() tries again.
   */
  function pump(batch: boolean): void {
    if (outbox.unsent > 0) {
      const n = O.outboxOrder(outbox, -1);
      for (let k = 0; k < n && state === ST_CONNECTED; k++) {
        const slot = outbox.order[k];
        if (outbox.state[slot] > O.SLOT_QUEUED && !outbox.sent[slot]) {
          sendSlot(slot);
          if (!outbox.sent[slot]) return;
        }
      }
    }
    // In batches (publish, ack), a window of 8 or more is filled a quarter of it
    // at a time so that many messages leave in one write; tick() sends the rest.
    if (batch && outbox.inFlight > 0 && window - outbox.inFlight < refillBatch) return;
    while (state === ST_CONNECTED && outbox.inFlight < window) {
      const slot = O.outboxOldest(outbox, O.SLOT_QUEUED);
      if (slot < 0) return;
      lastId = nextPacketId(lastId, idInUse);
      O.outboxStart(outbox, slot, lastId);
      sendSlot(slot);
      if (!outbox.sent[slot]) return;
    }
  }

  const tmpFilter: string[] = [""];
  const tmpQos: number[] = [0];

  function sendSubscription(slot: number): void {
    lastId = nextPacketId(lastId, idInUse);
    subs.requestId[slot] = lastId;
    tmpFilter[0] = subs.filter[slot];
    tmpQos[0] = subs.qos[slot];
    const n =
      subs.state[slot] === S.SUB_LEAVING
        ? encodeUnsubscribe(tx, 0, lastId, tmpFilter, 1)
        : encodeSubscribe(tx, 0, lastId, tmpFilter, tmpQos, 1);
    if (sendControl(n) !== 0) subs.requestId[slot] = 0;
  }

  function closeSocket(): void {
    generation++;
    const s = socket;
    socket = null;
    if (s) s.close();
  }

  /** The one path for a lost connection: close, tell the application once, schedule the reconnect. */
  function fail(code: number): void {
    if (state !== ST_CONNECTING && state !== ST_CONNECTED) return;
    const now = clock.now();
    closeSocket();
    // Packets after the failure in the same chunk belong to a dead connection.
    framerReset(framer);
    if (state === ST_CONNECTED && elapsed(connectedAt, now) >= stableMs) attempt = 0;
    reconnectAt = now + backoffDelay(attempt, backoffBaseMs, backoffMaxMs, random());
    attempt++;
    state = ST_WAITING;
    stats.lastError = code;
    for (let i = 0; i < outbox.sent.length; i++) O.outboxMarkUnsent(outbox, i);
    for (let i = 0; i < subs.requestId.length; i++) subs.requestId[i] = 0;
    if (opts.onDisconnect) opts.onDisconnect(code);
  }

  function open(): void {
    state = ST_CONNECTING;
    connectStartedAt = clock.now();
    socketError = 0;
    framerReset(framer);
    const gen = ++generation;
    const result = opts.net.connect(target, {
      onConnect: function () {
        if (gen !== generation) return;
        lastReceived = clock.now();
        sendControl(encodeConnect(tx, 0, connectFields));
      },
      onData: function (chunk) {
        if (gen !== generation) return;
        lastReceived = clock.now();
        const r = framerPush(framer, chunk);
        if (r < 0) fail(r);
      },
      onError: function (code) {
        if (gen === generation) socketError = code;
      },
      onClose: function () {
        if (gen === generation) fail(socketError || E.E_SOCKET_CLOSED);
      },
    });
    if (typeof result === "number") {
      socketError = result;
      fail(result);
    } else if (gen === generation) socket = result;
    else result.close();
  }

  function onConnack(): void {
    if (packet.returnCode !== 0) return fail(E.E_CONNACK_PROTOCOL + 1 - packet.returnCode);
    const resumed = packet.sessionPresent;
    state = ST_CONNECTED;
    stats.connects++;
    connectedAt = clock.now();
    pingSentAt = -1;
    if (!resumed) inboundClear(inbound);
    const gen = generation;
    for (let i = 0; i < subs.state.length && gen === generation; i++) {
      const st = subs.state[i];
      if (st === S.SUB_ACTIVE && !resumed) subs.state[i] = S.SUB_PENDING;
      if (st === S.SUB_LEAVING && !resumed) S.subscriptionFree(subs, i);
      else if (subs.state[i] === S.SUB_PENDING || st === S.SUB_LEAVING) sendSubscription(i);
    }
    if (gen !== generation) return;
    pump(false);
    if (gen === generation && opts.onConnect) opts.onConnect(resumed);
  }

  function deliver(): void {
    const topic = publishTopic(packet, framer.buf);
    message.topic = topic;
    message.payload = publishPayloadBytes(packet, framer.buf);
    message.qos = packet.qos;
    message.retain = packet.retain;
    message.dup = packet.dup;
    message.packetId = packet.packetId;
    let handled = false;
    for (let i = 0; i < subs.state.length; i++) {
      const h = subs.handler[i];
      const st = subs.state[i];
      if (h && (st === S.SUB_ACTIVE || st === S.SUB_PENDING) && topicMatches(subs.filter[i], topic)) {
        handled = true;
        callHandler(h);
      }
    }
    if (!handled && opts.onMessage) callHandler(opts.onMessage);
  }

  function callHandler(h: S.MessageHandler): void {
    try {
      h(message);
    } catch (e) {
      if (opts.onError) opts.onError(E.E_HANDLER_FAILED);
    }
  }

  function onPublish(): void {
    const id = packet.packetId;
    if (packet.qos === 2) {
      // Exactly once, also against a broker restored from an older save: see inbound-qos2.ts.
      const hash = hashBytes(hashBytes(0, framer.buf, packet.topicStart, packet.topicLength), framer.buf, packet.payloadStart, packet.payloadLength);
      if (!inboundIsDuplicate(inbound, id, hash, packet.dup)) {
        // No room to remember the id until PUBREL: refuse the message (no PUBREC,
        // not delivered) and reconnect; the broker sends it again then.
        if (!inboundAdd(inbound, id, hash)) return fail(E.E_INBOUND_QOS2_FULL);
        deliver();
      }
      sendAck(C.PUBREC, id);
      return;
    }
    deliver();
    if (packet.qos === 1 && state === ST_CONNECTED) sendAck(C.PUBACK, id);
  }

  function onOutboundAck(type: number): void {
    const slot = O.outboxFind(outbox, packet.packetId);
    if (slot < 0) return fail(E.E_UNKNOWN_PACKET_ID);
    const st = outbox.state[slot];
    if (type === C.PUBREC) {
      if (st === O.SLOT_AWAIT_PUBACK) return fail(E.E_PROTOCOL);
      outbox.state[slot] = O.SLOT_AWAIT_PUBCOMP;
      O.outboxMarkUnsent(outbox, slot);
      sendSlot(slot);
      return;
    }
    if ((type === C.PUBACK) !== (st === O.SLOT_AWAIT_PUBACK) || (type === C.PUBCOMP && st !== O.SLOT_AWAIT_PUBCOMP)) return fail(E.E_PROTOCOL);
    const seq = outbox.seq[slot];
    O.outboxFree(outbox, slot);
    if (opts.onPublished) opts.onPublished(seq);
    pump(true);
  }

  function onSubAck(type: number, code: number): void {
    const slot = S.subscriptionByRequest(subs, packet.packetId);
    if (slot < 0) return fail(E.E_UNKNOWN_PACKET_ID);
    subs.requestId[slot] = 0;
    if (type === C.UNSUBACK) {
      if (subs.state[slot] === S.SUB_LEAVING) S.subscriptionFree(subs, slot);
      return;
    }
    if (subs.state[slot] !== S.SUB_PENDING) return;
    const granted = subackCode(packet, framer.buf, 0);
    subs.state[slot] = code === E.E_SUBACK_FAILURE ? S.SUB_REFUSED : S.SUB_ACTIVE;
    subs.granted[slot] = granted;
    if (opts.onSubscribe) opts.onSubscribe(subs.filter[slot], code === E.E_SUBACK_FAILURE ? code : granted);
  }

  function onPacket(buf: Uint8Array, start: number, length: number): void {
    const r = decodePacket(packet, buf, start, length);
    if (r < 0 && r !== E.E_SUBACK_FAILURE) return fail(r);
    const type = packet.type;
    if (state === ST_CONNECTING) {
      if (type !== C.CONNACK) return fail(E.E_PROTOCOL);
      return onConnack();
    }
    switch (type) {
      case C.PUBLISH:
        return onPublish();
      case C.PUBACK:
      case C.PUBREC:
      case C.PUBCOMP:
        return onOutboundAck(type);
      case C.PUBREL:
        inboundRelease(inbound, packet.packetId);
        // PUBCOMP even for an id not known (section 4.3.3): the broker resends PUBREL after a reconnect.
        sendAck(C.PUBCOMP, packet.packetId);
        return;
      case C.SUBACK:
      case C.UNSUBACK:
        return onSubAck(type, r);
      case C.PINGRESP:
        pingSentAt = -1;
        return;
      default:
        return fail(E.E_PROTOCOL);
    }
  }

  function onOversize(buf: Uint8Array, start: number, kept: number): void {
    const r = decodeOversizedPublish(packet, buf, start, kept);
    if (r !== E.E_PACKET_TOO_LARGE || state !== ST_CONNECTED) return fail(r === E.E_PACKET_TOO_LARGE ? E.E_PROTOCOL : E.E_PACKET_TOO_LARGE);
    if (opts.onError) opts.onError(E.E_PACKET_TOO_LARGE);
    if (packet.qos === 1) sendAck(C.PUBACK, packet.packetId);
    else if (packet.qos === 2) {
      if (!inboundAdd(inbound, packet.packetId, 0)) return fail(E.E_INBOUND_QOS2_FULL);
      sendAck(C.PUBREC, packet.packetId);
    }
  }

  const framer = createFramer(pick(opts.maxPacketSize, 4096), onPacket, onOversize);

  function tick(): void {
    const now = clock.now();
    if (state === ST_WAITING) {
      if (now - reconnectAt >= 0) open();
      return;
    }
    if (state === ST_CONNECTING) {
      if (elapsed(connectStartedAt, now) >= connectTimeoutMs) fail(E.E_CONNACK_TIMEOUT);
      return;
    }
    if (state !== ST_CONNECTED) return;
    if (keepaliveMs > 0) {
      if (elapsed(lastReceived, now) >= keepaliveMs * 1.5) return fail(E.E_KEEPALIVE_TIMEOUT);
      const idle = elapsed(lastSent, now) >= keepaliveMs * 0.75 || elapsed(lastReceived, now) >= keepaliveMs * 0.75;
      if (idle && (pingSentAt < 0 || elapsed(pingSentAt, now) >= keepaliveMs)) {
        if (sendControl(encodePingreq(tx, 0)) === 0) pingSentAt = now;
      }
    }
    if (state === ST_CONNECTED) pump(false);
  }

  return {
    start: function () {
      if (state !== ST_IDLE) return;
      attempt = 0;
      open();
    },
    stop: function () {
      const was = state;
      if (was === ST_CONNECTED) send(encodeDisconnect(tx, 0));
      closeSocket();
      state = ST_IDLE;
      if ((was === ST_CONNECTED || was === ST_CONNECTING) && opts.onDisconnect) opts.onDisconnect(E.E_STOPPED);
    },
    tick: tick,
    publish: function (topic, payload, qos, retain) {
      if (qos !== 0 && qos !== 1 && qos !== 2) return E.E_INVALID_QOS;
      const t = topicNameByteLength(topic);
      if (t < 0) return t;
      if (qos === 0) {
        if (state !== ST_CONNECTED) return E.E_OFFLINE_DROPPED;
        return sendPublish(topic, payload, 0, retain, false, 0);
      }
      const kept = typeof payload === "string" ? payload : new Uint8Array(payload);
      const seq = O.outboxAdd(outbox, topic, kept, qos, retain);
      if (seq > 0) pump(true);
      return seq;
    },
    subscribe: function (filter, qos, handler) {
      if (checkTopicFilter(filter) < 0) return E.E_INVALID_TOPIC;
      if (qos !== 0 && qos !== 1 && qos !== 2) return E.E_INVALID_QOS;
      const slot = S.subscriptionAdd(subs, filter, qos, handler || null);
      if (slot < 0) return slot;
      if (state === ST_CONNECTED) sendSubscription(slot);
      return 0;
    },
    unsubscribe: function (filter) {
      const slot = S.subscriptionFind(subs, filter);
      if (slot < 0) return E.E_INVALID_ARGUMENT;
      subs.state[slot] = S.SUB_LEAVING;
      subs.requestId[slot] = 0;
      if (state === ST_CONNECTED) sendSubscription(slot);
      return 0;
    },
    state: function () {
      return state;
    },
    stats: function () {
      stats.reconnectAttempt = attempt;
      stats.inFlight = outbox.inFlight;
      stats.queued = outbox.count - outbox.inFlight;
      stats.reconnectAt = reconnectAt;
      return stats;
    },
  };
}
