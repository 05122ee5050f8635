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
 */
export interface InboundQos2 {
  ids: number[];
  hashes: number[];
  released: boolean[];
  /** When each entry was written (a counter), to find the oldest. */
  ages: number[];
  /** Active entries. */
  count: number;
  nextAge: number;
}

/** A memory with room for `capacity` entries. Never fails. */
export function createInboundQos2(capacity: number): InboundQos2 {
  const s: InboundQos2 = { ids: [], hashes: [], released: [], ages: [], count: 0, nextAge: 1 };
  for (let i = 0; i < capacity; i++) {
    s.ids.push(0);
    s.hashes.push(0);
    s.released.push(false);
    s.ages.push(0);
  }
  return s;
}

/** A 32-bit hash of bytes [start, start+len) mixed into `seed`. Never fails. */
export function hashBytes(seed: number, buf: Uint8Array, start: number, len: number): number {
  let h = seed | 0;
  for (let i = 0; i < len; i++) h = ((h << 5) - h + buf[start + i]) | 0;
  return h;
}

/** The entry holding `id` (active or released), or -1. */
export function inboundFind(s: InboundQos2, id: number): number {
  for (let i = 0; i < s.ids.length; i++) if (s.ids[i] === id) return i;
  return -1;
}

/** Whether a PUBLISH with this id, content hash and DUP flag was delivered already. */
export function inboundIsDuplicate(s: InboundQos2, id: number, hash: number, dup: boolean): boolean {
  const slot = inboundFind(s, id);
  if (slot < 0 || s.hashes[slot] !== hash) return false;
  return !s.released[slot] || dup;
}

/**
 * Records a message about to be delivered as active. Returns false, recording
 * nothing, when every entry is active (more messages await PUBREL than the
 * capacity): an active id is never forgotten, because a resend of it after a
 * lost PUBREC would then be delivered twice. The caller must then refuse the
 * message (no PUBREC, no delivery) so that the broker sends it again later.
 * Brokers can exceed their own in-flight limit (mosquitto 2.0.11 does), so a
 * full memory is a case to handle, not one that sizing rules out.
 */
export function inboundAdd(s: InboundQos2, id: number, hash: number): boolean {
  let slot = inboundFind(s, id);
  if (slot < 0) {
    // A free entry, else the oldest released one.
    let oldestReleased = -1;
    for (let i = 0; i < s.ids.length && slot < 0; i++) {
      if (s.ids[i] === 0) slot = i;
      else if (s.released[i] && (oldestReleased < 0 || s.ages[i] < s.ages[oldestReleased])) oldestReleased = i;
    }
    if (slot < 0) slot = oldestReleased;
    if (slot < 0) return false;
  } else if (!s.released[slot]) {
    s.hashes[slot] = hash;
    return true;
  }
  s.count++;
  s.ids[slot] = id;
  s.hashes[slot] = hash;
  s.released[slot] = false;
  s.ages[slot] = s.nextAge++;
  return true;
}

/** PUBREL came: the entry becomes released. Returns whether it was active. */
export function inboundRelease(s: InboundQos2, id: number): boolean {
  const slot = inboundFind(s, id);
  if (slot < 0 || s.released[slot]) return false;
  s.released[slot] = true;
  s.count--;
  return true;
}

/** Forgets everything (the broker did not keep the session). Never fails. */
export function inboundClear(s: InboundQos2): void {
  for (let i = 0; i < s.ids.length; i++) {
    s.ids[i] = 0;
    s.released[i] = false;
  }
  s.count = 0;
}
