/**
 * What the client remembers of inbound QoS 2 messages, for exactly-once
 * delivery: packet id and a hash of topic and payload, for messages awaiting
 * PUBREL ("active") and, while room lasts, for recently completed ones
 * ("released"). Fixed capacity, no allocation.
 *
 * A PUBLISH is a duplicate (acknowledged with PUBREC, not delivered) when:
 * - its id is active with the same content hash (the spec's rule, section
 *   4.3.3, made safe against id reuse), or
 * - its id was released with the same content hash and DUP is set: a broker
 *   killed and restored from an older save resends a message the client had
 *   already completed (measured with mosquitto killed mid-stream).
 * Anything else is a new message, including an id reused for other content by
 * a broker that lost its state.
 *
 * A broker killed after the client's PUBREC but before it saved never sends
 * PUBREL for that id: after a resumed session, ids the broker does not
 * mention again (no PUBREL, no resend) are I_UNCONFIRMED; when messages were
 * refused for want of room and the connection has been up for twice the
 * keepalive (at least 10 s), long after the broker's resends, they are taken
 * as released (client.ts), so they cannot fill the table for good.
 *
 * The client applies these rules with inboundFind() (a duplicate check and
 * PUBREL are a look-up and a flag), and records new ids with inboundAdd().
 */
/** An entry's state: awaiting PUBREL; PUBREL came; awaiting PUBREL, carried over a reconnect and not mentioned by the broker since. */
export const I_AWAITING = 0;
export const I_RELEASED = 1;
export const I_UNCONFIRMED = 2;

/** Numbers per entry in `entries`, and where its state, hash and age are (its packet id comes first). */
export const IN_WORDS = 4;
export const IN_AT_STATE = 1;
export const IN_AT_HASH = 2;
export const IN_AT_AGE = 3;

/**
 * Entry i is IN_WORDS numbers in `entries`, from IN_WORDS * i: the packet id (0 for a
 * free entry), its state (I_AWAITING, I_RELEASED or I_UNCONFIRMED), the
 * content hash, and when it was written (a counter, to find the oldest). One
 * typed array, not one per field: on Espruino each costs about six variables
 * whatever its length.
 */
export interface InboundQos2 {
  idTable: Int32Array;
  size: number;
  /** Active entries. */
  openCount: number;
  nextAge: number;
}

/** A memory with room for `capacity` entries. Never fails. */
export function createInboundQos2(capacity: number): InboundQos2 {
  return {
    idTable: new Int32Array(IN_WORDS * capacity),
    size: capacity,
    openCount: 0,
    nextAge: 1,
  };
}

/**
 * The entry for packet id `id` (active or released), or -1. With a `hash` it
 * records a new message awaiting PUBREL (in the id's own entry, a free one or
 * over the oldest released one) and returns its entry, or -1 when every entry
 * awaits PUBREL (nothing changed then).
 */
export function inboundSlot(s: InboundQos2, id: number, hash?: number): number {
  const e = s.idTable;
  let slot = -1;
  for (let i = 0; i < s.size && slot < 0; i++) if (e[IN_WORDS * i] === id) slot = i;
  if (hash === undefined) return slot;
  if (slot >= 0 && e[IN_WORDS * slot + IN_AT_STATE] !== I_RELEASED) {
    e[IN_WORDS * slot + IN_AT_HASH] = hash;
    return slot;
  }
  if (slot < 0) {
    let oldestReleased = -1;
    for (let i = 0; i < s.size && slot < 0; i++) {
      if (e[IN_WORDS * i] === 0) slot = i;
      else if (e[IN_WORDS * i + IN_AT_STATE] === I_RELEASED && (oldestReleased < 0 || e[IN_WORDS * i + IN_AT_AGE] < e[IN_WORDS * oldestReleased + IN_AT_AGE])) oldestReleased = i;
    }
    if (slot < 0) slot = oldestReleased;
    if (slot < 0) return -1;
  }
  s.openCount++;
  e[IN_WORDS * slot] = id;
  e[IN_WORDS * slot + IN_AT_STATE] = I_AWAITING;
  e[IN_WORDS * slot + IN_AT_HASH] = hash;
  e[IN_WORDS * slot + IN_AT_AGE] = s.nextAge++;
  return slot;
}

/** The entry for packet id `id` (active or released), or -1. */
export function inboundFind(s: InboundQos2, id: number): number {
  return inboundSlot(s, id);
}

/** Records a new message awaiting PUBREL (see inboundSlot). Returns false when every entry awaits PUBREL. */
export function inboundAdd(s: InboundQos2, id: number, hash: number): boolean {
  return inboundSlot(s, id, hash) >= 0;
}
