/**
 * Random and mutated MQTT frames for fuzzing, from a seeded generator: a
 * mutated test vector most of the time (a byte replaced or bit-flipped, cut
 * short, grown with random bytes, a new remaining length, new flags), random
 * bytes otherwise. Shared by the codec fuzz test and `npm run fuzz`.
 */
import { strict as assert } from "node:assert";
import * as C from "../../firmware/mqtt/constants";
import type { createPacket } from "../../firmware/mqtt/packet";
import { framerPush, framerReset, type Framer } from "../../firmware/mqtt/framer";
import { VECTORS } from "./vectors";

const SMALL = VECTORS.filter((v) => v.bytes.length < 400).map((v) => Uint8Array.from(v.bytes));

/** One frame drawn with `random`. */
export function makeFrame(random: () => number): Uint8Array {
  const pick = (n: number) => Math.floor(random() * n);
  if (random() < 0.2) {
    const out = new Uint8Array(pick(48));
    for (let i = 0; i < out.length; i++) out[i] = pick(256);
    if (out.length > 0 && random() < 0.7) out[0] = ((1 + pick(14)) << 4) | (random() < 0.8 ? 0 : pick(16));
    return out;
  }
  let bytes = SMALL[pick(SMALL.length)].slice();
  const mutations = 1 + pick(3);
  for (let m = 0; m < mutations; m++) {
    const kind = pick(6);
    if (kind === 0 && bytes.length > 0) bytes[pick(bytes.length)] = pick(256);
    else if (kind === 1 && bytes.length > 0) bytes[pick(bytes.length)] ^= 1 << pick(8);
    else if (kind === 2) bytes = bytes.slice(0, pick(bytes.length + 1));
    else if (kind === 3) {
      const grown = new Uint8Array(bytes.length + 1 + pick(8));
      grown.set(bytes);
      for (let i = bytes.length; i < grown.length; i++) grown[i] = pick(256);
      bytes = grown;
    } else if (kind === 4 && bytes.length > 1)
      bytes[1] = pick(256); // remaining length
    else if (kind === 5 && bytes.length > 0) bytes[0] = (bytes[0] & 0xf0) | pick(16); // flags
  }
  return bytes;
}

/** Throws (an AssertionError) unless a decode gave an integer code and, on success, offsets inside the packet. */
export function checkDecode(p: ReturnType<typeof createPacket>, code: number, start: number, end: number): void {
  assert.ok(Number.isInteger(code) && code <= 0, `code ${code}`);
  if (code !== 0) return;
  assert.ok(p.bodyStart > start && p.bodyStart <= end);
  if (p.type === C.PUBLISH) {
    assert.ok(p.topicStart >= p.bodyStart && p.topicStart + p.topicLength <= end);
    assert.equal(p.payloadStart + p.payloadLength, end);
  }
  if (p.type === C.SUBACK) assert.equal(p.codesStart + p.codesCount, end);
}

/**
 * Pushes `bytes` through the framer in random chunks of 1 to 40 bytes, as
 * Uint8Array or as an 8-bit String at random; a framer that fails is reset
 * (a new connection) and the rest goes on. Throws only what the framer throws.
 */
export function pushInChunks(framer: Framer, bytes: Uint8Array, random: () => number): void {
  let at = 0;
  while (at < bytes.length) {
    const size = 1 + Math.floor(random() * 40);
    const chunk = bytes.subarray(at, at + size);
    if (framerPush(framer, random() < 0.5 ? chunk : String.fromCharCode(...chunk)) < 0) framerReset(framer);
    at += size;
  }
}
