import {
  E_FIELD_TOO_LONG,
  E_INVALID_ARGUMENT,
  E_INVALID_QOS,
  E_INVALID_TOPIC,
  E_MALFORMED,
  E_RESERVED_FLAGS,
  E_SUBACK_FAILURE,
  E_UNEXPECTED_TYPE,
} from "../../base/errors";
import * as C from "../mqtt/constants";
import type { ConnectFields, Payload } from "../mqtt/encode";
import type { ReceivedPacket } from "../mqtt/packet";
import { checkTopic } from "../mqtt/topic-check";
import { STRINGS_ARE_BYTES } from "../mqtt/utf8";
import { decodeUtf8, encodeUtf8 } from "./utf8-strings";

declare const E: { toString(data: Uint8Array): string | undefined; CRC32(data: string): number };

/**
 * The MQTT codec on 8-bit Strings, for Espruino, where the interpreter runs
 * source text token by token: a packet is built by concatenating a header made
 * with one `String.fromCharCode(...)` and the topic and payload as the strings
 * they are; a received packet is read with charCodeAt on its header bytes and
 * `substr` for the rest. No JavaScript loop runs over the bytes of a topic or
 * a payload. Each encoder returns the packet as a String, or a negative code
 * from firmware/errors.ts (the first parameter, the transmit buffer of the
 * Node byte layer, is not used here); the decoder fills the caller's Packet record with
 * offsets into the received String, as firmware/mqtt/decode.ts does into bytes.
 *
 * On an interpreter whose strings are 8-bit (ESP32, ESP8266) a string is its
 * bytes both ways. On one with Unicode strings, text is written as UTF-8 and
 * read back from it (toWire/fromWire), so that sending and receiving are
 * symmetric on every interpreter.
 *
 * Speed: Espruino lexes every token it passes, the ones it skips included (a
 * branch not taken, the rest of a function after `return`). So the functions
 * on the publish and receive paths are short, and what is rare (headers over
 * two bytes, Unicode, bytes, bad arguments) lives in a function of its own
 * that the common case never enters. A new topic is not rare on a device that
 * publishes to a few topics in turn: it is checked and kept without calling
 * any function the bundles make at each call (checkedPublishPacket).
 */

/** `text` as wire bytes (UTF-8 where strings are Unicode). */
export function toWire(text: string): string {
  return STRINGS_ARE_BYTES ? text : encodeUtf8(text);
}

/** Wire bytes as text (decoded from UTF-8 where strings are Unicode). */
export function fromWire(bytes: string): string {
  return STRINGS_ARE_BYTES ? bytes : decodeUtf8(bytes);
}

/** A payload (text, or bytes) as wire bytes. */
function payloadWire(payload: Payload): string {
  return typeof payload === "string" ? toWire(payload) : (E.toString(payload) as string);
}

/** A topic name's length, or E_INVALID_TOPIC (empty, a wildcard, U+0000 [MQTT-4.7.3-1] [MQTT-4.7.3-2]). */
export function checkTopicName(topic: string): number {
  return topic === "" || topic.indexOf("#") >= 0 || topic.indexOf("+") >= 0 || topic.indexOf("\0") >= 0 ? E_INVALID_TOPIC : topic.length;
}

/** A topic name's wire bytes, or E_INVALID_TOPIC (empty, a wildcard, U+0000 [MQTT-4.7.3-1] [MQTT-4.7.3-2]) / E_FIELD_TOO_LONG. */
function topicWire(topic: string): string | number {
  if (checkTopicName(topic) < 0) return E_INVALID_TOPIC;
  const t = toWire(topic);
  return t.length > C.MAX_STRING_BYTES ? E_FIELD_TOO_LONG : t;
}

/** The fixed header: first byte and remaining length (section 2.2.3). */
function fixedHeader(first: number, remaining: number): string {
  return remaining < 0x80 ? String.fromCharCode(first, remaining) : longFixedHeader(first, remaining);
}

/** The fixed header of a packet with a remaining length of 128 or more. */
function longFixedHeader(first: number, remaining: number): string {
  if (remaining < 0x4000) return String.fromCharCode(first, (remaining & 0x7f) | 0x80, remaining >> 7);
  if (remaining < 0x200000) return String.fromCharCode(first, (remaining & 0x7f) | 0x80, ((remaining >> 7) & 0x7f) | 0x80, remaining >> 14);
  return String.fromCharCode(first, (remaining & 0x7f) | 0x80, ((remaining >> 7) & 0x7f) | 0x80, ((remaining >> 14) & 0x7f) | 0x80, remaining >> 21);
}

/** A length-prefixed field (section 1.5.3). */
function field(bytes: string): string {
  return String.fromCharCode(bytes.length >> 8, bytes.length & 0xff) + bytes;
}

function validId(id: number): boolean {
  return id >= 1 && id <= C.MAX_PACKET_ID && id % 1 === 0;
}

/**
 * CONNECT (section 3.1) as a String. Fails with E_INVALID_ARGUMENT (keepalive
 * out of range, empty client id without clean session [MQTT-3.1.3-7],
 * password without user name [MQTT-3.1.2-22]), E_INVALID_TOPIC /
 * E_INVALID_QOS for a bad will, E_FIELD_TOO_LONG.
 */
export function connectPacket(_tx: Uint8Array | null, f: ConnectFields): string | number {
  if (!(f.keepalive >= 0 && f.keepalive <= 65535) || f.keepalive % 1 !== 0) return E_INVALID_ARGUMENT;
  const id = toWire(f.clientId);
  if ((id === "" && !f.cleanSession) || (f.password != null && f.username == null)) return E_INVALID_ARGUMENT;
  let flags = f.cleanSession ? C.CONNECT_FLAG_CLEAN_SESSION : 0;
  let body = field(id);
  if (f.willTopic != null) {
    const qos = f.willQos || 0;
    if (qos !== 0 && qos !== 1 && qos !== 2) return E_INVALID_QOS;
    const topic = topicWire(f.willTopic);
    if (typeof topic === "number") return topic;
    flags |= C.CONNECT_FLAG_WILL | (qos << 3) | (f.willRetain ? C.CONNECT_FLAG_WILL_RETAIN : 0);
    body += field(topic) + field(f.willPayload == null ? "" : payloadWire(f.willPayload));
  }
  if (f.username != null) {
    flags |= C.CONNECT_FLAG_USERNAME;
    body += field(toWire(f.username));
  }
  if (f.password != null) {
    flags |= C.CONNECT_FLAG_PASSWORD;
    body += field(payloadWire(f.password));
  }
  const variable = String.fromCharCode(0, 4, 0x4d, 0x51, 0x54, 0x54, C.PROTOCOL_LEVEL_311, flags, f.keepalive >> 8, f.keepalive & 0xff);
  if (body.length + 10 > C.MAX_REMAINING_LENGTH) return E_FIELD_TOO_LONG;
  return fixedHeader(C.CONNECT << 4, body.length + 10) + variable + body;
}

/** The last topic published and its wire field (length prefix and bytes): devices publish to a few topics over and over. */
let lastTopic: string | null = null;
let lastTopicField = "";

/** A topic's wire field (checked as topicWire), kept as the last one; or its code. */
function topicField(topic: string): string | number {
  const t = topicWire(topic);
  if (typeof t === "number") return t;
  lastTopic = topic;
  lastTopicField = field(t);
  return lastTopicField;
}

/** Why a PUBLISH's QoS, packet id or DUP flag is refused: E_INVALID_QOS or E_INVALID_ARGUMENT (id not 1..65535 at QoS 1/2, DUP at QoS 0 [MQTT-3.3.1-2]). */
function publishFlagsError(qos: number, dup: boolean, id: number): number {
  if (qos !== 0 && qos !== 1 && qos !== 2) return E_INVALID_QOS;
  return (qos > 0 ? validId(id) : !dup) ? 0 : E_INVALID_ARGUMENT;
}

/**
 * PUBLISH (section 3.3) as a String. Fails with E_INVALID_TOPIC,
 * E_INVALID_QOS, E_INVALID_ARGUMENT (packet id not 1..65535 at QoS 1/2, DUP
 * at QoS 0 [MQTT-3.3.1-2]), E_FIELD_TOO_LONG. The common case (a text
 * payload on an 8-bit interpreter, the last topic again, a remaining length
 * under 16,384, flags a client gives) is this function alone; a new topic is
 * checkedPublishPacket's, and the rest fullPublishPacket's, which does every
 * check.
 */
export function publishPacket(
  _tx: Uint8Array | null,
  topic: string,
  payload: Payload,
  qos: number,
  retain: boolean,
  dup: boolean,
  id: number,
): string | number {
  const n = topic === lastTopic && typeof payload === "string" && STRINGS_ARE_BYTES ? lastTopicField.length + payload.length + (qos ? 2 : 0) : 0x4000;
  if (n > 0x3fff || (qos === 0 ? dup : (qos !== 1 && qos !== 2) || !(id > 0 && id <= C.MAX_PACKET_ID)))
    return checkedPublishPacket(topic, payload, qos, retain, dup, id);
  const first = (C.PUBLISH << 4) | (dup ? 8 : 0) | (qos << 1) | (retain ? 1 : 0);
  return (
    (n < 0x80 ? String.fromCharCode(first, n) : String.fromCharCode(first, (n & 0x7f) | 0x80, n >> 7)) +
    lastTopicField +
    (qos ? String.fromCharCode(id >> 8, id & 0xff) : "") +
    payload
  );
}

/**
 * publishPacket() for a topic other than the last one: when the payload is
 * text on an 8-bit interpreter, the topic valid and the packet under 16,384
 * bytes, the topic becomes the last one here and the common case makes the
 * packet; anything else is fullPublishPacket's. Devices publish to a few
 * topics in turn (telemetry, states, diag): this runs at most of their
 * publishes, so it calls no function that is made at each call.
 */
function checkedPublishPacket(topic: string, payload: Payload, qos: number, retain: boolean, dup: boolean, id: number): string | number {
  if (
    typeof payload !== "string" ||
    !STRINGS_ARE_BYTES ||
    checkTopicName(topic) < 0 ||
    topic.length + payload.length + 4 > 0x3fff ||
    (qos === 0 ? dup : (qos !== 1 && qos !== 2) || !(id > 0 && id <= C.MAX_PACKET_ID))
  )
    return fullPublishPacket(topic, payload, qos, retain, dup, id);
  lastTopic = topic;
  lastTopicField = String.fromCharCode(topic.length >> 8, topic.length & 0xff) + topic;
  return publishPacket(null, topic, payload, qos, retain, dup, id);
}

/** publishPacket() with every check: a Uint8Array or Unicode payload, a long packet, bad flags, a bad topic. */
function fullPublishPacket(topic: string, payload: Payload, qos: number, retain: boolean, dup: boolean, id: number): string | number {
  const bad = publishFlagsError(qos, dup, id);
  const t = topicField(topic);
  if (bad !== 0 || typeof t === "number") return bad || (t as number);
  const p = typeof payload === "string" ? toWire(payload) : (E.toString(payload) as string);
  const remaining = t.length + (qos > 0 ? 2 : 0) + p.length;
  if (remaining > C.MAX_REMAINING_LENGTH) return E_FIELD_TOO_LONG;
  return (
    fixedHeader((C.PUBLISH << 4) | (dup ? 8 : 0) | (qos << 1) | (retain ? 1 : 0), remaining) + t + (qos > 0 ? String.fromCharCode(id >> 8, id & 0xff) : "") + p
  );
}

/** PUBACK, PUBREC, PUBREL or PUBCOMP (sections 3.4-3.7) as a String; E_INVALID_ARGUMENT for another type or a bad id. */
export function ackPacket(_tx: Uint8Array | null, type: number, id: number): string | number {
  if ((type !== C.PUBACK && type !== C.PUBREC && type !== C.PUBREL && type !== C.PUBCOMP) || !validId(id)) return E_INVALID_ARGUMENT;
  return String.fromCharCode((type << 4) | (type === C.PUBREL ? 2 : 0), 2, id >> 8, id & 0xff);
}

/**
 * SUBSCRIBE for one filter at `qos`, or with `qos` -1 an UNSUBSCRIBE
 * (sections 3.8, 3.10), as a String. Fails with E_INVALID_ARGUMENT (bad id),
 * E_INVALID_TOPIC, E_INVALID_QOS, E_FIELD_TOO_LONG.
 */
export function subscriptionPacket(_tx: Uint8Array | null, id: number, filter: string, qos: number): string | number {
  if (!validId(id)) return E_INVALID_ARGUMENT;
  if (checkTopic(filter, true) < 0) return E_INVALID_TOPIC;
  if (qos !== -1 && qos !== 0 && qos !== 1 && qos !== 2) return E_INVALID_QOS;
  const f = toWire(filter);
  if (f.length > C.MAX_STRING_BYTES) return E_FIELD_TOO_LONG;
  const body = String.fromCharCode(id >> 8, id & 0xff) + field(f) + (qos < 0 ? "" : String.fromCharCode(qos));
  return fixedHeader(((qos < 0 ? C.UNSUBSCRIBE : C.SUBSCRIBE) << 4) | 2, body.length) + body;
}

/** A packet that is its fixed header alone (PINGREQ, DISCONNECT). Never fails. */
export function barePacket(_tx: Uint8Array | null, type: number): string {
  return String.fromCharCode(type << 4, 0);
}

/**
 * Decodes a PUBLISH at text[start, start + length) whose fixed header takes
 * `header` bytes (see decodeReceived).
 */
function decodePublish(p: ReceivedPacket, text: string, start: number, length: number, header: number): number {
  const first = text.charCodeAt(start);
  const qos = (first >> 1) & 3;
  if (qos === 3) return E_INVALID_QOS;
  const i = start + header;
  const remaining = length - header;
  p.qos = qos;
  p.dup = (first & 8) !== 0;
  p.retain = (first & 1) !== 0;
  const topicLength = remaining < 2 ? 0 : (text.charCodeAt(i) << 8) | text.charCodeAt(i + 1);
  const idLength = qos > 0 ? 2 : 0;
  if (remaining < 2 + idLength || topicLength > remaining - 2 - idLength) return E_MALFORMED;
  p.topicStart = i + 2;
  p.topicLength = topicLength;
  // No wildcard in a topic name [MQTT-3.3.2-2]; "#" and "+" never occur inside a multi-byte UTF-8 sequence.
  const topic = text.substr(i + 2, topicLength);
  if (topicLength === 0 || topic.indexOf("#") >= 0 || topic.indexOf("+") >= 0) return E_INVALID_TOPIC;
  const at = i + 2 + topicLength;
  p.packetId = qos > 0 ? (text.charCodeAt(at) << 8) | text.charCodeAt(at + 1) : 0;
  if (qos > 0 && p.packetId === 0) return E_MALFORMED;
  p.payloadStart = at + idLength;
  p.payloadLength = start + length - p.payloadStart;
  return 0;
}

/**
 * Decodes a packet a client receives (CONNACK, PUBLISH, the acks, SUBACK,
 * UNSUBACK, PINGRESP) that the framer found whole at text[start, start +
 * length) into `p` (the fields the client reads), with offsets into `text`. A SUBACK's return code is
 * p.returnCode. Returns 0, E_SUBACK_FAILURE (a refused filter, still decoded),
 * or E_UNEXPECTED_TYPE / E_RESERVED_FLAGS / E_MALFORMED / E_INVALID_QOS /
 * E_INVALID_TOPIC.
 */
export function decodeReceived(p: ReceivedPacket, data: string | Uint8Array, start: number, length: number): number {
  const text = data as string;
  const first = text.charCodeAt(start);
  const type = first >> 4;
  p.type = type;
  // PUBACK, PUBREC, PUBCOMP well formed: what a publishing device gets most, decoded here alone.
  if (length === 4 && (first === C.PUBACK << 4 || first === C.PUBREC << 4 || first === C.PUBCOMP << 4) && text.charCodeAt(start + 1) === 2) {
    p.packetId = (text.charCodeAt(start + 2) << 8) | text.charCodeAt(start + 3);
    return p.packetId === 0 ? E_MALFORMED : 0;
  }
  let header = 2;
  while (text.charCodeAt(start + header - 1) & 0x80) header++;
  if (type === C.PUBLISH) return decodePublish(p, text, start, length, header);
  return decodeAck(p, first & 0x0f, text, start + header, length - header);
}

/** The rest of decodeReceived: a packet other than PUBLISH, with the low nibble `flags`, whose body of `remaining` bytes starts at text[i]. */
function decodeAck(p: ReceivedPacket, flags: number, text: string, i: number, remaining: number): number {
  const type = p.type;
  if (type === C.PINGRESP) return flags !== 0 ? E_RESERVED_FLAGS : remaining !== 0 ? E_MALFORMED : 0;
  if (type !== C.CONNACK && type !== C.PUBACK && type !== C.PUBREC && type !== C.PUBREL && type !== C.PUBCOMP && type !== C.SUBACK && type !== C.UNSUBACK)
    return E_UNEXPECTED_TYPE;
  if (flags !== (type === C.PUBREL ? 2 : 0)) return E_RESERVED_FLAGS;
  if (type === C.SUBACK ? remaining !== 3 : remaining !== 2) return E_MALFORMED;
  const a = text.charCodeAt(i);
  const b = text.charCodeAt(i + 1);
  if (type === C.CONNACK) {
    if ((a & 0xfe) !== 0 || b > 5 || (b !== 0 && a !== 0)) return E_MALFORMED;
    p.sessionPresent = a === 1;
    p.returnCode = b;
    return 0;
  }
  p.packetId = (a << 8) | b;
  if (p.packetId === 0) return E_MALFORMED;
  if (type !== C.SUBACK) return 0;
  // One filter per SUBSCRIBE (the client's rule), so one return code.
  const code = text.charCodeAt(i + 2);
  p.returnCode = code;
  return code === C.SUBACK_FAILURE ? E_SUBACK_FAILURE : code > 2 ? E_MALFORMED : 0;
}

/** A checksum of text[start, end) for the inbound QoS 2 resend rule (Espruino's native CRC-32). Never fails. */
export function receivedHash(data: string | Uint8Array, start: number, end: number): number {
  return E.CRC32((data as string).substr(start, end - start)) | 0;
}
