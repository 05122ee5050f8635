/**
 * One fuzz run: every frame goes (1) to decodePacket inside a guard that
 * throws on a read outside the frame, (2) through a framer in random chunks
 * (Uint8Array or 8-bit String), and (3) to a fabmqtt client as if from the
 * broker. Counts exceptions (must be 0), hangs (a frame whose three steps
 * took longer than the bound) and the heap before and after.
 */
import { decodePacket } from "../../firmware/mqtt/decode";
import { createFramer, framerPush, framerReset } from "../../firmware/mqtt/framer";
import { createPacket } from "../../firmware/mqtt/packet";
import { checkDecode, makeFrame, pushInChunks } from "../support/fuzz-frames";
import { guardedBytes } from "../support/guarded";
import { heapAfterGc } from "../support/heap";
import { createRandom } from "../support/prng";
import { createClientTarget } from "./client-target";

export interface FuzzOptions {
  frames: number;
  seed: number;
  /** A frame whose three steps take longer than this is a hang, ms. */
  hangMs: number;
  /** Progress every this many frames (0: none). */
  progressEvery: number;
}

export interface FuzzFailure {
  frame: number;
  stage: "decode" | "framer" | "client";
  message: string;
  /** The frame's bytes in hex. */
  hex: string;
}

export interface FuzzResult {
  options: FuzzOptions;
  durationMs: number;
  framesPerSecond: number;
  exceptions: { decode: number; framer: number; client: number };
  /** The first few exceptions, to replay. */
  failures: FuzzFailure[];
  hangs: number;
  /** The slowest frame, ms. */
  slowestMs: number;
  /** decodePacket results: 0 = decoded, negative = the error code. */
  decodeCodes: Record<string, number>;
  framerPackets: number;
  client: { connections: number; delivered: number; disconnectCodes: Record<string, number>; errorCodes: Record<string, number> };
  heapBefore: number;
  heapAfter: number;
  heapAfterGc: boolean;
  passed: boolean;
}

function heapUsed(): number {
  return heapAfterGc().bytes;
}

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const record = (m: Map<number, number>) => Object.fromEntries([...m].sort((a, b) => b[1] - a[1]).map(([k, v]) => [String(k), v]));

/** Heap growth above this over a run fails it: state that grows with the frames would show. */
export const HEAP_GROWTH_LIMIT = 8 * 1048576;

/** Runs the fuzzer; resolves with its figures (exceptions are counted, never thrown). */
export function runFuzz(o: FuzzOptions, progress: (line: string) => void): FuzzResult {
  const random = createRandom(o.seed);
  const p = createPacket();
  const decodeCodes = new Map<number, number>();
  const exceptions = { decode: 0, framer: 0, client: 0 };
  const failures: FuzzFailure[] = [];
  let framerPackets = 0;
  const framer = createFramer(256, {
    onPacket: (buf, start, length, total) => {
      if (length < total) {
        decodePacket(p, buf, start, length);
        return;
      }
      framerPackets++;
      checkDecode(p, decodePacket(p, buf, start, length), start, start + length);
    },
  });
  const target = createClientTarget(random);
  const fail = (frame: number, stage: FuzzFailure["stage"], e: unknown, bytes: Uint8Array) => {
    exceptions[stage]++;
    if (failures.length < 10) failures.push({ frame, stage, message: (e as Error)?.message ?? String(e), hex: hex(bytes) });
  };
  // Warm up before the first heap figure, so that lazily made state is not counted as growth.
  for (let i = 0; i < 2000; i++) target.feed(makeFrame(random), undefined, random() < 0.9);
  const heapBefore = heapUsed();
  let hangs = 0;
  let slowestMs = 0;
  const t0 = performance.now();
  for (let frame = 0; frame < o.frames; frame++) {
    const bytes = makeFrame(random);
    const started = performance.now();
    // 1. The decoders, guarded: a read outside the frame throws.
    const offset = Math.floor(random() * 4);
    const host = new Uint8Array(offset + bytes.length + 4).fill(0xff);
    host.set(bytes, offset);
    try {
      const code = decodePacket(p, guardedBytes(host, offset, offset + bytes.length), offset, bytes.length);
      checkDecode(p, code, offset, offset + bytes.length);
      decodeCodes.set(code, (decodeCodes.get(code) || 0) + 1);
    } catch (e) {
      fail(frame, "decode", e, bytes);
    }
    // 2. The framer, in random chunks; a new stream most of the time (a mutated length swallows what follows).
    try {
      if (random() < 0.9) framerReset(framer);
      pushInChunks(framer, bytes, random);
    } catch (e) {
      fail(frame, "framer", e, bytes);
    }
    // 3. The client, as if the broker sent it, whole or split.
    try {
      target.feed(bytes, random() < 0.5 ? undefined : [1 + Math.floor(random() * 8)], random() < 0.9);
    } catch (e) {
      fail(frame, "client", e, bytes);
    }
    const took = performance.now() - started;
    if (took > slowestMs) slowestMs = took;
    if (took > o.hangMs) hangs++;
    if (o.progressEvery > 0 && (frame + 1) % o.progressEvery === 0) {
      progress(
        `fuzz: ${frame + 1} frames, ${Math.round((frame + 1) / ((performance.now() - t0) / 1000))} frames/s, ${exceptions.decode + exceptions.framer + exceptions.client} exceptions`,
      );
    }
  }
  const durationMs = performance.now() - t0;
  const heapAfter = heapUsed();
  const result: FuzzResult = {
    options: o,
    durationMs,
    framesPerSecond: o.frames / (durationMs / 1000),
    exceptions,
    failures,
    hangs,
    slowestMs,
    decodeCodes: record(decodeCodes),
    framerPackets,
    client: {
      connections: target.connections(),
      delivered: target.delivered,
      disconnectCodes: record(target.disconnectCodes),
      errorCodes: record(target.errorCodes),
    },
    heapBefore,
    heapAfter,
    heapAfterGc: heapAfterGc().collected,
    passed: false,
  };
  result.passed = exceptions.decode + exceptions.framer + exceptions.client === 0 && hangs === 0 && heapAfter - heapBefore < HEAP_GROWTH_LIMIT;
  return result;
}
