import {
  E_BAD_REMAINING_LENGTH,
  E_INVALID_QOS,
  E_INVALID_TOPIC,
  E_MALFORMED,
  E_PACKET_TOO_LARGE,
  E_RESERVED_FLAGS,
  E_SUBACK_FAILURE,
  E_TRUNCATED,
  E_UNEXPECTED_TYPE,
  E_UNKNOWN_TYPE,
} from "../../base/errors";
import * as C from "./constants";
import type { Packet } from "./packet";
import { checkUtf8 } from "./utf8";

/**
 * Decoders for what a client receives. Each takes the record to fill and the
 * bytes [start, start+length) of one packet, fixed header first, and returns 0
 * or a negative code from base/errors.ts. They never read outside that range,
 * never throw and never allocate.
 *
 * When fewer bytes are given than the fixed header declares, the answer is
 * E_TRUNCATED; decodePublish still fills qos, topic and packet id when those
 * bytes are there, so an oversized PUBLISH that the framer skipped can still be
 * acknowledged (see framer.ts).
 *
 * decodePacket() holds the fixed header's and every body's rules in one
 * function (on Espruino each function costs JS variables while the bundle is
 * loaded); the per-type decoders are thin wrappers over it, left out of a
 * bundle that does not call them.
 */

/**
 * Reads the fixed header into `p` (type, flags, remainingLength, bodyStart).
 * Returns 0, E_TRUNCATED (header incomplete), E_BAD_REMAINING_LENGTH or
 * E_UNKNOWN_TYPE. Does not compare the declared length with `length`.
 */
export function decodeFixedHeader(p: Packet, buf: Uint8Array, start: number, length: number): number {
  return decodePacket(p, buf, start, length, HEADER_ONLY);
}

/**
 * CONNACK (section 3.2): sessionPresent and returnCode. A refused connection
 * (return code 1-5) decodes fine: the session turns it into an error. Fails with
 * E_UNEXPECTED_TYPE, E_RESERVED_FLAGS, E_TRUNCATED, or E_MALFORMED (reserved
 * ack-flag bits, section 3.2.2.1; return code over 5, session present with a
 * refusal [MQTT-3.2.2-4]).
 */
export function decodeConnack(p: Packet, buf: Uint8Array, start: number, length: number): number {
  return decodeAck(p, buf, start, length, C.CONNACK);
}

/**
 * PUBLISH (section 3.3): qos, retain, dup, packetId, topic and payload offsets.
 * Fails with E_UNEXPECTED_TYPE, E_INVALID_QOS (QoS 3 [MQTT-3.3.1-4]),
 * E_TRUNCATED, E_INVALID_TOPIC (empty, or a wildcard [MQTT-3.3.2-2]),
 * E_INVALID_UTF8, E_MALFORMED (packet id 0 [MQTT-2.3.1-1]).
 */
export function decodePublish(p: Packet, buf: Uint8Array, start: number, length: number): number {
  return decodeAck(p, buf, start, length, C.PUBLISH);
}

/**
 * The kept prefix of a packet the framer skipped for its size (framer.ts,
 * onPacket with fewer bytes than the total). Returns E_PACKET_TOO_LARGE with qos, packetId and the topic
 * filled when it is a PUBLISH whose topic and id were kept, so the client can
 * acknowledge it; E_TRUNCATED when they were not kept; E_UNEXPECTED_TYPE for
 * any other type; or the PUBLISH header's own error (E_INVALID_QOS, ...).
 */
export function decodeOversizedPublish(p: Packet, buf: Uint8Array, start: number, kept: number): number {
  return decodePacket(p, buf, start, kept, OVERSIZED);
}

/**
 * A packet that must be of `type`: PUBACK, PUBREC, PUBREL or PUBCOMP
 * (sections 3.4-3.7) fill packetId, and fail with E_UNEXPECTED_TYPE,
 * E_RESERVED_FLAGS (PUBREL must carry 0010 [MQTT-3.6.1-1], the others 0000),
 * E_TRUNCATED, E_MALFORMED (length not 2, packet id 0). Any other type
 * decodes as decodePacket() does.
 */
export function decodeAck(p: Packet, buf: Uint8Array, start: number, length: number, type: number): number {
  return decodePacket(p, buf, start, length, type);
}

/**
 * SUBACK (section 3.9): packetId and the offsets of the return codes. Fails
 * with E_RESERVED_FLAGS, E_TRUNCATED, E_MALFORMED (no code, a code other than
 * 0, 1, 2, 0x80 [MQTT-3.9.3-2], id 0), or E_SUBACK_FAILURE when a filter was
 * refused: the record is then filled all the same, for a per-filter report.
 */
export function decodeSuback(p: Packet, buf: Uint8Array, start: number, length: number): number {
  return decodeAck(p, buf, start, length, C.SUBACK);
}

/** UNSUBACK (section 3.11): packetId. Fails as decodeAck. */
export function decodeUnsuback(p: Packet, buf: Uint8Array, start: number, length: number): number {
  return decodeAck(p, buf, start, length, C.UNSUBACK);
}

/** PINGRESP (section 3.13). Fails with E_RESERVED_FLAGS, E_MALFORMED (a body), E_TRUNCATED. */
export function decodePingresp(p: Packet, buf: Uint8Array, start: number, length: number): number {
  return decodeAck(p, buf, start, length, C.PINGRESP);
}

/** `want` for decodePacket(): the fixed header only (decodeFixedHeader). */
export const HEADER_ONLY = -1;
/** `want` for decodePacket(): the kept prefix of an oversized PUBLISH (decodeOversizedPublish). */
export const OVERSIZED = -2;

/**
 * Any packet a client receives: reads the fixed header and the body for its
 * type, so that `p.type` tells what was filled. Fails as the per-type decoders
 * say, with E_UNKNOWN_TYPE for type 0 or 15 and E_UNEXPECTED_TYPE for a packet
 * only a server receives (CONNECT, SUBSCRIBE, UNSUBSCRIBE, PINGREQ,
 * DISCONNECT). `want` (optional) narrows it: a packet type that must be the
 * one found (E_UNEXPECTED_TYPE otherwise), HEADER_ONLY or OVERSIZED.
 */
export function decodePacket(p: Packet, buf: Uint8Array, start: number, length: number, want?: number): number {
  if (want === OVERSIZED) {
    p.payloadStart = 0;
    const o = decodePacket(p, buf, start, length, C.PUBLISH);
    if (o !== E_TRUNCATED) return o === 0 ? E_PACKET_TOO_LARGE : o;
    return p.payloadStart > 0 ? E_PACKET_TOO_LARGE : E_TRUNCATED;
  }
  if (length < 1) return E_TRUNCATED;
  const first = buf[start];
  const type = first >> 4;
  if (type === 0 || type === 15) return E_UNKNOWN_TYPE;
  let value = 0;
  let mult = 1;
  let h = 1;
  for (;;) {
    if (h > 4) return E_BAD_REMAINING_LENGTH;
    if (h >= length) return E_TRUNCATED;
    const b = buf[start + h];
    value += (b & 0x7f) * mult;
    mult *= 128;
    h++;
    if ((b & 0x80) === 0) break;
  }
  p.type = type;
  p.flags = first & 0x0f;
  p.remainingLength = value;
  p.bodyStart = start + h;
  if (want === HEADER_ONLY) return 0;
  if (want && want !== type) return E_UNEXPECTED_TYPE;
  const end = start + length;
  const bodyEnd = p.bodyStart + p.remainingLength;
  let i = p.bodyStart;
  if (type === C.PUBLISH) {
    const qos = (p.flags >> 1) & 3;
    if (qos === 3) return E_INVALID_QOS;
    p.qos = qos;
    p.dup = (p.flags & 8) !== 0;
    p.retain = (p.flags & 1) !== 0;
    p.packetId = 0;
    p.topicStart = 0;
    p.topicLength = 0;
    p.payloadStart = 0;
    p.payloadLength = 0;
    const limit = bodyEnd < end ? bodyEnd : end;
    if (i + 2 > limit) return E_TRUNCATED;
    const topicLength = (buf[i] << 8) | buf[i + 1];
    i += 2;
    if (i + topicLength > limit) return E_TRUNCATED;
    if (topicLength === 0) return E_INVALID_TOPIC;
    p.topicStart = i;
    p.topicLength = topicLength;
    // No wildcard [MQTT-3.3.2-2] (0x23 and 0x2B never occur inside a
    // multi-byte sequence, so a byte scan is exact), well-formed UTF-8.
    let ascii = true;
    for (let k = i; k < i + topicLength; k++) {
      const c = buf[k];
      if (c === 0x2b || c === 0x23) return E_INVALID_TOPIC;
      if (c >= 0x80 || c === 0) ascii = false;
    }
    const utf8 = ascii ? 0 : checkUtf8(buf, i, topicLength);
    if (utf8 < 0) return utf8;
    i += topicLength;
    if (qos > 0) {
      if (i + 2 > limit) return E_TRUNCATED;
      p.packetId = (buf[i] << 8) | buf[i + 1];
      if (p.packetId === 0) return E_MALFORMED;
      i += 2;
    }
    p.payloadStart = i;
    p.payloadLength = bodyEnd - i;
  } else if (type === C.SUBACK) {
    if (p.flags !== 0) return E_RESERVED_FLAGS;
    if (bodyEnd > end) return E_TRUNCATED;
    if (bodyEnd < end || p.remainingLength < 3) return E_MALFORMED;
    p.codesStart = i + 2;
    p.codesCount = p.remainingLength - 2;
  } else {
    // Fixed size: 2 bytes for CONNACK, the acks and UNSUBACK; none for PINGRESP.
    const size = type === C.PINGRESP ? 0 : 2;
    if (size !== 0 && type !== C.CONNACK && type !== C.PUBACK && type !== C.PUBREC && type !== C.PUBREL && type !== C.PUBCOMP && type !== C.UNSUBACK)
      return E_UNEXPECTED_TYPE;
    if (p.flags !== (type === C.PUBREL ? 2 : 0)) return E_RESERVED_FLAGS;
    if (p.remainingLength !== size) return E_MALFORMED;
  }
  if (bodyEnd > end) return E_TRUNCATED;
  if (bodyEnd < end) return E_MALFORMED;
  if (type === C.CONNACK) {
    const ackFlags = buf[i];
    const code = buf[i + 1];
    if ((ackFlags & 0xfe) !== 0 || code > 5 || (code !== 0 && ackFlags !== 0)) return E_MALFORMED;
    p.sessionPresent = ackFlags === 1;
    p.returnCode = code;
  } else if (type !== C.PUBLISH && type !== C.PINGRESP) {
    p.packetId = (buf[i] << 8) | buf[i + 1];
    if (p.packetId === 0) return E_MALFORMED;
  }
  if (type !== C.SUBACK) return 0;
  let refused = false;
  for (let k = 0; k < p.codesCount; k++) {
    const code = buf[p.codesStart + k];
    if (code === C.SUBACK_FAILURE) refused = true;
    else if (code > 2) return E_MALFORMED;
  }
  return refused ? E_SUBACK_FAILURE : 0;
}
