/**
 * The byte layer on Espruino: packets are 8-bit Strings both ways. The
 * device, library and core bundles use this module in place of bytes.ts
 * (rollup.config.js maps firmware/wire/index.ts here); both export the same
 * functions, which the protocol engine (firmware/session/client.ts) calls
 * without knowing which target it runs on. The functions are the codec's
 * and the framer's own (re-exported, no wrappers: each function costs
 * variables on the board). No transmit buffer exists here: createTx() gives
 * null and the encoders ignore it.
 */
import type { Payload } from "../mqtt/encode";
import type { ReceivedPacket } from "../mqtt/packet";
import { fromWire } from "./text-codec";

declare const E: { toString(data: Uint8Array): string | undefined };

export { connectPacket, publishPacket, ackPacket, subscriptionPacket, barePacket, decodeReceived, receivedHash, checkTopicName } from "./text-codec";
export { createFramer, framerPush as pushReceived, framerReset as resetReceived, type TextFramer as Framer } from "./text-framer";

/** A packet ready to write: here a String, or a negative code. */
export type OutPacket = string | number | Uint8Array;
/** What the framer hands the engine: the received String holding the packet. */
export type Received = string | Uint8Array;

/** The record decodeReceived fills: only the fields the client reads. Never fails. */
export function createReceived(): ReceivedPacket {
  return {
    type: 0,
    sessionPresent: false,
    returnCode: 0,
    qos: 0,
    retain: false,
    dup: false,
    packetId: 0,
    topicStart: 0,
    topicLength: 0,
    payloadStart: 0,
    payloadLength: 0,
  };
}

/** No transmit buffer on this target: null. */
export function createTx(_size: number): Uint8Array | null {
  return null;
}

/** A received topic as text. Never fails. */
export function receivedText(data: Received, start: number, length: number): string {
  return fromWire((data as string).substr(start, length));
}

/** A received payload: its bytes as a String. Never fails. */
export function receivedPayload(data: Received, start: number, length: number): Payload {
  return (data as string).substr(start, length);
}

/** A message's payload as text (UTF-8 decoded where strings are Unicode). Never fails. */
export function payloadText(payload: Payload): string {
  return fromWire(typeof payload === "string" ? payload : (E.toString(payload) as string));
}

/** A message's payload as its bytes, one char code each (0-255): the String it is. Never fails. */
export function payloadBytes(payload: Payload): string {
  return typeof payload === "string" ? payload : (E.toString(payload) as string);
}
