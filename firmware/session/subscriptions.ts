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
  payload: Uint8Array;
  qos: number;
  retain: boolean;
  dup: boolean;
  /** The broker's packet id (0 at QoS 0): for logs and diagnosis. */
  packetId: number;
}

export type MessageHandler = (message: Message) => void;

export interface Subscriptions {
  state: Uint8Array;
  qos: Uint8Array;
  /** QoS the broker granted, 0x80 when refused, 0xff before SUBACK. */
  granted: Uint8Array;
  /** Packet id of the SUBSCRIBE/UNSUBSCRIBE awaiting its ack, 0 when none. */
  requestId: Uint16Array;
  filter: string[];
  handler: (MessageHandler | null)[];
}

/** A table with room for `capacity` filters. Never fails. */
export function createSubscriptions(capacity: number): Subscriptions {
  return {
    state: new Uint8Array(capacity),
    qos: new Uint8Array(capacity),
    granted: new Uint8Array(capacity),
    requestId: new Uint16Array(capacity),
    filter: [],
    handler: [],
  };
}

/**
 * The slot of `filter` (in any state but free), or -1. With `qos` 0..2 it adds
 * the filter (or replaces its QoS and handler), pending, and returns its slot,
 * or E_QUEUE_FULL.
 */
export function subscriptionSlot(t: Subscriptions, filter: string, qos: number, handler: MessageHandler | null): number {
  let slot = -1;
  for (let i = 0; i < t.state.length && slot < 0; i++) if (t.state[i] !== SUB_FREE && t.filter[i] === filter) slot = i;
  if (qos < 0) return slot;
  if (slot < 0) for (let i = 0; i < t.state.length && slot < 0; i++) if (t.state[i] === SUB_FREE) slot = i;
  if (slot < 0) return E_QUEUE_FULL;
  t.state[slot] = SUB_PENDING;
  t.filter[slot] = filter;
  t.qos[slot] = qos;
  t.granted[slot] = 0xff;
  t.handler[slot] = handler;
  t.requestId[slot] = 0;
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
