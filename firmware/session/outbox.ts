import { E_QUEUE_FULL } from "../errors";
import type { Payload } from "../mqtt/encode";

/**
 * Outgoing QoS 1/2 messages: a fixed number of slots (parallel arrays, no Map,
 * no object per message) holding both the messages in flight (with a packet
 * id, at most `window` of them) and the ones queued behind them (offline, or
 * window full). Order is kept by a sequence number: messages are first sent,
 * and resent after a reconnect, in the order they were published
 * [MQTT-4.6.0-1]. Memory is fixed at creation: a full outbox answers
 * E_QUEUE_FULL, it never grows.
 */

export const SLOT_FREE = 0;
/** Waiting for room in the window (or for a connection); no packet id yet. */
export const SLOT_QUEUED = 1;
export const SLOT_AWAIT_PUBACK = 2;
export const SLOT_AWAIT_PUBREC = 3;
export const SLOT_AWAIT_PUBCOMP = 4;

export interface Outbox {
  window: number;
  state: number[];
  id: number[];
  qos: number[];
  retain: boolean[];
  topic: string[];
  payload: Payload[];
  /** Publish order; also the token handed back by publish(). */
  seq: number[];
  /** Whether the current PUBLISH/PUBREL of the slot went out on this connection. */
  sent: boolean[];
  /** Whether the PUBLISH went out once already: a resend carries DUP [MQTT-3.3.1-1]. */
  dup: boolean[];
  nextSeq: number;
  inFlight: number;
  count: number;
  /** Slots in flight whose current packet has not gone out on this connection. */
  unsent: number;
  /** Scratch list of slot indexes in order (see outboxOrder). */
  order: number[];
}

/** An outbox of `capacity` slots (at least `window`) with at most `window` in flight. Never fails. */
export function createOutbox(capacity: number, window: number): Outbox {
  const o: Outbox = {
    window: window,
    state: [],
    id: [],
    qos: [],
    retain: [],
    topic: [],
    payload: [],
    seq: [],
    sent: [],
    dup: [],
    nextSeq: 1,
    inFlight: 0,
    count: 0,
    unsent: 0,
    order: [],
  };
  for (let i = 0; i < capacity; i++) {
    o.state.push(SLOT_FREE);
    o.id.push(0);
    o.qos.push(0);
    o.retain.push(false);
    o.topic.push("");
    o.payload.push("");
    o.seq.push(0);
    o.sent.push(false);
    o.dup.push(false);
    o.order.push(0);
  }
  return o;
}

/** Queues a message; returns its sequence number (> 0) or E_QUEUE_FULL. */
export function outboxAdd(o: Outbox, topic: string, payload: Payload, qos: number, retain: boolean): number {
  const n = o.state.length;
  for (let i = 0; i < n; i++) {
    if (o.state[i] !== SLOT_FREE) continue;
    o.state[i] = SLOT_QUEUED;
    o.id[i] = 0;
    o.qos[i] = qos;
    o.retain[i] = retain;
    o.topic[i] = topic;
    o.payload[i] = payload;
    o.seq[i] = o.nextSeq;
    o.sent[i] = false;
    o.dup[i] = false;
    o.nextSeq = o.nextSeq >= 0x7fffffff ? 1 : o.nextSeq + 1;
    o.count++;
    return o.seq[i];
  }
  return E_QUEUE_FULL;
}

/** The slot in flight with packet id `id`, or -1. */
export function outboxFind(o: Outbox, id: number): number {
  const n = o.state.length;
  for (let i = 0; i < n; i++) if (o.state[i] > SLOT_QUEUED && o.id[i] === id) return i;
  return -1;
}

/** Puts a queued slot in flight with this packet id. Never fails. */
export function outboxStart(o: Outbox, slot: number, id: number): void {
  o.id[slot] = id;
  o.state[slot] = o.qos[slot] === 1 ? SLOT_AWAIT_PUBACK : SLOT_AWAIT_PUBREC;
  o.sent[slot] = false;
  o.inFlight++;
  o.unsent++;
}

/** Records that the slot's current packet went out. Never fails. */
export function outboxMarkSent(o: Outbox, slot: number): void {
  if (o.sent[slot]) return;
  o.sent[slot] = true;
  o.unsent--;
}

/** Records that the slot's next packet (PUBREL, or a resend) still has to go out. Never fails. */
export function outboxMarkUnsent(o: Outbox, slot: number): void {
  if (!o.sent[slot] || o.state[slot] <= SLOT_QUEUED) return;
  o.sent[slot] = false;
  o.unsent++;
}

/** The slot in `state` published first, or -1: a linear scan, no sort. */
export function outboxOldest(o: Outbox, state: number): number {
  let best = -1;
  for (let i = 0; i < o.state.length; i++) {
    if (o.state[i] === state && (best < 0 || seqBefore(o.seq[i], o.seq[best]))) best = i;
  }
  return best;
}

/** Frees a slot (acknowledged); drops the references to topic and payload. Never fails. */
export function outboxFree(o: Outbox, slot: number): void {
  if (o.state[slot] > SLOT_QUEUED) {
    o.inFlight--;
    if (!o.sent[slot]) o.unsent--;
  }
  if (o.state[slot] !== SLOT_FREE) o.count--;
  o.state[slot] = SLOT_FREE;
  o.topic[slot] = "";
  o.payload[slot] = "";
  o.id[slot] = 0;
}

/**
 * Fills `o.order` with the slots in `state` (or every used slot when state is
 * -1) by publish order, and returns how many. Insertion sort over a small
 * fixed array: no allocation.
 */
export function outboxOrder(o: Outbox, state: number): number {
  const n = o.state.length;
  let count = 0;
  for (let i = 0; i < n; i++) {
    const s = o.state[i];
    if (s === SLOT_FREE || (state !== -1 && s !== state)) continue;
    let k = count++;
    while (k > 0 && seqBefore(o.seq[i], o.seq[o.order[k - 1]])) {
      o.order[k] = o.order[k - 1];
      k--;
    }
    o.order[k] = i;
  }
  return count;
}

/** Sequence order that survives the wrap at 2^31 (numbers within 2^30 of each other). */
function seqBefore(a: number, b: number): boolean {
  const d = a - b;
  return d < 0 ? d > -0x40000000 : d > 0x40000000;
}

/** Whether packet id `id` is held by a slot in flight. */
export function outboxIdInUse(o: Outbox, id: number): boolean {
  return outboxFind(o, id) >= 0;
}
