import type { Packet } from "./packet";
import { readText, textByteLength } from "./utf8";

/**
 * Hands a decoded PUBLISH's topic and payload to the application. These are the
 * only codec functions that allocate: the string (or the copy) they return is
 * the application's own. The buffer must be the one that was decoded, still
 * unchanged (inside the framer's onPacket callback).
 */

/** The topic of a decoded PUBLISH as a string (see utf8.ts for 8-bit interpreters). Never fails. */
export function publishTopic(p: Packet, buf: Uint8Array): string {
  return readText(buf, p.topicStart, p.topicLength);
}

/** The payload of a decoded PUBLISH as text. Never fails; ill-formed UTF-8 becomes U+FFFD. */
export function publishPayloadText(p: Packet, buf: Uint8Array): string {
  return readText(buf, p.payloadStart, p.payloadLength);
}

/** A copy of the payload's bytes. Never fails. */
export function publishPayloadBytes(p: Packet, buf: Uint8Array): Uint8Array {
  const out = new Uint8Array(p.payloadLength);
  for (let i = 0; i < p.payloadLength; i++) out[i] = buf[p.payloadStart + i];
  return out;
}

/**
 * Compares the topic of a decoded PUBLISH with a topic string without building
 * a string (the string is encoded as topics are in utf8.ts). True when equal.
 */
export function publishTopicIs(p: Packet, buf: Uint8Array, topic: string): boolean {
  const n = p.topicLength;
  if (textByteLength(topic) !== n) return false;
  // Byte by byte while ASCII; anything else goes through the decoder.
  for (let i = 0; i < n; i++) {
    const c = topic.charCodeAt(i);
    if (c >= 0x80) return publishTopic(p, buf) === topic;
    if (buf[p.topicStart + i] !== c) return false;
  }
  return true;
}

/** SUBACK return code number `i` (0, 1, 2 or 0x80), or -1 when there is no such code. */
export function subackCode(p: Packet, buf: Uint8Array, i: number): number {
  return i >= 0 && i < p.codesCount ? buf[p.codesStart + i] : -1;
}
