import { E_QUEUE_FULL } from "../../base/errors";
import type { Payload } from "../mqtt/encode";

/**
 * Outgoing QoS 1/2 messages: a fixed number of slots holding both the
 * messages in flight (with a packet id, at most the client's window of them)
 * and the ones queued behind them (offline, or window full). The numbers live
 * in typed arrays and the texts in two sparse arrays, so an empty slot costs a
 * few bytes and no JS variable on Espruino. Order is kept by a sequence
 * number: messages are first sent, and resent after a reconnect, in the order
 * they were published [MQTT-4.6.0-1]. The slots' memory is taken when the
 * first message is queued (a program that publishes at QoS 0 only never pays
 * for it: about 20 variables on Espruino for 16 slots) and is fixed from then
 * on: a full outbox answers E_QUEUE_FULL, it never grows. The client moves
 * slots between states and keeps the counters.
 *
 * A slot is SLOT_WORDS numbers in `slots`: its state (bits 0-2), QoS (bits
 * 3-4) and flags (F_*); its packet id (AT_ID); its sequence number (AT_SEQ).
 * Word w of slot s is slots[w * size + s]: the ids lie together, and so do the
 * sequence numbers, so that finding a slot by either is one call of the typed
 * array's own indexOf (native code on Espruino, where a JavaScript loop costs
 * what it reads). One typed array, not one per field: on Espruino each typed
 * array costs about six variables whatever its length (an outbox of ten slots
 * took 49 variables on a 1,600-variable pool with five typed arrays, 32 with
 * one).
 */

export const SLOT_FREE = 0;
/** Waiting for room in the window (or for a connection); no packet id yet. */
export const SLOT_QUEUED = 1;
export const SLOT_AWAIT_PUBACK = 2;
export const SLOT_AWAIT_PUBREC = 3;
export const SLOT_AWAIT_PUBCOMP = 4;

/** Numbers per slot in `slots`, and which of them its packet id and sequence number are (word w of slot s: slots[w * size + s]; word 0 holds its state, QoS and flags). */
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
  /** The sequence number of the next message to start (messages start in publish order): found without a scan. */
  startSeq: number;
  inFlightCount: number;
  /** Slots in use: messages queued or in flight. */
  usedCount: number;
  /** Slots in flight whose current packet has not gone out on this connection. */
  unsent: number;
}

/** An empty outbox of `capacity` slots (their memory is taken by outboxSlots()). Never fails. */
export function createOutbox(capacity: number): Outbox {
  return {
    slots: new Int32Array(0),
    size: capacity,
    topicOf: [],
    payloadOf: [],
    nextSeq: 1,
    startSeq: 1,
    inFlightCount: 0,
    usedCount: 0,
    unsent: 0,
  };
}

/**
 * The slots, their memory taken at the first call: before it, `slots` is
 * empty and every slot reads as free. Never fails.
 */
export function outboxSlots(o: Outbox): Int32Array {
  if (o.slots.length === 0) o.slots = new Int32Array(SLOT_WORDS * o.size);
  return o.slots;
}

/** Queues a message; returns its sequence number (> 0), or E_QUEUE_FULL. */
export function outboxAdd(o: Outbox, topic: string, payload: Payload, qos: number, retain: boolean): number {
  // outboxSlots() written out: called from here too, the bundles would keep it as a function of its own.
  if (o.slots.length === 0) o.slots = new Int32Array(SLOT_WORDS * o.size);
  const v = o.slots;
  const n = o.size;
  // A free slot's state word is 0: the first 0 among the state words (a 0 found past them is an id).
  const i = v.indexOf(SLOT_FREE);
  if (i < 0 || i >= n) return E_QUEUE_FULL;
  v[i] = SLOT_QUEUED | (qos << QOS_SHIFT) | (retain ? F_RETAIN : 0);
  v[AT_ID * n + i] = 0;
  v[AT_SEQ * n + i] = o.nextSeq;
  // The first message queued behind none is the next to start.
  if (o.usedCount === o.inFlightCount) o.startSeq = o.nextSeq;
  o.topicOf[i] = topic;
  o.payloadOf[i] = payload;
  o.nextSeq = o.nextSeq >= 0x7fffffff ? 1 : o.nextSeq + 1;
  o.usedCount++;
  return v[AT_SEQ * n + i];
}

/** After slots were written other than through outboxAdd (a saved session read back): the next message to start is the oldest queued. Never fails. */
export function outboxRestored(o: Outbox): void {
  o.startSeq = o.nextSeq;
  const oldest = outboxOldest(o, false);
  if (oldest >= 0) o.startSeq = o.slots[AT_SEQ * o.size + oldest];
}

// A slot's words and flags, read and changed by the client through these (the
// build writes each out where it is called: TABLE_ACCESSORS, build/memory-lists.mjs).

/** Slot `slot`'s state (SLOT_*). */
export function outboxState(o: Outbox, slot: number): number {
  return o.slots[slot] & M_STATE;
}

/** The QoS of slot `slot`'s message (1 or 2). */
export function outboxQos(o: Outbox, slot: number): number {
  return (o.slots[slot] >> QOS_SHIFT) & 3;
}

/** Whether slot `slot`'s message is retained. */
export function outboxRetained(o: Outbox, slot: number): boolean {
  return (o.slots[slot] & F_RETAIN) !== 0;
}

/** Whether slot `slot`'s PUBLISH goes with DUP (it went out before). */
export function outboxDup(o: Outbox, slot: number): boolean {
  return (o.slots[slot] & F_DUP) !== 0;
}

/** Whether slot `slot`'s packet went out on this connection. */
export function outboxSent(o: Outbox, slot: number): boolean {
  return (o.slots[slot] & F_SENT) !== 0;
}

/** Slot `slot`'s packet went out: sent on this connection, and a PUBLISH again would be a DUP. Never fails. */
export function outboxMarkSent(o: Outbox, slot: number): void {
  o.slots[slot] |= F_SENT | F_DUP;
  o.unsent--;
}

/** Slot `slot`'s packet id, 0 for none yet. */
export function outboxId(o: Outbox, slot: number): number {
  return o.slots[AT_ID * o.size + slot];
}

/** Gives slot `slot` packet id `id`. Never fails. */
export function outboxSetId(o: Outbox, slot: number, id: number): void {
  o.slots[AT_ID * o.size + slot] = id;
}

/** Slot `slot`'s sequence number (what publish() returned for it). */
export function outboxSeq(o: Outbox, slot: number): number {
  return o.slots[AT_SEQ * o.size + slot];
}

/** PUBREC came for slot `slot`: it awaits PUBCOMP, its PUBREL not sent; `held` keeps the PUBREL back until a save (F_HELD). Never fails. */
export function outboxPubrecReceived(o: Outbox, slot: number, held: boolean): void {
  o.slots[slot] = (o.slots[slot] & ~(M_STATE | F_SENT)) | SLOT_AWAIT_PUBCOMP | (held ? F_HELD : 0);
}

/** The state "PUBREC received" was saved: the PUBRELs held for it may go (each counts as not sent). Never fails. */
export function outboxReleaseHeld(o: Outbox): void {
  for (let i = 0; i < o.size; i++) {
    if (o.slots[i] & F_HELD) {
      o.slots[i] &= ~F_HELD;
      o.unsent++;
    }
  }
}

/** After a lost connection: every message in flight is to be sent again on the next one (PUBLISH with DUP, or PUBREL). Never fails. */
export function outboxResendAll(o: Outbox): void {
  for (let i = 0; i < o.size; i++) {
    if ((o.slots[i] & M_STATE) > SLOT_QUEUED && o.slots[i] & F_SENT) {
      o.slots[i] &= ~F_SENT;
      o.unsent++;
    }
  }
}

/** Puts queued slot `slot` in flight, awaiting PUBACK (QoS 1) or PUBREC (QoS 2), with no packet id yet and not sent. Never fails. */
export function outboxStart(o: Outbox, slot: number): void {
  const v = o.slots;
  const m = v[slot];
  v[slot] = (m & ~M_STATE) | (((m >> QOS_SHIFT) & 3) === 1 ? SLOT_AWAIT_PUBACK : SLOT_AWAIT_PUBREC);
  v[AT_ID * o.size + slot] = 0;
  o.inFlightCount++;
  o.unsent++;
  const seq = v[AT_SEQ * o.size + slot];
  o.startSeq = seq >= 0x7fffffff ? 1 : seq + 1;
}

/** The slot in flight (awaiting an ack) with packet id `id`, or -1. Never fails. */
export function outboxFindId(o: Outbox, id: number): number {
  // Only a slot in flight has an id (a queued or free one holds 0), and no two hold the same.
  const i = o.slots.indexOf(id, AT_ID * o.size) - AT_ID * o.size;
  return i >= 0 && i < o.size && (o.slots[i] & M_STATE) > SLOT_QUEUED ? i : -1;
}

/**
 * The oldest (lowest sequence number, wrap-safe) queued slot, or with
 * `unsent` the oldest slot in flight whose packet has not gone out on this
 * connection; -1 when there is none. Never fails.
 */
export function outboxOldest(o: Outbox, unsent: boolean): number {
  // Nothing to look for: no scan (this runs after every publish and ack).
  if (unsent ? o.unsent === 0 : o.usedCount === o.inFlightCount) return -1;
  const v = o.slots;
  const seqs = AT_SEQ * o.size;
  // Messages start in publish order: the next one is usually startSeq's (the sequence numbers are the last words).
  const next = unsent ? -1 : v.indexOf(o.startSeq, seqs) - seqs;
  if (next >= 0 && (v[next] & M_STATE) === SLOT_QUEUED) return next;
  return outboxSearchOldest(o, unsent);
}

/**
 * outboxOldest() by looking at every slot: after a reconnect (the slots in
 * flight to send again), or when the next to start is not startSeq's (a
 * restored session). Apart, so that the common case reads none of it. Never fails.
 */
function outboxSearchOldest(o: Outbox, unsent: boolean): number {
  const v = o.slots;
  const seqs = AT_SEQ * o.size;
  let best = -1;
  for (let i = 0; i < o.size; i++) {
    const st = v[i] & M_STATE;
    if (unsent ? st <= SLOT_QUEUED || v[i] & F_SENT : st !== SLOT_QUEUED) continue;
    const d = best < 0 ? -1 : v[seqs + i] - v[seqs + best];
    if (d < 0 ? d > -0x40000000 : d > 0x40000000) best = i;
  }
  return best;
}

/** Empties a slot, keeping the counters right. Never fails. */
export function outboxFree(o: Outbox, slot: number): void {
  const v = o.slots;
  const st = v[slot] & M_STATE;
  if (st > SLOT_QUEUED) {
    o.inFlightCount--;
    if (!(v[slot] & (F_SENT | F_HELD))) o.unsent--;
  }
  if (st !== SLOT_FREE) o.usedCount--;
  v[slot] = SLOT_FREE;
  v[AT_ID * o.size + slot] = 0;
  delete o.topicOf[slot];
  delete o.payloadOf[slot];
}
