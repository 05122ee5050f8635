import { E_QUEUE_FULL } from "../errors";
import type { Payload } from "../mqtt/encode";

/**
 * Outgoing QoS 1/2 messages: a fixed number of slots holding both the
 * messages in flight (with a packet id, at most the client's window of them)
 * and the ones queued behind them (offline, or window full). The numbers live
 * in typed arrays and the texts in two sparse arrays, so an empty slot costs a
 * few bytes and no JS variable on Espruino. Order is kept by a sequence
 * number: messages are first sent, and resent after a reconnect, in the order
 * they were published [MQTT-4.6.0-1]. Memory is fixed at creation: a full
 * outbox answers E_QUEUE_FULL, it never grows. The client moves slots between
 * states and keeps the counters.
 *
 * A slot is SLOT_WORDS numbers in `slots`, from SLOT_WORDS * slot: its state (bits 0-2),
 * QoS (bits 3-4) and flags (F_*); its packet id; its sequence number. One
 * typed array, not one per field: on Espruino each typed array costs about
 * six variables whatever its length (an outbox of ten slots took 49 variables
 * on a 1,600-variable pool with five typed arrays, 32 with one).
 */

export const SLOT_FREE = 0;
/** Waiting for room in the window (or for a connection); no packet id yet. */
export const SLOT_QUEUED = 1;
export const SLOT_AWAIT_PUBACK = 2;
export const SLOT_AWAIT_PUBREC = 3;
export const SLOT_AWAIT_PUBCOMP = 4;

/** Numbers per slot in `slots`, and where its packet id and sequence number are (its state, QoS and flags come first). */
export const SLOT_WORDS = 3;
export const AT_ID = 1;
export const AT_SEQ = 2;
/** The state's bits in a slot's first number; its QoS is `>> QOS_SHIFT & 3`. */
export const M_STATE = 7;
export const QOS_SHIFT = 3;
/** Where the flags start: a saved session (persist.ts) keeps them shifted down by this. */
export const FLAGS_SHIFT = 5;
/** Flag bits of a slot's first number: the message is retained; its current packet went out on this connection; its PUBLISH went out once already (a resend carries DUP [MQTT-3.3.1-1]). */
export const F_RETAIN = 32;
export const F_SENT = 64;
export const F_DUP = 128;
/** A PUBREL held back until the slot's new state is saved (persistent sessions, see client.ts). */
export const F_HELD = 256;

export interface Outbox {
  /** Per slot: state | qos << QOS_SHIFT | flags, packet id, sequence number (publish order; also the token handed back by publish()). */
  slots: Int32Array;
  /** How many slots. */
  size: number;
  topicOf: string[];
  payloadOf: Payload[];
  nextSeq: number;
  inFlightCount: number;
  heldCount: number;
  /** Slots in flight whose current packet has not gone out on this connection. */
  unsent: number;
}

/** An empty outbox of `capacity` slots. Never fails. */
export function createOutbox(capacity: number): Outbox {
  return {
    slots: new Int32Array(SLOT_WORDS * capacity),
    size: capacity,
    topicOf: [],
    payloadOf: [],
    nextSeq: 1,
    inFlightCount: 0,
    heldCount: 0,
    unsent: 0,
  };
}

/** Queues a message; returns its sequence number (> 0), or E_QUEUE_FULL. */
export function outboxAdd(o: Outbox, topic: string, payload: Payload, qos: number, retain: boolean): number {
  const v = o.slots;
  for (let i = 0; i < o.size; i++) {
    if ((v[SLOT_WORDS * i] & M_STATE) !== SLOT_FREE) continue;
    v[SLOT_WORDS * i] = SLOT_QUEUED | (qos << QOS_SHIFT) | (retain ? F_RETAIN : 0);
    v[SLOT_WORDS * i + AT_ID] = 0;
    v[SLOT_WORDS * i + AT_SEQ] = o.nextSeq;
    o.topicOf[i] = topic;
    o.payloadOf[i] = payload;
    o.nextSeq = o.nextSeq >= 0x7fffffff ? 1 : o.nextSeq + 1;
    o.heldCount++;
    return v[SLOT_WORDS * i + AT_SEQ];
  }
  return E_QUEUE_FULL;
}

/** The slot in flight (awaiting an ack) with packet id `id`, or -1. Never fails. */
export function outboxFindId(o: Outbox, id: number): number {
  const v = o.slots;
  for (let i = 0; i < o.size; i++) if (v[SLOT_WORDS * i + AT_ID] === id && (v[SLOT_WORDS * i] & M_STATE) > SLOT_QUEUED) return i;
  return -1;
}

/**
 * The oldest (lowest sequence number, wrap-safe) queued slot, or with
 * `unsent` the oldest slot in flight whose packet has not gone out on this
 * connection; -1 when there is none. Never fails.
 */
export function outboxOldest(o: Outbox, unsent: boolean): number {
  // Nothing to look for: no scan (this runs after every publish and ack).
  if (unsent ? o.unsent === 0 : o.heldCount === o.inFlightCount) return -1;
  const v = o.slots;
  let best = -1;
  for (let i = 0; i < o.size; i++) {
    const st = v[SLOT_WORDS * i] & M_STATE;
    if (unsent ? st <= SLOT_QUEUED || v[SLOT_WORDS * i] & F_SENT : st !== SLOT_QUEUED) continue;
    const d = best < 0 ? -1 : v[SLOT_WORDS * i + AT_SEQ] - v[SLOT_WORDS * best + AT_SEQ];
    if (d < 0 ? d > -0x40000000 : d > 0x40000000) best = i;
  }
  return best;
}

/** Empties a slot, keeping the counters right. Never fails. */
export function outboxFree(o: Outbox, slot: number): void {
  const v = o.slots;
  const st = v[SLOT_WORDS * slot] & M_STATE;
  if (st > SLOT_QUEUED) {
    o.inFlightCount--;
    if (!(v[SLOT_WORDS * slot] & (F_SENT | F_HELD))) o.unsent--;
  }
  if (st !== SLOT_FREE) o.heldCount--;
  v[SLOT_WORDS * slot] = SLOT_FREE;
  v[SLOT_WORDS * slot + AT_ID] = 0;
  delete o.topicOf[slot];
  delete o.payloadOf[slot];
}
