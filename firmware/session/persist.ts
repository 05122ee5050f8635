import { E_STORAGE_FAILED } from "../../base/errors";
import { checkTopic } from "../mqtt/topic-check";
import { inboundEntries, I_AWAITING, I_RELEASED, I_UNCONFIRMED, IN_AT_AGE, IN_AT_HASH, IN_AT_STATE, IN_WORDS, type InboundQos2 } from "./inbound-qos2";
import * as O from "./outbox";

/**
 * The session state that must outlive a power cut, as text for Storage: the
 * outgoing QoS 1/2 messages queued or in flight (with their packet ids and
 * where each stands), the inbound QoS 2 ids still awaiting PUBREL (and the
 * recently released ones, for the duplicate rules of inbound-qos2.ts), the
 * last packet id and the next sequence number.
 *
 * Format (JSON, version 1):
 *   {"v":1,"l":lastId,"n":nextSeq,
 *    "o":[[state,qos,flags,id,seq,topic,kind,payload],...],   kind 0 text, 1 bytes as a byte string
 *    "i":[[id,hash,released,age],...]}
 * Characters from 0x7f up are written as \\u escapes: the text is ASCII.
 * When and how often the client writes it is the client's policy (client.ts).
 */

/** A saved session as parsed (see the format above). */
interface Saved {
  v: number;
  l: number;
  n: number;
  o: (number | string)[][];
  i: number[][];
}

/**
 * Parses saved text, checking each entry: numbers in range (packet ids
 * 1..65535, 0 when queued; QoS 1/2 as the state says; known states, flags),
 * topics publish() takes, text payloads. Returns the session, or what is
 * wrong: "JSON", "header", "o[k]" or "i[k]".
 */
export function readSession(text: string): Saved | string {
  let s: Saved;
  try {
    s = JSON.parse(text);
  } catch (e) {
    return "JSON";
  }
  // x is a whole number lo..hi
  const w = function (x: unknown, lo: number, hi: number): boolean {
    return typeof x === "number" && x % 1 === 0 && x >= lo && x <= hi;
  };
  const big = 2147483647;
  if (!s || s.v !== 1 || !w(s.l, 0, 65535) || !w(s.n, 1, 2e15) || !(s.o instanceof Array) || !(s.i instanceof Array)) return "header";
  for (let k = 0; k < s.o.length; k++) {
    const m = s.o[k];
    if (
      !(m instanceof Array) ||
      m.length !== 8 ||
      !w(m[0], 1, O.SLOT_AWAIT_PUBCOMP) ||
      !w(m[1], 1, 2) ||
      // In flight: PUBACK awaited for QoS 1, PUBREC or PUBCOMP for QoS 2.
      (m[0] !== O.SLOT_QUEUED && (m[0] === O.SLOT_AWAIT_PUBACK) !== (m[1] === 1)) ||
      !w(m[3], m[0] === O.SLOT_QUEUED ? 0 : 1, 65535) ||
      !w(m[2], 0, 5) ||
      (m[2] as number) & 2 ||
      !w(m[4], -big - 1, big) ||
      typeof m[5] !== "string" ||
      checkTopic(m[5] as string, false) < 0 ||
      !w(m[6], 0, 1) ||
      typeof m[7] !== "string"
    )
      return "o[" + k + "]";
  }
  for (let k = 0; k < s.i.length; k++) {
    const q = s.i[k];
    if (!(q instanceof Array) || q.length !== 4 || !w(q[0], 1, 65535) || !w(q[1], -big - 1, big) || !w(q[2], I_AWAITING, I_UNCONFIRMED) || !w(q[3], 0, big))
      return "i[" + k + "]";
  }
  return s;
}

/** The text to write for the state. Never fails. */
export function saveSession(o: O.Outbox, inb: InboundQos2, lastId: number): string {
  return persistSession(o, inb, lastId) as string;
}

/**
 * Fills an empty outbox and inbound table from saved text. Messages in flight
 * come back as not sent on this connection (they go out again, with DUP, or
 * PUBREL for those past PUBREC). Returns the saved last packet id (>= 0), or
 * E_STORAGE_FAILED for text that is not a saved session (nothing is changed
 * then); messages that do not fit the outbox are left out.
 */
export function loadSession(text: string, o: O.Outbox, inb: InboundQos2): number {
  return persistSession(o, inb, text) as number;
}

/**
 * Both directions in one function (each function costs variables on
 * Espruino): with the last packet id, the text to write (saveSession); with
 * saved text, loads it and returns the last id or E_STORAGE_FAILED for
 * text readSession refuses, changing nothing then (loadSession).
 */
export function persistSession(o: O.Outbox, inb: InboundQos2, from: number | string): string | number {
  if (typeof from === "string") {
    const s = readSession(from);
    if (typeof s === "string") return E_STORAGE_FAILED;
    const slots = s.o.length > 0 ? O.outboxSlots(o) : o.slots;
    for (let k = 0; k < s.o.length && k < o.size; k++) {
      const m = s.o[k];
      const state = m[0] as number;
      const text = m[7] as string;
      let payload: string | Uint8Array = text;
      if (m[6] === 1) {
        payload = new Uint8Array(text.length);
        for (let j = 0; j < text.length; j++) payload[j] = text.charCodeAt(j);
      }
      // Saved flags are in the bits of format 1: retain 1, DUP 4.
      slots[k] = state | ((m[1] as number) << O.QOS_SHIFT) | ((m[2] as number) << O.FLAGS_SHIFT);
      slots[O.AT_ID * o.size + k] = m[3] as number;
      slots[O.AT_SEQ * o.size + k] = m[4] as number;
      o.topicOf[k] = m[5] as string;
      o.payloadOf[k] = payload;
      o.usedCount++;
      if (state > O.SLOT_QUEUED) {
        o.inFlightCount++;
        o.unsent++;
      }
    }
    const entries = s.i.length > 0 ? inboundEntries(inb) : inb.ids;
    for (let k = 0; k < s.i.length && k < inb.size; k++) {
      const entry = s.i[k];
      entries[IN_WORDS * k] = entry[0];
      entries[IN_WORDS * k + IN_AT_STATE] = entry[2];
      entries[IN_WORDS * k + IN_AT_HASH] = entry[1];
      entries[IN_WORDS * k + IN_AT_AGE] = entry[3];
      if (entry[2] !== I_RELEASED) inb.openCount++;
      if (entry[3] >= inb.nextAge) inb.nextAge = entry[3] + 1;
    }
    o.nextSeq = s.n;
    return s.l;
  }
  const out: (number | string)[][] = [];
  const ins: number[][] = [];
  const v = o.slots;
  for (let i = 0; i < o.size; i++) {
    if ((v[i] & O.M_STATE) === O.SLOT_FREE) continue;
    const p = o.payloadOf[i];
    let kind = 0;
    let text = "";
    if (typeof p === "string") text = p;
    else {
      // Bytes as a byte string, one character each.
      kind = 1;
      for (let j = 0; j < p.length; j++) text += String.fromCharCode(p[j]);
    }
    out.push([
      v[i] & O.M_STATE,
      (v[i] >> O.QOS_SHIFT) & 3,
      (v[i] & (O.F_RETAIN | O.F_DUP)) >> O.FLAGS_SHIFT,
      v[O.AT_ID * o.size + i],
      v[O.AT_SEQ * o.size + i],
      o.topicOf[i],
      kind,
      text,
    ]);
  }
  const ent = inb.ids;
  // The table may not have taken its memory yet (no QoS 2 message so far): then it has no entry.
  for (let i = 0; i < ent.length / IN_WORDS; i++)
    if (ent[IN_WORDS * i] !== 0) ins.push([ent[IN_WORDS * i], ent[IN_WORDS * i + IN_AT_HASH], ent[IN_WORDS * i + IN_AT_STATE], ent[IN_WORDS * i + IN_AT_AGE]]);
  const json = JSON.stringify({ v: 1, l: from, n: o.nextSeq, o: out, i: ins });
  // ASCII only (\u escapes), so that any Storage keeps it byte for byte.
  let ascii = "";
  let done = 0;
  for (let i = 0; i < json.length; i++) {
    const c = json.charCodeAt(i);
    if (c < 0x7f) continue;
    ascii += json.substring(done, i) + "\\u" + (0x10000 + c).toString(16).substring(1);
    done = i + 1;
  }
  return done === 0 ? json : ascii + json.substring(done);
}
