import { E_BUFFER_TOO_SHORT, E_FIELD_TOO_LONG, E_INVALID_ARGUMENT, E_INVALID_QOS, E_INVALID_TOPIC } from "../../base/errors";
import * as C from "./constants";
import { checkTopic } from "./topic-check";
import { STRINGS_ARE_BYTES, writeText } from "./utf8";

/**
 * Encoders for what a client sends. Each writes one packet into the caller's
 * preallocated buffer at `off` and returns the offset after it, or a negative
 * code from base/errors.ts with nothing promised about the bytes written.
 * None of them allocates.
 *
 * On Espruino every function costs JS variables for as long as the bundle is
 * loaded (about five plus one per parameter): the encoders share three
 * helpers, and the named per-type encoders are thin wrappers that a bundle
 * which does not call them leaves out.
 */

/** A payload: text (written as in utf8.ts) or raw bytes. */
export type Payload = string | Uint8Array;

/** The fields of a CONNECT packet (section 3.1). Optional fields may be undefined or null. */
export interface ConnectFields {
  clientId: string;
  cleanSession: boolean;
  /** Seconds, 0 to 65,535; 0 turns keepalive off. */
  keepalive: number;
  username?: string | null;
  password?: Payload | null;
  willTopic?: string | null;
  willPayload?: Payload | null;
  willQos?: number;
  willRetain?: boolean;
}

/**
 * Bytes a payload takes on the wire, or E_INVALID_UTF8 for text with a lone
 * surrogate; `prefixed` (a length-prefixed field, section 1.5.3 / 3.1.3.3)
 * also fails with E_FIELD_TOO_LONG over 65,535 bytes.
 */
export function payloadByteLength(payload: Payload, prefixed?: boolean): number {
  const n = typeof payload === "string" ? writeText(null, 0, payload) : payload.length;
  return prefixed && n > C.MAX_STRING_BYTES ? E_FIELD_TOO_LONG : n;
}

/**
 * First byte and remaining length (7 bits a byte, low first, section 2.2.3).
 * Returns the offset after them, E_FIELD_TOO_LONG over the protocol's limit,
 * or E_BUFFER_TOO_SHORT when the header and `mustFit` more bytes do not fit.
 */
function writeFixedHeader(buf: Uint8Array, off: number, first: number, remaining: number, mustFit: number): number {
  if (remaining > C.MAX_REMAINING_LENGTH) return E_FIELD_TOO_LONG;
  const size = remaining < 128 ? 1 : remaining < 16384 ? 2 : remaining < 2097152 ? 3 : 4;
  if (off + 1 + size + mustFit > buf.length) return E_BUFFER_TOO_SHORT;
  buf[off++] = first;
  while (remaining > 0x7f) {
    buf[off++] = (remaining & 0x7f) | 0x80;
    remaining >>>= 7;
  }
  buf[off] = remaining;
  return off + 1;
}

/**
 * Writes `field` (text as in utf8.ts, or bytes) at `off`, after a two-byte
 * big-endian `prefix` unless `prefix` is negative; a number as `field` writes
 * only that prefix (a packet id, a length). Returns the offset after it.
 */
function writeField(buf: Uint8Array, off: number, field: Payload | number, prefix: number): number {
  if (prefix >= 0) {
    buf[off++] = prefix >> 8;
    buf[off++] = prefix & 0xff;
  }
  if (typeof field === "number") return off;
  if (typeof field === "string") return writeText(buf, off, field);
  const n = field.length;
  if (n > 16) buf.set(field, off);
  else for (let i = 0; i < n; i++) buf[off + i] = field[i];
  return off + n;
}

/**
 * CONNECT (section 3.1). Fails with E_INVALID_ARGUMENT for a keepalive out of
 * range, an empty client id without clean session [MQTT-3.1.3-7] or a password
 * without a user name [MQTT-3.1.2-22]; E_INVALID_TOPIC / E_INVALID_QOS for a bad
 * will; E_FIELD_TOO_LONG, E_INVALID_UTF8, E_BUFFER_TOO_SHORT.
 */
export function encodeConnect(buf: Uint8Array, off: number, f: ConnectFields): number {
  if (!(f.keepalive >= 0 && f.keepalive <= 65535) || f.keepalive % 1 !== 0) return E_INVALID_ARGUMENT;
  const idLen = payloadByteLength(f.clientId, true);
  if (idLen < 0) return idLen;
  if (idLen === 0 && !f.cleanSession) return E_INVALID_ARGUMENT;
  let flags = f.cleanSession ? C.CONNECT_FLAG_CLEAN_SESSION : 0;
  let remaining = 10 + 2 + idLen;
  let willTopicLen = 0;
  let willPayloadLen = 0;
  const hasWill = f.willTopic != null;
  if (hasWill) {
    const qos = f.willQos || 0;
    if (qos !== 0 && qos !== 1 && qos !== 2) return E_INVALID_QOS;
    willTopicLen = checkTopic(f.willTopic as string, false);
    if (willTopicLen < 0) return willTopicLen;
    if (willTopicLen > C.MAX_STRING_BYTES) return E_FIELD_TOO_LONG;
    willPayloadLen = f.willPayload == null ? 0 : payloadByteLength(f.willPayload, true);
    if (willPayloadLen < 0) return willPayloadLen;
    flags |= C.CONNECT_FLAG_WILL | (qos << 3) | (f.willRetain ? C.CONNECT_FLAG_WILL_RETAIN : 0);
    remaining += 4 + willTopicLen + willPayloadLen;
  }
  let userLen = 0;
  let passLen = 0;
  if (f.username != null) {
    userLen = payloadByteLength(f.username, true);
    if (userLen < 0) return userLen;
    flags |= C.CONNECT_FLAG_USERNAME;
    remaining += 2 + userLen;
  }
  if (f.password != null) {
    if (f.username == null) return E_INVALID_ARGUMENT;
    passLen = payloadByteLength(f.password, true);
    if (passLen < 0) return passLen;
    flags |= C.CONNECT_FLAG_PASSWORD;
    remaining += 2 + passLen;
  }
  off = writeFixedHeader(buf, off, C.CONNECT << 4, remaining, remaining);
  if (off < 0) return off;
  // Protocol name "MQTT", level 4, flags, keepalive (section 3.1.2).
  off = writeField(buf, off, "MQTT", 4);
  buf[off++] = C.PROTOCOL_LEVEL_311;
  buf[off++] = flags;
  off = writeField(buf, off, 0, f.keepalive);
  // Payload, in the order of section 3.1.3.
  off = writeField(buf, off, f.clientId, idLen);
  if (hasWill) {
    off = writeField(buf, off, f.willTopic as string, willTopicLen);
    off = writeField(buf, off, f.willPayload == null ? 0 : f.willPayload, willPayloadLen);
  }
  if (f.username != null) off = writeField(buf, off, f.username, userLen);
  if (f.password != null) off = writeField(buf, off, f.password, passLen);
  return off;
}

/**
 * A PUBLISH (section 3.3): fixed header, topic, packet id, then the payload.
 * Given a number instead of a payload, it writes the header only, for a
 * payload of that many bytes that the caller sends after it. Fails with
 * E_INVALID_TOPIC, E_INVALID_QOS, E_INVALID_ARGUMENT (packet id not 1..65535
 * at QoS 1/2, DUP at QoS 0 [MQTT-3.3.1-2], a negative length),
 * E_FIELD_TOO_LONG, E_INVALID_UTF8, E_BUFFER_TOO_SHORT (what is written must
 * fit).
 */
export function encodePublish(
  buf: Uint8Array,
  off: number,
  topic: string,
  payload: Payload | number,
  qos: number,
  retain: boolean,
  dup: boolean,
  packetId: number,
): number {
  // Where strings are bytes (Espruino), a text payload is copied here: two calls fewer in progress on a small pool.
  const bytes = STRINGS_ARE_BYTES && typeof payload === "string";
  const payloadLen = typeof payload === "number" ? payload : bytes ? (payload as string).length : payloadByteLength(payload);
  if (payloadLen < 0 && typeof payload !== "number") return payloadLen;
  if (qos !== 0 && qos !== 1 && qos !== 2) return E_INVALID_QOS;
  if ((qos > 0 ? !(packetId >= 1 && packetId <= C.MAX_PACKET_ID && packetId % 1 === 0) : dup) || !(payloadLen >= 0)) return E_INVALID_ARGUMENT;
  const first = (C.PUBLISH << 4) | (dup ? 8 : 0) | (qos << 1) | (retain ? 1 : 0);
  const n = topic.length;
  // The common case in one pass: a short ASCII topic, checked while it is copied.
  let topicLen = n > 0 && n <= 4096 ? n : -1;
  const header = 2 + n + (qos > 0 ? 2 : 0);
  const remaining = header + payloadLen;
  const at = off + 1 + (remaining < 128 ? 1 : remaining < 16384 ? 2 : remaining < 2097152 ? 3 : 4);
  if (remaining > C.MAX_REMAINING_LENGTH || at + header > buf.length) topicLen = -1;
  for (let i = 0; i < n && topicLen > 0; i++) {
    const c = topic.charCodeAt(i);
    if (c >= 0x80 || c === 0x2b || c === 0x23 || c === 0) topicLen = -1;
    else buf[at + 2 + i] = c;
  }
  if (topicLen < 0) {
    // The general path: non-ASCII or invalid topic, or not enough room; gives the right code.
    topicLen = checkTopic(topic, false);
    if (topicLen < 0) return topicLen;
    if (topicLen > C.MAX_STRING_BYTES) return E_FIELD_TOO_LONG;
    const size = 2 + topicLen + (qos > 0 ? 2 : 0);
    off = writeFixedHeader(buf, off, first, size + payloadLen, size);
    if (off < 0) return off;
    off = writeField(buf, off, topic, topicLen);
  } else {
    // Room was checked above; written here rather than by writeFixedHeader/writeField: one call fewer in progress.
    buf[off++] = first;
    let rest = remaining;
    while (rest > 0x7f) {
      buf[off++] = (rest & 0x7f) | 0x80;
      rest >>>= 7;
    }
    buf[off++] = rest;
    buf[off++] = n >> 8;
    buf[off++] = n & 0xff;
    off += n;
  }
  if (qos > 0) {
    buf[off++] = packetId >> 8;
    buf[off++] = packetId & 0xff;
  }
  if (typeof payload === "number") return off;
  if (off + payloadLen > buf.length) return E_BUFFER_TOO_SHORT;
  if (bytes) {
    for (let i = 0; i < payloadLen; i++) buf[off++] = (payload as string).charCodeAt(i);
    return off;
  }
  return writeField(buf, off, payload, -1);
}

/** The PUBLISH header alone for a payload of `payloadLength` bytes sent after it; fails as encodePublish. */
export function encodePublishHeader(
  buf: Uint8Array,
  off: number,
  topic: string,
  payloadLength: number,
  qos: number,
  retain: boolean,
  dup: boolean,
  packetId: number,
): number {
  return encodePublish(buf, off, topic, payloadLength, qos, retain, dup, packetId);
}

/**
 * PUBACK, PUBREC, PUBREL or PUBCOMP: `type` from constants.ts and a packet id
 * (sections 3.4-3.7; PUBREL carries flags 0010 [MQTT-3.6.1-1]). Fails with
 * E_INVALID_ARGUMENT (other type, id not 1..65535) or E_BUFFER_TOO_SHORT.
 */
export function encodeAck(buf: Uint8Array, off: number, type: number, packetId: number): number {
  if (type !== C.PUBACK && type !== C.PUBREC && type !== C.PUBREL && type !== C.PUBCOMP) return E_INVALID_ARGUMENT;
  if (!(packetId >= 1 && packetId <= C.MAX_PACKET_ID && packetId % 1 === 0)) return E_INVALID_ARGUMENT;
  if (off + 4 > buf.length) return E_BUFFER_TOO_SHORT;
  buf[off] = (type << 4) | (type === C.PUBREL ? 2 : 0);
  buf[off + 1] = 2;
  return writeField(buf, off + 2, 0, packetId);
}

/** PUBACK (section 3.4); fails as encodeAck. */
export function encodePuback(buf: Uint8Array, off: number, packetId: number): number {
  return encodeAck(buf, off, C.PUBACK, packetId);
}

/** PUBREC (section 3.5); fails as encodeAck. */
export function encodePubrec(buf: Uint8Array, off: number, packetId: number): number {
  return encodeAck(buf, off, C.PUBREC, packetId);
}

/** PUBREL (section 3.6); fails as encodeAck. */
export function encodePubrel(buf: Uint8Array, off: number, packetId: number): number {
  return encodeAck(buf, off, C.PUBREL, packetId);
}

/** PUBCOMP (section 3.7); fails as encodeAck. */
export function encodePubcomp(buf: Uint8Array, off: number, packetId: number): number {
  return encodeAck(buf, off, C.PUBCOMP, packetId);
}

/**
 * SUBSCRIBE (section 3.8) for the first `count` filters with their requested
 * QoS, or with `qos` null an UNSUBSCRIBE (section 3.10). Fails with
 * E_INVALID_ARGUMENT (no filter [MQTT-3.8.3-3], bad id), E_INVALID_TOPIC,
 * E_INVALID_QOS, E_FIELD_TOO_LONG, E_INVALID_UTF8, E_BUFFER_TOO_SHORT.
 */
export function encodeSubscription(buf: Uint8Array, off: number, packetId: number, filters: string[], qos: number[] | null, count: number): number {
  if (!(packetId >= 1 && packetId <= C.MAX_PACKET_ID && packetId % 1 === 0) || !(count >= 1) || count > filters.length || (qos && count > qos.length))
    return E_INVALID_ARGUMENT;
  let remaining = 2;
  for (let i = 0; i < count; i++) {
    if (checkTopic(filters[i], true) < 0) return E_INVALID_TOPIC;
    const q = qos ? qos[i] : 0;
    if (q !== 0 && q !== 1 && q !== 2) return E_INVALID_QOS;
    const n = payloadByteLength(filters[i], true);
    if (n < 0) return n;
    remaining += (qos ? 3 : 2) + n;
  }
  off = writeFixedHeader(buf, off, ((qos ? C.SUBSCRIBE : C.UNSUBSCRIBE) << 4) | 2, remaining, remaining);
  if (off < 0) return off;
  off = writeField(buf, off, 0, packetId);
  for (let i = 0; i < count; i++) {
    off = writeField(buf, off, filters[i], writeText(null, 0, filters[i]));
    if (qos) buf[off++] = qos[i];
  }
  return off;
}

/** SUBSCRIBE for the first `count` filters; fails as encodeSubscription. */
export function encodeSubscribe(buf: Uint8Array, off: number, packetId: number, filters: string[], qos: number[], count: number): number {
  return encodeSubscription(buf, off, packetId, filters, qos, count);
}

/** UNSUBSCRIBE (section 3.10) for the first `count` filters; fails as encodeSubscription (without the QoS checks). */
export function encodeUnsubscribe(buf: Uint8Array, off: number, packetId: number, filters: string[], count: number): number {
  return encodeSubscription(buf, off, packetId, filters, null, count);
}

/** PINGREQ (section 3.12); fails only with E_BUFFER_TOO_SHORT. */
export function encodePingreq(buf: Uint8Array, off: number): number {
  return writeFixedHeader(buf, off, C.PINGREQ << 4, 0, 0);
}

/** DISCONNECT (section 3.14); fails only with E_BUFFER_TOO_SHORT. */
export function encodeDisconnect(buf: Uint8Array, off: number): number {
  return writeFixedHeader(buf, off, C.DISCONNECT << 4, 0, 0);
}
