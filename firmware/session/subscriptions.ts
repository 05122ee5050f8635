import type { Payload } from "../mqtt/encode";
import { E_QUEUE_FULL } from "../errors";

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
 * The slot of `filter` (in any state but free), or -1. With `qos` 0..2 it adds
 * the filter (or replaces its QoS and handler), pending, and returns its slot,
 * or E_QUEUE_FULL.
 */
export function subscriptionSlot(t: Subscriptions, filter: string, qos: number, handler: MessageHandler | null): number {
  const v = t.slots;
  let slot = -1;
  for (let i = 0; i < t.size && slot < 0; i++) if (v[SUB_WORDS * i] !== SUB_FREE && t.filterOf[i] === filter) slot = i;
  if (qos < 0) return slot;
  if (slot < 0) for (let i = 0; i < t.size && slot < 0; i++) if (v[SUB_WORDS * i] === SUB_FREE) slot = i;
  if (slot < 0) return E_QUEUE_FULL;
  v[SUB_WORDS * slot] = SUB_PENDING;
  v[SUB_WORDS * slot + SUB_AT_QOS] = qos;
  v[SUB_WORDS * slot + SUB_AT_REQUEST] = 0;
  t.filterOf[slot] = filter;
  t.handlerOf[slot] = handler;
  return slot;
}

/** The slot of `filter` (in any state but free), or -1. */
export function subscriptionFind(t: Subscriptions, filter: string): number {
  return subscriptionSlot(t, filter, -1, null);
}

/** Adds a filter (or replaces its QoS and handler), pending; returns its slot, or E_QUEUE_FULL. */
export function subscriptionAdd(t: Subscriptions, filter: string, qos: number, handler: MessageHandler | null): number {
  return subscriptionSlot(t, filter, qos, handler);
}
