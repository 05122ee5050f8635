/**
 * What the client remembers of inbound QoS 2 messages, for exactly-once
 * delivery: packet id and a hash of topic and payload, for messages awaiting
 * PUBREL ("active") and, while room lasts, for recently completed ones
 * ("released"). Fixed capacity; the table's memory is taken at the first
 * QoS 2 message (a program that never gets one never pays for it), no
 * allocation after that.
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
 * The client applies these rules through the functions below: inboundSeen()
 * for each QoS 2 PUBLISH, inboundRelease() for each PUBREL, and the three
 * that follow a CONNACK or a long wait.
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
  ids: Int32Array;
  size: number;
  /** Active entries. */
  openCount: number;
  nextAge: number;
}

/** A memory with room for `capacity` entries (their memory is taken by inboundEntries()). Never fails. */
export function createInboundQos2(capacity: number): InboundQos2 {
  return {
    ids: new Int32Array(0),
    size: capacity,
    openCount: 0,
    nextAge: 1,
  };
}

/** The entry for packet id `id` (active or released), or -1. Never fails. */
export function inboundFind(s: InboundQos2, id: number): number {
  const e = s.ids;
  for (let i = 0; i < s.size; i++) if (e[IN_WORDS * i] === id) return i;
  return -1;
}

/**
 * The entries, their memory taken at the first call: before it, `ids` is
 * empty and every entry reads as free. Never fails.
 */
export function inboundEntries(s: InboundQos2): Int32Array {
  if (s.ids.length === 0) s.ids = new Int32Array(IN_WORDS * s.size);
  return s.ids;
}

/**
 * Records a new message awaiting PUBREL: in the id's own entry, a free one or
 * over the oldest released one. Returns its entry, or -1 when every entry
 * awaits PUBREL (nothing changed then).
 */
export function inboundRecord(s: InboundQos2, id: number, hash: number): number {
  // inboundEntries() written out: called from here too, the bundles would keep it as a function of its own.
  if (s.ids.length === 0) s.ids = new Int32Array(IN_WORDS * s.size);
  const e = s.ids;
  let slot = inboundFind(s, id);
  if (slot >= 0 && e[IN_WORDS * slot + IN_AT_STATE] !== I_RELEASED) {
    e[IN_WORDS * slot + IN_AT_HASH] = hash;
    return slot;
  }
  if (slot < 0) {
    let oldestReleased = -1;
    for (let i = 0; i < s.size && slot < 0; i++) {
      if (e[IN_WORDS * i] === 0) slot = i;
      else if (e[IN_WORDS * i + IN_AT_STATE] === I_RELEASED && (oldestReleased < 0 || e[IN_WORDS * i + IN_AT_AGE] < e[IN_WORDS * oldestReleased + IN_AT_AGE]))
        oldestReleased = i;
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

/**
 * A QoS 2 PUBLISH with packet id `id` and content hash `hash`: 1 for a resend
 * of a message already delivered (acknowledged, not delivered again; an
 * unconfirmed id becomes awaiting: the broker still has it), 0 for a new
 * message (recorded: deliver it), -1 for a new one with no room to remember
 * it until PUBREL (refuse it).
 */
export function inboundSeen(s: InboundQos2, id: number, hash: number, dup: boolean): number {
  const e = s.ids;
  const slot = inboundFind(s, id);
  const state = slot < 0 ? -1 : e[IN_WORDS * slot + IN_AT_STATE];
  if (slot < 0 || e[IN_WORDS * slot + IN_AT_HASH] !== hash || (state === I_RELEASED && !dup)) return inboundRecord(s, id, hash) < 0 ? -1 : 0;
  if (state === I_UNCONFIRMED) e[IN_WORDS * slot + IN_AT_STATE] = I_AWAITING;
  return 1;
}

/** PUBREL for `id`: true when an entry awaiting it is now released (false for an unknown or released id). */
export function inboundRelease(s: InboundQos2, id: number): boolean {
  const slot = inboundFind(s, id);
  if (slot < 0 || s.ids[IN_WORDS * slot + IN_AT_STATE] === I_RELEASED) return false;
  s.ids[IN_WORDS * slot + IN_AT_STATE] = I_RELEASED;
  s.openCount--;
  return true;
}

/** After a CONNACK that resumed the session: each id awaiting PUBREL waits for the broker to mention it again (unconfirmed). Never fails. */
export function inboundAwaitConfirmation(s: InboundQos2): void {
  const e = s.ids;
  for (let i = 0; i < s.size; i++) if (e[IN_WORDS * i + IN_AT_STATE] === I_AWAITING && e[IN_WORDS * i] !== 0) e[IN_WORDS * i + IN_AT_STATE] = I_UNCONFIRMED;
}

/**
 * After a CONNACK without a session: no PUBREL will come. With `keep` (no
 * clean session) the ids stay, as released, for the resend rule; otherwise
 * they go. Never fails.
 */
export function inboundForgetSession(s: InboundQos2, keep: boolean): void {
  const e = s.ids;
  for (let i = 0; i < s.size; i++) {
    if (!keep) e[IN_WORDS * i] = 0;
    e[IN_WORDS * i + IN_AT_STATE] = keep && e[IN_WORDS * i] !== 0 ? I_RELEASED : I_AWAITING;
  }
  s.openCount = 0;
}

/** Ids carried over a reconnect that the broker never mentioned become released (see above). Returns how many still await PUBREL. */
export function inboundForgetUnconfirmed(s: InboundQos2): number {
  const e = s.ids;
  for (let i = 0; i < s.size; i++) {
    if (e[IN_WORDS * i + IN_AT_STATE] === I_UNCONFIRMED) {
      e[IN_WORDS * i + IN_AT_STATE] = I_RELEASED;
      s.openCount--;
    }
  }
  return s.openCount;
}
