/**
 * The byte layer on Node (tests, simulator, fleets): the zero-allocation codec
 * of firmware/mqtt into the client's preallocated transmit buffer, and a
 * framer that hands over each packet as offsets into its own buffer. Only a
 * PUBLISH larger than the transmit buffer gets a buffer of its own. The
 * Espruino bundles use text.ts instead, which exports the same functions.
 */
import { E_BUFFER_TOO_SHORT } from "../../base/errors";
import { decodePacket } from "../mqtt/decode";
import { encodeAck, encodeConnect, encodePublish, encodeSubscription, payloadByteLength, type ConnectFields, type Payload } from "../mqtt/encode";
import { createFramer as createByteFramer, framerPush, framerReset, type FrameSink, type Framer as ByteFramer } from "../mqtt/framer";
import * as C from "../mqtt/constants";
import { createPacket, type Packet, type ReceivedPacket } from "../mqtt/packet";
import { readText } from "../mqtt/utf8";
import { checkTopic } from "../mqtt/topic-check";

/** A packet ready to write: its length in tx, a buffer of its own, or a negative code. */
export type OutPacket = string | number | Uint8Array;
/** What the framer hands the engine: its buffer. */
export type Received = string | Uint8Array;
export type Framer = ByteFramer;

/** The record decodeReceived fills: the codec's whole Packet (made by createPacket). Never fails. */
export function createReceived(): ReceivedPacket {
  return createPacket();
}

/** The transmit buffer packets are encoded into. Never fails. */
export function createTx(size: number): Uint8Array | null {
  return new Uint8Array(size);
}

/** CONNECT into tx; a negative code as encodeConnect. */
export function connectPacket(tx: Uint8Array | null, f: ConnectFields): OutPacket {
  return encodeConnect(tx as Uint8Array, 0, f);
}

/** PUBLISH into tx, or into a buffer of its own when larger; a negative code as encodePublish. */
export function publishPacket(tx: Uint8Array | null, topic: string, payload: Payload, qos: number, retain: boolean, dup: boolean, id: number): OutPacket {
  const n = encodePublish(tx as Uint8Array, 0, topic, payload, qos, retain, dup, id);
  if (n !== E_BUFFER_TOO_SHORT) return n;
  // Header (at most 5 + 2 + topic + 2 bytes) and payload in one exact buffer.
  const len = payloadByteLength(payload);
  if (len < 0) return len;
  const own = new Uint8Array(9 + 3 * topic.length + len);
  const m = encodePublish(own, 0, topic, payload, qos, retain, dup, id);
  return m < 0 ? m : own.subarray(0, m);
}

/** PUBACK, PUBREC, PUBREL or PUBCOMP into tx; a negative code as encodeAck. */
export function ackPacket(tx: Uint8Array | null, type: number, id: number): OutPacket {
  return encodeAck(tx as Uint8Array, 0, type, id);
}

/** SUBSCRIBE for one filter, or UNSUBSCRIBE with qos -1, into tx; a negative code as encodeSubscription. */
export function subscriptionPacket(tx: Uint8Array | null, id: number, filter: string, qos: number): OutPacket {
  return encodeSubscription(tx as Uint8Array, 0, id, [filter], qos < 0 ? null : [qos], 1);
}

/** PINGREQ or DISCONNECT into tx. Never fails (tx holds at least 2 bytes). */
export function barePacket(tx: Uint8Array | null, type: number): OutPacket {
  (tx as Uint8Array)[0] = type << 4;
  (tx as Uint8Array)[1] = 0;
  return 2;
}

/** A framer whose buffer holds `maxPacketSize` bytes. Never fails. */
export function createFramer(maxPacketSize: number, sink: FrameSink): Framer {
  return createByteFramer(maxPacketSize, sink);
}

/** Feeds a received chunk; 0 or the framing code (see firmware/mqtt/framer.ts). */
export function pushReceived(f: Framer, chunk: Uint8Array | string): number {
  return framerPush(f, chunk);
}

/** Forgets a partial packet. Never fails. */
export function resetReceived(f: Framer): void {
  framerReset(f);
}

/** Decodes a packet the framer handed over; a SUBACK's first return code is p.returnCode. Codes as decodePacket. */
export function decodeReceived(received: ReceivedPacket, data: Received, start: number, length: number): number {
  const buf = data as Uint8Array;
  const p = received as Packet;
  const r = decodePacket(p, buf, start, length);
  if (p.type === C.SUBACK && (r === 0 || r < 0)) p.returnCode = buf[p.codesStart];
  return r;
}

/** A received topic as text (UTF-8). Never fails. */
export function receivedText(data: Received, start: number, length: number): string {
  return readText(data as Uint8Array, start, length);
}

/** A received payload: a copy of its bytes. Never fails. */
export function receivedPayload(data: Received, start: number, length: number): Payload {
  return (data as Uint8Array).slice(start, start + length);
}

/** A hash of received bytes [start, end), for the inbound QoS 2 resend rule. Never fails. */
export function receivedHash(data: Received, start: number, end: number): number {
  const buf = data as Uint8Array;
  let hash = 0;
  for (let i = start; i < end; i++) hash = ((hash << 5) - hash + buf[i]) | 0;
  return hash;
}

/** A message's payload as text (UTF-8 decoded). Never fails. */
export function payloadText(payload: Payload): string {
  return typeof payload === "string" ? payload : readText(payload, 0, payload.length);
}

/** A message's payload as its bytes, one char code each (0-255). Never fails. */
export function payloadBytes(payload: Payload): string {
  if (typeof payload === "string") return payload;
  let out = "";
  for (let i = 0; i < payload.length; i += 4096) out += String.fromCharCode.apply(null, payload.subarray(i, i + 4096) as unknown as number[]);
  return out;
}

/** A topic name's wire length, or E_INVALID_TOPIC / E_INVALID_UTF8 (see checkTopic). */
export function checkTopicName(topic: string): number {
  return checkTopic(topic, false);
}
