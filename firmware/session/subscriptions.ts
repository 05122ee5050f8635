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
  state: number[];
  filter: string[];
  qos: number[];
  granted: number[];
  handler: (MessageHandler | null)[];
  /** Packet id of the SUBSCRIBE/UNSUBSCRIBE in flight for it, 0 when none. */
  requestId: number[];
}

/** A table of `capacity` subscriptions. Never fails. */
export function createSubscriptions(capacity: number): Subscriptions {
  const t: Subscriptions = { state: [], filter: [], qos: [], granted: [], handler: [], requestId: [] };
  for (let i = 0; i < capacity; i++) {
    t.state.push(SUB_FREE);
    t.filter.push("");
    t.qos.push(0);
    t.granted.push(-1);
    t.handler.push(null);
    t.requestId.push(0);
  }
  return t;
}

/** The slot holding `filter`, or -1. */
export function subscriptionFind(t: Subscriptions, filter: string): number {
  for (let i = 0; i < t.state.length; i++) if (t.state[i] !== SUB_FREE && t.filter[i] === filter) return i;
  return -1;
}

/** Records (or updates) a wanted subscription; returns its slot or E_QUEUE_FULL. */
export function subscriptionAdd(t: Subscriptions, filter: string, qos: number, handler: MessageHandler | null): number {
  let slot = subscriptionFind(t, filter);
  if (slot < 0) for (let i = 0; i < t.state.length && slot < 0; i++) if (t.state[i] === SUB_FREE) slot = i;
  if (slot < 0) return E_QUEUE_FULL;
  t.state[slot] = SUB_PENDING;
  t.filter[slot] = filter;
  t.qos[slot] = qos;
  t.granted[slot] = -1;
  t.handler[slot] = handler;
  t.requestId[slot] = 0;
  return slot;
}

/** Frees a slot. Never fails. */
export function subscriptionFree(t: Subscriptions, slot: number): void {
  t.state[slot] = SUB_FREE;
  t.filter[slot] = "";
  t.handler[slot] = null;
  t.requestId[slot] = 0;
}

/** The slot whose request has packet id `id`, or -1. */
export function subscriptionByRequest(t: Subscriptions, id: number): number {
  for (let i = 0; i < t.state.length; i++) if (t.state[i] !== SUB_FREE && t.requestId[i] === id) return i;
  return -1;
}
