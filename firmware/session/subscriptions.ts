import type { Payload } from "../mqtt/encode";
import { E_QUEUE_FULL, E_SUBACK_FAILURE } from "../../base/errors";
import { topicMatches } from "./topic";

/**
 * The client's subscriptions: filter, requested QoS, handler and where the
 * broker stands on it. Fixed capacity; a subscription is sent again after every
 * reconnect that did not resume the session.
 */

export const SUB_FREE = 0;
/** Wanted, SUBSCRIBE not acknowledged yet. */
export const SUB_PENDING = 1;
/** Granted by SUBACK. */
export const SUB_ACTIVE = 2;
/** Refused by SUBACK (0x80); kept so the application can see it, not resent. */
export const SUB_REFUSED = 3;
/** UNSUBSCRIBE sent, UNSUBACK awaited. */
export const SUB_LEAVING = 4;

/** What the application is handed for each message. The record is reused. */
export interface Message {
  topic: string;
  /** Its bytes as the byte layer has them: a Uint8Array on Node, an 8-bit String on Espruino (payloadText() reads either). */
  payload: Payload;
  qos: number;
  retain: boolean;
  dup: boolean;
  /** The broker's packet id (0 at QoS 0): for logs and diagnosis. */
  packetId: number;
}

export type MessageHandler = (message: Message) => void;

/** Numbers per slot in `slots`, and where its QoS and request id are (its state comes first). */
export const SUB_WORDS = 3;
export const SUB_AT_QOS = 1;
export const SUB_AT_REQUEST = 2;

/**
 * Slot i is SUB_WORDS numbers in `slots`, from SUB_WORDS * i: its state (SUB_*), the QoS
 * asked for, and the packet id of the SUBSCRIBE/UNSUBSCRIBE awaiting its ack
 * (0 when none). One typed array, not one per field: on Espruino each costs
 * about six variables whatever its length. The QoS the broker granted goes to
 * onSubscribe and is not kept.
 */
export interface Subscriptions {
  slots: Int32Array;
  size: number;
  filterOf: string[];
  handlerOf: (MessageHandler | null)[];
}

/** A table with room for `capacity` filters. Never fails. */
export function createSubscriptions(capacity: number): Subscriptions {
  return {
    slots: new Int32Array(SUB_WORDS * capacity),
    size: capacity,
    filterOf: [],
    handlerOf: [],
  };
}

/**
 * The slot of `filter` (in any state but free or leaving), or -1. With `qos` 0..2 it adds
 * the filter (or replaces its QoS and handler), pending, and returns its slot,
 * or E_QUEUE_FULL.
 */
export function subscriptionSlot(t: Subscriptions, filter: string, qos: number, handler: MessageHandler | null): number {
  const v = t.slots;
  let slot = -1;
  // A filter leaving (its UNSUBSCRIBE sent or due) is not found: subscribing to it again takes a slot of its own,
  // so that the UNSUBACK still finds the request it answers.
  for (let i = 0; i < t.size && slot < 0; i++) if (v[SUB_WORDS * i] !== SUB_FREE && v[SUB_WORDS * i] !== SUB_LEAVING && t.filterOf[i] === filter) slot = i;
  if (qos < 0) return slot;
  if (slot < 0) for (let i = 0; i < t.size && slot < 0; i++) if (v[SUB_WORDS * i] === SUB_FREE) slot = i;
  if (slot < 0) return E_QUEUE_FULL;
  v[SUB_WORDS * slot] = SUB_PENDING;
  v[SUB_WORDS * slot + SUB_AT_QOS] = qos;
  v[SUB_WORDS * slot + SUB_AT_REQUEST] = 0;
  t.filterOf[slot] = filter;
  // No entry for no handler: on Espruino an element holding null is a variable.
  if (handler) t.handlerOf[slot] = handler;
  else delete t.handlerOf[slot];
  return slot;
}

/** The slot of `filter` (in any state but free or leaving), or -1. */
export function subscriptionFind(t: Subscriptions, filter: string): number {
  return subscriptionSlot(t, filter, -1, null);
}

/** Adds a filter (or replaces its QoS and handler), pending; returns its slot, or E_QUEUE_FULL. */
export function subscriptionAdd(t: Subscriptions, filter: string, qos: number, handler: MessageHandler | null): number {
  return subscriptionSlot(t, filter, qos, handler);
}

/** Whether subscription `i` (active, or pending its SUBACK) takes a message on `topic`. Never fails. */
export function subscriptionTakes(t: Subscriptions, i: number, topic: string): boolean {
  const st = t.slots[SUB_WORDS * i];
  return (st === SUB_ACTIVE || st === SUB_PENDING) && topicMatches(t.filterOf[i], topic);
}

/** The subscription whose SUBSCRIBE or UNSUBSCRIBE has packet id `id` awaiting its ack, or -1. */
export function subscriptionOfRequest(t: Subscriptions, id: number): number {
  // The typed array's own indexOf (native on Espruino), checked for the word's place.
  const v = t.slots;
  for (let i = v.indexOf(id, SUB_AT_REQUEST); i >= 0; i = v.indexOf(id, i + 1)) {
    if (i % SUB_WORDS === SUB_AT_REQUEST && v[i - SUB_AT_REQUEST] !== SUB_FREE) return (i - SUB_AT_REQUEST) / SUB_WORDS;
  }
  return -1;
}

/**
 * The ack of subscription `slot`'s request: an UNSUBACK frees a leaving
 * filter; a SUBACK (`result`: the granted QoS or E_SUBACK_FAILURE) makes a
 * pending one active or refused. Returns the state it settled in, or -1 when
 * the ack changed nothing but the request (an UNSUBACK, or a filter no longer
 * pending).
 */
export function subscriptionAnswered(t: Subscriptions, slot: number, unsubscribed: boolean, result: number): number {
  const v = t.slots;
  v[SUB_WORDS * slot + SUB_AT_REQUEST] = 0;
  if (unsubscribed) {
    if (v[SUB_WORDS * slot] === SUB_LEAVING) subscriptionFree(t, slot);
    return -1;
  }
  if (v[SUB_WORDS * slot] !== SUB_PENDING) return -1;
  v[SUB_WORDS * slot] = result === E_SUBACK_FAILURE ? SUB_REFUSED : SUB_ACTIVE;
  return v[SUB_WORDS * slot];
}

/** Subscription `slot` is leaving: its UNSUBSCRIBE is to be sent (no request out yet). Never fails. */
export function subscriptionLeave(t: Subscriptions, slot: number): void {
  t.slots[SUB_WORDS * slot] = SUB_LEAVING;
  t.slots[SUB_WORDS * slot + SUB_AT_REQUEST] = 0;
}

/** Whether subscription `i` waits for its SUBSCRIBE or UNSUBSCRIBE to be sent (pending or leaving, no request out). */
export function subscriptionWaits(t: Subscriptions, i: number): boolean {
  return (t.slots[SUB_WORDS * i] === SUB_PENDING || t.slots[SUB_WORDS * i] === SUB_LEAVING) && t.slots[SUB_WORDS * i + SUB_AT_REQUEST] === 0;
}

/** The QoS subscription `i`'s request asks for, or -1 for an UNSUBSCRIBE (it is leaving). */
export function subscriptionRequestQos(t: Subscriptions, i: number): number {
  return t.slots[SUB_WORDS * i] === SUB_LEAVING ? -1 : t.slots[SUB_WORDS * i + SUB_AT_QOS];
}

/** Notes the packet id of subscription `i`'s request out, 0 for none (it waits to be sent). Never fails. */
export function subscriptionSetRequest(t: Subscriptions, i: number, id: number): void {
  t.slots[SUB_WORDS * i + SUB_AT_REQUEST] = id;
}

/** After a lost connection: no request out will be answered; each waits to be sent again. Never fails. */
export function subscriptionsForgetRequests(t: Subscriptions): void {
  for (let i = 0; i < t.size; i++) t.slots[SUB_WORDS * i + SUB_AT_REQUEST] = 0;
}

/** Frees slot `slot`. Never fails. */
function subscriptionFree(t: Subscriptions, slot: number): void {
  t.slots[SUB_WORDS * slot] = SUB_FREE;
  delete t.filterOf[slot];
  delete t.handlerOf[slot];
}

/**
 * After a CONNACK: unless the session was resumed, active filters are pending
 * again (their SUBSCRIBE goes out again) and leaving ones are gone. Never fails.
 */
export function subscriptionsAfterConnect(t: Subscriptions, resumed: boolean): void {
  if (resumed) return;
  for (let i = 0; i < t.size; i++) {
    const st = t.slots[SUB_WORDS * i];
    if (st === SUB_ACTIVE) t.slots[SUB_WORDS * i] = SUB_PENDING;
    if (st === SUB_LEAVING) subscriptionFree(t, i);
  }
}
