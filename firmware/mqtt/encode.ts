import {
  E_BUFFER_TOO_SHORT,
  E_FIELD_TOO_LONG,
  E_INVALID_ARGUMENT,
  E_INVALID_QOS,
  E_INVALID_TOPIC,
} from "../errors";
import * as C from "./constants";
import { checkTopicFilter, topicNameByteLength } from "./topic-check";
import { textByteLength, writeText } from "./utf8";

/**
 * Encoders for what a client sends. Each writes one packet into the caller's
 * preallocated buffer at `off` and returns the offset after it, or a negative
 * code from firmware/errors.ts with nothing promised about the bytes written.
 * None of them allocates.
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

/** Bytes a payload takes on the wire, or E_INVALID_UTF8 for text with a lone surrogate. */
export function payloadByteLength(payload: Payload): number {
  return typeof payload === "string" ? textByteLength(payload) : payload.length;
}

/** Bytes the remaining-length field takes for `len` (1 to 4). */
export function remainingLengthSize(len: number): number {
  return len < 128 ? 1 : len < 16384 ? 2 : len < 2097152 ? 3 : 4;
}

/** Remaining length: 7 bits a byte, low first (section 2.2.3); returns the offset after it. */
function writeRemainingLength(buf: Uint8Array, off: number, remaining: number): number {
  while (remaining > 0x7f) {
    buf[off++] = (remaining & 0x7f) | 0x80;
    remaining >>>= 7;
  }
  buf[off] = remaining;
  return off + 1;
}

/**
 * Writes the fixed header; returns the offset after it, or E_FIELD_TOO_LONG /
 * E_BUFFER_TOO_SHORT when the header and the first `mustFit` bytes after it do
 * not fit.
 */
function writeFixedHeader(buf: Uint8Array, off: number, first: number, remaining: number, mustFit: number): number {
  if (remaining > C.MAX_REMAINING_LENGTH) return E_FIELD_TOO_LONG;
  if (off + 1 + remainingLengthSize(remaining) + mustFit > buf.length) return E_BUFFER_TOO_SHORT;
  buf[off] = first;
  return writeRemainingLength(buf, off + 1, remaining);
}

function writeUint16(buf: Uint8Array, off: number, value: number): number {
  buf[off] = value >> 8;
  buf[off + 1] = value & 0xff;
  return off + 2;
}

function writePayload(buf: Uint8Array, off: number, payload: Payload): number {
  if (typeof payload === "string") return writeText(buf, off, payload);
  const n = payload.length;
  // set() has a fixed call cost; a loop is cheaper for a few bytes.
  if (n > 16) buf.set(payload, off);
  else for (let i = 0; i < n; i++) buf[off + i] = payload[i];
  return off + n;
}

/** Length-prefixed field (section 1.5.3 / 3.1.3.3): its byte count, or a negative code. */
function prefixedLength(field: Payload): number {
  const n = payloadByteLength(field);
  if (n < 0) return n;
  return n > C.MAX_STRING_BYTES ? E_FIELD_TOO_LONG : n;
}

function writePrefixed(buf: Uint8Array, off: number, field: Payload, byteLength: number): number {
  return writePayload(buf, writeUint16(buf, off, byteLength), field);
}

function validPacketId(id: number): boolean {
  return id >= 1 && id <= C.MAX_PACKET_ID && id % 1 === 0;
}

/**
 * CONNECT (section 3.1). Fails with E_INVALID_ARGUMENT for a keepalive out of
 * range, an empty client id without clean session [MQTT-3.1.3-7] or a password
 * without a user name [MQTT-3.1.2-22]; E_INVALID_TOPIC / E_INVALID_QOS for a bad
 * will; E_FIELD_TOO_LONG, E_INVALID_UTF8, E_BUFFER_TOO_SHORT.
 */
export function encodeConnect(buf: Uint8Array, off: number, f: ConnectFields): number {
  if (!(f.keepalive >= 0 && f.keepalive <= 65535) || f.keepalive % 1 !== 0) return E_INVALID_ARGUMENT;
  const idLen = prefixedLength(f.clientId);
  if (idLen < 0) return idLen;
  if (idLen === 0 && !f.cleanSession) return E_INVALID_ARGUMENT;
  let flags = f.cleanSession ? C.CONNECT_FLAG_CLEAN_SESSION : 0;
  let remaining = 10 + 2 + idLen;
  let willTopicLen = 0;
  let willPayloadLen = 0;
  const hasWill = f.willTopic != null;
  if (hasWill) {
    const topic = f.willTopic as string;
    const qos = f.willQos || 0;
    if (qos !== 0 && qos !== 1 && qos !== 2) return E_INVALID_QOS;
    willTopicLen = topicNameByteLength(topic);
    if (willTopicLen < 0) return willTopicLen;
    if (willTopicLen > C.MAX_STRING_BYTES) return E_FIELD_TOO_LONG;
    willPayloadLen = f.willPayload == null ? 0 : prefixedLength(f.willPayload);
    if (willPayloadLen < 0) return willPayloadLen;
    flags |= C.CONNECT_FLAG_WILL | (qos << 3) | (f.willRetain ? C.CONNECT_FLAG_WILL_RETAIN : 0);
    remaining += 4 + willTopicLen + willPayloadLen;
  }
  let userLen = 0;
  let passLen = 0;
  if (f.username != null) {
    userLen = prefixedLength(f.username);
    if (userLen < 0) return userLen;
    flags |= C.CONNECT_FLAG_USERNAME;
    remaining += 2 + userLen;
  }
  if (f.password != null) {
    if (f.username == null) return E_INVALID_ARGUMENT;
    passLen = prefixedLength(f.password);
    if (passLen < 0) return passLen;
    flags |= C.CONNECT_FLAG_PASSWORD;
    remaining += 2 + passLen;
  }
  off = writeFixedHeader(buf, off, C.CONNECT << 4, remaining, remaining);
  if (off < 0) return off;
  // Variable header: "MQTT", level 4, flags, keepalive (section 3.1.2).
  buf[off++] = 0;
  buf[off++] = 4;
  buf[off++] = 0x4d;
  buf[off++] = 0x51;
  buf[off++] = 0x54;
  buf[off++] = 0x54;
  buf[off++] = C.PROTOCOL_LEVEL_311;
  buf[off++] = flags;
  off = writeUint16(buf, off, f.keepalive);
  // Payload, in the order of section 3.1.3.
  off = writePrefixed(buf, off, f.clientId, idLen);
  if (hasWill) {
    off = writePrefixed(buf, off, f.willTopic as string, willTopicLen);
    off = f.willPayload == null ? writeUint16(buf, off, 0) : writePrefixed(buf, off, f.willPayload, willPayloadLen);
  }
  if (f.username != null) off = writePrefixed(buf, off, f.username, userLen);
  if (f.password != null) off = writePrefixed(buf, off, f.password, passLen);
  return off;
}

/**
 * The common case of encodePublishHeader in one pass: a short ASCII topic,
 * checked and written together. Returns the offset after the header, or 0 to
 * say "take the general path" (non-ASCII or invalid topic, not enough room,
 * sizes near a limit), which then gives the right code.
 */
function writeAsciiPublishHeader(
  buf: Uint8Array,
  off: number,
  first: number,
  topic: string,
  payloadLength: number,
  qos: number,
  packetId: number,
): number {
  const n = topic.length;
  if (n === 0 || n > 4096 || payloadLength > 0x0fffffff - 8192) return 0;
  const remaining = 2 + n + (qos > 0 ? 2 : 0) + payloadLength;
  const at = off + 1 + remainingLengthSize(remaining);
  if (at + 2 + n + 2 > buf.length) return 0;
  for (let i = 0; i < n; i++) {
    const c = topic.charCodeAt(i);
    if (c >= 0x80 || c === 0x2b || c === 0x23 || c === 0) return 0;
    buf[at + 2 + i] = c;
  }
  buf[off] = first;
  off = writeRemainingLength(buf, off + 1, remaining);
  off = writeUint16(buf, off, n) + n;
  return qos > 0 ? writeUint16(buf, off, packetId) : off;
}

/**
 * The PUBLISH fixed header, topic and packet id (section 3.3) for a payload of
 * `payloadLength` bytes that the caller writes (or sends) after it. Fails with
 * E_INVALID_TOPIC, E_INVALID_QOS, E_INVALID_ARGUMENT (packet id not 1..65535
 * at QoS 1/2, DUP at QoS 0 [MQTT-3.3.1-2]), E_FIELD_TOO_LONG, E_INVALID_UTF8,
 * E_BUFFER_TOO_SHORT (the header alone must fit).
 */
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
  if (qos !== 0 && qos !== 1 && qos !== 2) return E_INVALID_QOS;
  if (qos > 0 ? !validPacketId(packetId) : dup) return E_INVALID_ARGUMENT;
  if (!(payloadLength >= 0)) return E_INVALID_ARGUMENT;
  const first = (C.PUBLISH << 4) | (dup ? 8 : 0) | (qos << 1) | (retain ? 1 : 0);
  const fast = writeAsciiPublishHeader(buf, off, first, topic, payloadLength, qos, packetId);
  if (fast !== 0) return fast;
  const topicLen = topicNameByteLength(topic);
  if (topicLen < 0) return topicLen;
  if (topicLen > C.MAX_STRING_BYTES) return E_FIELD_TOO_LONG;
  const header = 2 + topicLen + (qos > 0 ? 2 : 0);
  off = writeFixedHeader(buf, off, first, header + payloadLength, header);
  if (off < 0) return off;
  off = writePrefixed(buf, off, topic, topicLen);
  if (qos > 0) off = writeUint16(buf, off, packetId);
  return off;
}

/**
 * A whole PUBLISH (section 3.3): header as in encodePublishHeader, then the
 * payload. Fails as encodePublishHeader does, and with E_BUFFER_TOO_SHORT when
 * the payload does not fit.
 */
export function encodePublish(
  buf: Uint8Array,
  off: number,
  topic: string,
  payload: Payload,
  qos: number,
  retain: boolean,
  dup: boolean,
  packetId: number,
): number {
  const payloadLen = payloadByteLength(payload);
  if (payloadLen < 0) return payloadLen;
  off = encodePublishHeader(buf, off, topic, payloadLen, qos, retain, dup, packetId);
  if (off < 0) return off;
  if (off + payloadLen > buf.length) return E_BUFFER_TOO_SHORT;
  return writePayload(buf, off, payload);
}

/**
 * PUBACK, PUBREC, PUBREL or PUBCOMP: `type` from constants.ts and a packet id
 * (sections 3.4-3.7; PUBREL carries flags 0010 [MQTT-3.6.1-1]). Fails with
 * E_INVALID_ARGUMENT (other type, id not 1..65535) or E_BUFFER_TOO_SHORT.
 */
export function encodeAck(buf: Uint8Array, off: number, type: number, packetId: number): number {
  if (type !== C.PUBACK && type !== C.PUBREC && type !== C.PUBREL && type !== C.PUBCOMP) return E_INVALID_ARGUMENT;
  if (!validPacketId(packetId)) return E_INVALID_ARGUMENT;
  if (off + 4 > buf.length) return E_BUFFER_TOO_SHORT;
  buf[off] = (type << 4) | (type === C.PUBREL ? 2 : 0);
  buf[off + 1] = 2;
  return writeUint16(buf, off + 2, packetId);
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
 * QoS. Fails with E_INVALID_ARGUMENT (no filter [MQTT-3.8.3-3], bad id),
 * E_INVALID_TOPIC, E_INVALID_QOS, E_FIELD_TOO_LONG, E_INVALID_UTF8,
 * E_BUFFER_TOO_SHORT.
 */
export function encodeSubscribe(
  buf: Uint8Array,
  off: number,
  packetId: number,
  filters: string[],
  qos: number[],
  count: number,
): number {
  if (!validPacketId(packetId) || !(count >= 1) || count > filters.length || count > qos.length) return E_INVALID_ARGUMENT;
  let remaining = 2;
  for (let i = 0; i < count; i++) {
    if (checkTopicFilter(filters[i]) < 0) return E_INVALID_TOPIC;
    const q = qos[i];
    if (q !== 0 && q !== 1 && q !== 2) return E_INVALID_QOS;
    const n = prefixedLength(filters[i]);
    if (n < 0) return n;
    remaining += 3 + n;
  }
  off = writeFixedHeader(buf, off, (C.SUBSCRIBE << 4) | 2, remaining, remaining);
  if (off < 0) return off;
  off = writeUint16(buf, off, packetId);
  for (let i = 0; i < count; i++) {
    off = writePrefixed(buf, off, filters[i], textByteLength(filters[i]));
    buf[off++] = qos[i];
  }
  return off;
}

/**
 * UNSUBSCRIBE (section 3.10) for the first `count` filters. Fails as
 * encodeSubscribe (without the QoS checks).
 */
export function encodeUnsubscribe(buf: Uint8Array, off: number, packetId: number, filters: string[], count: number): number {
  if (!validPacketId(packetId) || !(count >= 1) || count > filters.length) return E_INVALID_ARGUMENT;
  let remaining = 2;
  for (let i = 0; i < count; i++) {
    if (checkTopicFilter(filters[i]) < 0) return E_INVALID_TOPIC;
    const n = prefixedLength(filters[i]);
    if (n < 0) return n;
    remaining += 2 + n;
  }
  off = writeFixedHeader(buf, off, (C.UNSUBSCRIBE << 4) | 2, remaining, remaining);
  if (off < 0) return off;
  off = writeUint16(buf, off, packetId);
  for (let i = 0; i < count; i++) off = writePrefixed(buf, off, filters[i], textByteLength(filters[i]));
  return off;
}

function encodeEmpty(buf: Uint8Array, off: number, type: number): number {
  if (off + 2 > buf.length) return E_BUFFER_TOO_SHORT;
  buf[off] = type << 4;
  buf[off + 1] = 0;
  return off + 2;
}

/** PINGREQ (section 3.12); fails only with E_BUFFER_TOO_SHORT. */
export function encodePingreq(buf: Uint8Array, off: number): number {
  return encodeEmpty(buf, off, C.PINGREQ);
}

/** DISCONNECT (section 3.14); fails only with E_BUFFER_TOO_SHORT. */
export function encodeDisconnect(buf: Uint8Array, off: number): number {
  return encodeEmpty(buf, off, C.DISCONNECT);
}
