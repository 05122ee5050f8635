/**
 * Codec benchmark: fabmqtt against mqtt-packet (v9), in one Node process.
 *
 *   npm run bench:codec              Markdown report
 *   npm run bench:codec -- --json    the same, then one JSON object on the last line
 *
 * Prints figures; it is not a test, except that it refuses to time anything
 * before checking that both codecs produce the same bytes and fields for every
 * benchmarked packet (exit code 1 if not), and that no timed loop saw an error.
 *
 * Two forms of the same codec source are timed side by side:
 * - "bundled": firmware/mqtt/index.ts bundled in memory with esbuild (tsx's own
 *   dependency) into one scope, as rollup ships it to the boards. This is the
 *   codec's real speed, and the form the targets are judged on.
 * - "tsx": the same import as any host code, through tsx's per-file CommonJS
 *   transform. Every cross-module reference inside the codec (constants.ts,
 *   errors.ts, utf8.ts, topic-check.ts, encode.ts -> ...) then goes through an
 *   esbuild re-export getter (`get: () => from[key]`, one shared closure whose
 *   keyed load turns megamorphic), which costs far more than the codec's own
 *   work on small packets. It is shown because it is what `tsx` gives, not
 *   because the firmware ever runs that way.
 *
 * Method. Each case is a loop function built once (its buffer, record, inputs,
 * parser and callbacks are created before the loop). It is warmed up by
 * doubling the iteration count until one call takes WARM_MS, sized so that a
 * round takes about ROUND_MS, then timed for ROUNDS rounds with
 * process.hrtime.bigint(); the figure is the median round. Garbage collections
 * are counted with a PerformanceObserver on 'gc' entries whose start falls
 * inside the timed loop (entries are delivered asynchronously, so the count is
 * read after yielding to the event loop).
 *
 * What is compared:
 * - PUBLISH encode+decode. fabmqtt "direct": encodePublish into a preallocated
 *   buffer, decodePacket on that buffer (offsets only, no string built).
 *   "framer": the same bytes pushed through framerPush (a view made once before
 *   the loop), decoded in onPacket. "+ hand-over": direct, plus publishTopic and
 *   publishPayloadBytes each cycle (the allocating hand-over to the
 *   application). mqtt-packet: generate() then parse() on one long-lived parser,
 *   which itself builds the topic string and a payload Buffer.
 * - CONNECT: encode only, on both sides. fabmqtt is a client codec and has no
 *   CONNECT decoder; the sanity check uses mqtt-packet's parser on fabmqtt's
 *   bytes instead.
 * - CONNACK: decode only (a client never encodes it).
 * - PUBACK, PUBREC, PUBREL, PUBCOMP: encode+decode, as for PUBLISH.
 */
import * as os from "node:os";
import * as path from "node:path";
import { PerformanceObserver, constants as perfConstants, performance } from "node:perf_hooks";
import { buildSync } from "esbuild";
import mqtt from "mqtt-packet";
import * as fabTsx from "../firmware/mqtt/index";
import { CONNACK, PUBACK, PUBCOMP, PUBLISH, PUBREC, PUBREL, type ConnectFields } from "../firmware/mqtt/index";
import { createRequire } from "node:module";

/** The codec's exports, whichever form they were loaded in. */
type Codec = typeof fabTsx;

/**
 * The same codec source bundled into one scope (no module boundary inside it),
 * evaluated in this process. Its exports object has getters too, but the loops
 * below read every function out of it once, before timing.
 */
function loadBundledCodec(): Codec {
  const entry = path.join(import.meta.dirname, "..", "firmware", "mqtt", "index.ts");
  const built = buildSync({ entryPoints: [entry], bundle: true, format: "cjs", platform: "neutral", target: "es2022", write: false });
  const mod: { exports: Record<string, unknown> } = { exports: {} };
  new Function("module", "exports", built.outputFiles[0].text)(mod, mod.exports);
  return mod.exports as unknown as Codec;
}

interface Variant {
  key: "bundled" | "tsx";
  label: string;
  k: Codec;
}

// ---------------------------------------------------------------------------
// Settings

const JSON_OUT = process.argv.includes("--json");
const ROUNDS = 7;
const ROUND_MS = 40;
const WARM_MS = 30;
const GC_CYCLES = 1_000_000;
const GC_WARM_CYCLES = 200_000;
/** Cycles of the short runs that estimate on-heap bytes allocated per cycle. */
const ALLOC_PROBE_CYCLES = 10_000;

const TARGET_PUBLISH_RATIO = 20;
const TARGET_GC_PER_MILLION = 1;

/** One buffer size for every fabmqtt loop: large enough for every packet here. */
const BUF_SIZE = 2048;

// ---------------------------------------------------------------------------
// Inputs, all made before anything is timed

const TOPIC = "fab/dev42/temp/a";
if (TOPIC.length !== 16) throw new Error("the topic must be 16 bytes");

/** Deterministic binary bytes, every value 0x00-0xFF present for n >= 256. */
function binary(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out[i] = i < 256 && n >= 256 ? (i * 167) & 0xff : x >>> 24;
  }
  return out;
}

/** A plain Uint8Array copy (never hand a Buffer to fabmqtt: another map, polymorphic code). */
function plain(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length);
  out.set(bytes);
  return out;
}

interface PublishCase {
  name: string;
  qos: 0 | 1;
  packetId: number;
  /** fabmqtt's input: a plain Uint8Array. */
  payload: Uint8Array;
  /** mqtt-packet's input: a Buffer holding the same bytes. */
  payloadBuffer: Buffer;
}

function publishCase(qos: 0 | 1, size: number): PublishCase {
  const payload = binary(size, 0x5eed + size);
  return {
    name: `PUBLISH QoS ${qos}, 16 B topic, ${size.toLocaleString("en-US")} B payload`,
    qos,
    packetId: qos > 0 ? 4242 : 0,
    payload,
    payloadBuffer: Buffer.from(payload),
  };
}

const PUBLISH_CASES: PublishCase[] = [publishCase(0, 32), publishCase(1, 32), publishCase(0, 1024), publishCase(1, 1024)];
/** The case of the GC measurement: QoS 1, 16-byte topic, 32-byte payload. */
const GC_CASE = PUBLISH_CASES[1];

function mqttPublishPacket(c: PublishCase): mqtt.IPublishPacket {
  const pkt: mqtt.IPublishPacket = { cmd: "publish", topic: TOPIC, payload: c.payloadBuffer, qos: c.qos, dup: false, retain: false };
  if (c.qos > 0) pkt.messageId = c.packetId;
  return pkt;
}

const CONNECT_PASSWORD = binary(12, 77);
const CONNECT_WILL_PAYLOAD = binary(24, 78);
const CONNECT_FIELDS: ConnectFields = {
  clientId: "fabmqtt-bench-0001",
  cleanSession: true,
  keepalive: 60,
  username: "device-42",
  password: CONNECT_PASSWORD,
  willTopic: "fab/dev42/status",
  willPayload: CONNECT_WILL_PAYLOAD,
  willQos: 1,
  willRetain: true,
};
const MQTT_CONNECT: mqtt.IConnectPacket = {
  cmd: "connect",
  protocolId: "MQTT",
  protocolVersion: 4,
  clientId: "fabmqtt-bench-0001",
  clean: true,
  keepalive: 60,
  username: "device-42",
  password: Buffer.from(CONNECT_PASSWORD),
  will: { topic: "fab/dev42/status", payload: Buffer.from(CONNECT_WILL_PAYLOAD), qos: 1, retain: true },
};
const MQTT_CONNACK: mqtt.IConnackPacket = { cmd: "connack", returnCode: 0, sessionPresent: true };

interface AckCase {
  name: string;
  type: number;
  cmd: "puback" | "pubrec" | "pubrel" | "pubcomp";
  packetId: number;
}
const ACK_CASES: AckCase[] = [
  { name: "PUBACK", type: PUBACK, cmd: "puback", packetId: 4242 },
  { name: "PUBREC", type: PUBREC, cmd: "pubrec", packetId: 4242 },
  { name: "PUBREL", type: PUBREL, cmd: "pubrel", packetId: 4242 },
  { name: "PUBCOMP", type: PUBCOMP, cmd: "pubcomp", packetId: 4242 },
];

const MQTT_OPTS = { protocolVersion: 4 };

// ---------------------------------------------------------------------------
// Loop builders. Each returns run(n): the number of iterations that went wrong
// (an error code, a wrong field, a packet not delivered), 0 when all is well.

type Run = (n: number) => number;

/** Keeps what the hand-over produced reachable, so that nothing can be optimised away. */
const handed: { topic: string; payload: Uint8Array } = { topic: "", payload: new Uint8Array(0) };

function fabPublishDirect(k: Codec, c: PublishCase): Run {
  const { createPacket, decodePacket, encodePublish } = k;
  const buf = new Uint8Array(BUF_SIZE);
  const p = createPacket();
  const topic = TOPIC;
  const payload = c.payload;
  const qos = c.qos;
  const id = c.packetId;
  const size = payload.length;
  return function run(n: number): number {
    let bad = 0;
    for (let i = 0; i < n; i++) {
      const end = encodePublish(buf, 0, topic, payload, qos, false, false, id);
      const r = decodePacket(p, buf, 0, end);
      if (end < 0 || r !== 0 || p.payloadLength !== size || p.packetId !== id) bad++;
    }
    return bad;
  };
}

function fabPublishHandOver(k: Codec, c: PublishCase): Run {
  const { createPacket, decodePacket, encodePublish, publishPayloadBytes, publishTopic } = k;
  const buf = new Uint8Array(BUF_SIZE);
  const p = createPacket();
  const topic = TOPIC;
  const payload = c.payload;
  const qos = c.qos;
  const id = c.packetId;
  const size = payload.length;
  const out = handed;
  return function run(n: number): number {
    let bad = 0;
    for (let i = 0; i < n; i++) {
      const end = encodePublish(buf, 0, topic, payload, qos, false, false, id);
      const r = decodePacket(p, buf, 0, end);
      if (end < 0 || r !== 0) bad++;
      out.topic = publishTopic(p, buf);
      out.payload = publishPayloadBytes(p, buf);
      if (out.topic.length !== 16 || out.payload.length !== size) bad++;
    }
    return bad;
  };
}

/** Shared by the framer loops: what onPacket saw. */
interface FramerTally {
  delivered: number;
  bad: number;
}

function fabPublishFramer(k: Codec, c: PublishCase, wireLength: number): Run {
  const { createFramer, createPacket, decodePacket, encodePublish, framerPush } = k;
  const buf = new Uint8Array(BUF_SIZE);
  // The view is made once: framerPush reads wireLength bytes from the buffer
  // that encodePublish writes into.
  const view = buf.subarray(0, wireLength);
  const p = createPacket();
  const topic = TOPIC;
  const payload = c.payload;
  const qos = c.qos;
  const id = c.packetId;
  const size = payload.length;
  const tally: FramerTally = { delivered: 0, bad: 0 };
  const onPacket = (b: Uint8Array, start: number, length: number, total: number): void => {
    if (length < total) {
      tally.bad++;
      return;
    }
    const r = decodePacket(p, b, start, length);
    if (r !== 0 || p.payloadLength !== size || p.packetId !== id) tally.bad++;
    tally.delivered++;
  };
  const framer = createFramer(BUF_SIZE, { onPacket: onPacket });
  return function run(n: number): number {
    tally.delivered = 0;
    tally.bad = 0;
    let bad = 0;
    for (let i = 0; i < n; i++) {
      const end = encodePublish(buf, 0, topic, payload, qos, false, false, id);
      if (end !== wireLength) bad++;
      if (framerPush(framer, view) !== 0) bad++;
    }
    return bad + tally.bad + (tally.delivered === n ? 0 : 1);
  };
}

/** What the mqtt-packet parser's 'packet' listener saw. */
interface ParserTally {
  delivered: number;
  errors: number;
  last: mqtt.Packet | null;
}

function mqttParser(): { parser: mqtt.Parser; tally: ParserTally } {
  const parser = mqtt.parser(MQTT_OPTS);
  const tally: ParserTally = { delivered: 0, errors: 0, last: null };
  parser.on("packet", (pkt: mqtt.Packet) => {
    tally.last = pkt;
    tally.delivered++;
  });
  parser.on("error", () => {
    tally.errors++;
  });
  return { parser, tally };
}

function mqttGenerateParse(pkt: mqtt.Packet): Run {
  const { parser, tally } = mqttParser();
  const opts = MQTT_OPTS;
  return function run(n: number): number {
    tally.delivered = 0;
    tally.errors = 0;
    for (let i = 0; i < n; i++) parser.parse(mqtt.generate(pkt, opts));
    return tally.errors + (tally.delivered === n ? 0 : 1);
  };
}

function fabConnectEncode(k: Codec, expectedLength: number): Run {
  const { encodeConnect } = k;
  const buf = new Uint8Array(BUF_SIZE);
  const fields = CONNECT_FIELDS;
  return function run(n: number): number {
    let bad = 0;
    for (let i = 0; i < n; i++) if (encodeConnect(buf, 0, fields) !== expectedLength) bad++;
    return bad;
  };
}

function mqttConnectGenerate(expectedLength: number): Run {
  const pkt = MQTT_CONNECT;
  const opts = MQTT_OPTS;
  return function run(n: number): number {
    let bad = 0;
    for (let i = 0; i < n; i++) if (mqtt.generate(pkt, opts).length !== expectedLength) bad++;
    return bad;
  };
}

function fabConnackDecode(k: Codec, wire: Uint8Array): Run {
  const { createPacket, decodePacket } = k;
  const buf = plain(wire);
  const p = createPacket();
  const length = buf.length;
  return function run(n: number): number {
    let bad = 0;
    for (let i = 0; i < n; i++) {
      const r = decodePacket(p, buf, 0, length);
      if (r !== 0 || !p.sessionPresent) bad++;
    }
    return bad;
  };
}

function mqttConnackParse(wire: Buffer): Run {
  const { parser, tally } = mqttParser();
  return function run(n: number): number {
    tally.delivered = 0;
    tally.errors = 0;
    for (let i = 0; i < n; i++) parser.parse(wire);
    return tally.errors + (tally.delivered === n ? 0 : 1);
  };
}

function fabAck(k: Codec, c: AckCase): Run {
  const { createPacket, decodePacket, encodeAck } = k;
  const buf = new Uint8Array(BUF_SIZE);
  const p = createPacket();
  const type = c.type;
  const id = c.packetId;
  return function run(n: number): number {
    let bad = 0;
    for (let i = 0; i < n; i++) {
      const end = encodeAck(buf, 0, type, id);
      const r = decodePacket(p, buf, 0, end);
      if (end !== 4 || r !== 0 || p.packetId !== id) bad++;
    }
    return bad;
  };
}

// ---------------------------------------------------------------------------
// Sanity: both codecs agree on every benchmarked packet, before any timing

const sanityFailures: string[] = [];
let sanityChecks = 0;
/** The codec form being checked, for the failure messages. */
let sanityForm = "";

function check(ok: boolean, what: string): void {
  sanityChecks++;
  if (!ok) sanityFailures.push(`[${sanityForm}] ${what}`);
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString("hex");
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** mqtt-packet's parse of one buffer, on a fresh parser: the packets, or null on error. */
function oracleParse(bytes: Uint8Array): mqtt.Packet[] | null {
  const { parser, tally } = mqttParser();
  const out: mqtt.Packet[] = [];
  parser.on("packet", (pkt: mqtt.Packet) => out.push(pkt));
  parser.parse(Buffer.from(bytes));
  return tally.errors > 0 ? null : out;
}

function checkBytes(name: string, fab: Uint8Array, ref: Uint8Array): void {
  check(sameBytes(fab, ref), `${name}: fabmqtt bytes ${hex(fab)} differ from mqtt-packet's ${hex(ref)}`);
}

/** Encodes with fabmqtt; the bytes as a plain array (empty, and a failure noted, on an error code). */
function fabBytes(name: string, encode: (buf: Uint8Array) => number): Uint8Array {
  const buf = new Uint8Array(BUF_SIZE);
  const end = encode(buf);
  check(end > 0, `${name}: fabmqtt encoder returned ${end}`);
  return end > 0 ? buf.slice(0, end) : new Uint8Array(0);
}

function sanityPublish(k: Codec, c: PublishCase): number {
  const { createFramer, createPacket, decodePacket, encodePublish, framerPush, publishPayloadBytes, publishTopic } = k;
  const fab = fabBytes(c.name, (buf) => encodePublish(buf, 0, TOPIC, c.payload, c.qos, false, false, c.packetId));
  checkBytes(c.name, fab, mqtt.generate(mqttPublishPacket(c), MQTT_OPTS));

  // fabmqtt decodes its own bytes (which are mqtt-packet's) to the same fields.
  const p = createPacket();
  const r = decodePacket(p, fab, 0, fab.length);
  check(r === 0, `${c.name}: decodePacket returned ${r}`);
  check(p.type === PUBLISH && p.qos === c.qos && !p.retain && !p.dup, `${c.name}: decoded type/qos/retain/dup`);
  check(p.packetId === c.packetId, `${c.name}: decoded packet id ${p.packetId}`);
  check(publishTopic(p, fab) === TOPIC, `${c.name}: decoded topic`);
  check(sameBytes(publishPayloadBytes(p, fab), c.payload), `${c.name}: decoded payload`);

  // mqtt-packet decodes fabmqtt's bytes to the same fields.
  const parsed = oracleParse(fab);
  const q = parsed && parsed.length === 1 ? parsed[0] : null;
  check(
    q !== null &&
      q.cmd === "publish" &&
      q.topic === TOPIC &&
      q.qos === c.qos &&
      (c.qos === 0 || q.messageId === c.packetId) &&
      Buffer.isBuffer(q.payload) &&
      sameBytes(q.payload, c.payload),
    `${c.name}: mqtt-packet's parse of fabmqtt's bytes`,
  );

  // Through the framer, split in two chunks as well as whole.
  const fp = createPacket();
  let got = 0;
  const framer = createFramer(BUF_SIZE, {
    onPacket: (b: Uint8Array, s: number, l: number, total: number) => {
      check(l === total, `${c.name}: framer delivered an oversized packet`);
      const fr = decodePacket(fp, b, s, l);
      check(fr === 0 && fp.packetId === c.packetId && publishTopic(fp, b) === TOPIC, `${c.name}: framer delivery`);
      check(sameBytes(publishPayloadBytes(fp, b), c.payload), `${c.name}: framer payload`);
      got++;
    },
  });
  framerPush(framer, fab);
  framerPush(framer, fab.subarray(0, 7));
  framerPush(framer, fab.subarray(7));
  check(got === 2, `${c.name}: framer delivered ${got} packets, expected 2`);
  return fab.length;
}

function sanityConnect(k: Codec): number {
  const name = "CONNECT";
  const fab = fabBytes(name, (buf) => k.encodeConnect(buf, 0, CONNECT_FIELDS));
  checkBytes(name, fab, mqtt.generate(MQTT_CONNECT, MQTT_OPTS));
  const parsed = oracleParse(fab);
  const q = parsed && parsed.length === 1 ? parsed[0] : null;
  const f = CONNECT_FIELDS;
  check(
    q !== null &&
      q.cmd === "connect" &&
      q.protocolId === "MQTT" &&
      q.protocolVersion === 4 &&
      q.clientId === f.clientId &&
      q.clean === f.cleanSession &&
      q.keepalive === f.keepalive &&
      q.username === f.username &&
      Buffer.isBuffer(q.password) &&
      sameBytes(q.password, CONNECT_PASSWORD) &&
      q.will !== undefined &&
      q.will.topic === f.willTopic &&
      Buffer.isBuffer(q.will.payload) &&
      sameBytes(q.will.payload, CONNECT_WILL_PAYLOAD) &&
      q.will.qos === f.willQos &&
      q.will.retain === f.willRetain,
    `${name}: mqtt-packet's parse of fabmqtt's bytes`,
  );
  return fab.length;
}

function sanityConnack(k: Codec, wire: Uint8Array): void {
  const { createPacket, decodeConnack, decodePacket } = k;
  const p = createPacket();
  const buf = plain(wire);
  const r = decodeConnack(p, buf, 0, buf.length);
  check(r === 0 && p.type === CONNACK && p.sessionPresent && p.returnCode === 0, `CONNACK: fabmqtt decode of ${hex(buf)}`);
  const r2 = decodePacket(p, buf, 0, buf.length);
  check(r2 === 0 && p.type === CONNACK && p.sessionPresent && p.returnCode === 0, `CONNACK: decodePacket`);
}

function sanityAck(k: Codec, c: AckCase): void {
  const { createPacket, decodePacket, encodeAck } = k;
  const fab = fabBytes(c.name, (buf) => encodeAck(buf, 0, c.type, c.packetId));
  checkBytes(c.name, fab, mqtt.generate({ cmd: c.cmd, messageId: c.packetId }, MQTT_OPTS));
  const p = createPacket();
  const r = decodePacket(p, fab, 0, fab.length);
  check(r === 0 && p.type === c.type && p.packetId === c.packetId, `${c.name}: fabmqtt decode`);
  const parsed = oracleParse(fab);
  const q = parsed && parsed.length === 1 ? parsed[0] : null;
  check(q !== null && q.cmd === c.cmd && q.messageId === c.packetId, `${c.name}: mqtt-packet's parse of fabmqtt's bytes`);
}

// ---------------------------------------------------------------------------
// Timing

interface Timing {
  /** Median round. */
  opsPerSec: number;
  /** Every round, in the order run. */
  roundsOpsPerSec: number[];
  iterationsPerRound: number;
}

const loopFailures: string[] = [];

function median(values: number[]): number {
  const s = values.slice().sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function timeOnce(run: Run, n: number, name: string): number {
  const t0 = process.hrtime.bigint();
  const bad = run(n);
  const ns = Number(process.hrtime.bigint() - t0);
  if (bad !== 0) loopFailures.push(`${name}: ${bad} failed iteration(s) out of ${n}`);
  return ns;
}

/**
 * Times a group of loops with their rounds interleaved (round r of every loop,
 * then round r+1 ...), so that a disturbance (another process, a collection
 * left over by a previous loop) hits every member of the group alike and the
 * ratios between them stay meaningful.
 */
function measureGroup(group: [string, Run][]): Timing[] {
  const iterations = group.map(([name, run]) => {
    // Warm-up, doubling until one call is long enough to size a round.
    let n = 16;
    let ns = timeOnce(run, n, name);
    while (ns < WARM_MS * 1e6) {
      n *= 2;
      ns = timeOnce(run, n, name);
    }
    const it = Math.max(1, Math.round((n * ROUND_MS * 1e6) / ns));
    timeOnce(run, it, name);
    return it;
  });
  const rounds: number[][] = group.map(() => []);
  for (let r = 0; r < ROUNDS; r++) {
    group.forEach(([name, run], i) => rounds[i].push((iterations[i] * 1e9) / timeOnce(run, iterations[i], name)));
  }
  return group.map((_, i) => ({ opsPerSec: median(rounds[i]), roundsOpsPerSec: rounds[i], iterationsPerRound: iterations[i] }));
}

// ---------------------------------------------------------------------------
// Garbage collections

interface GcEntry {
  start: number;
  kind: number;
}
const gcEntries: GcEntry[] = [];
const gcObserver = new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    // `detail` (Node >= 16) is missing from this version of @types/node's PerformanceEntry.
    const detail = (e as unknown as { detail?: { kind?: number } }).detail;
    gcEntries.push({ start: e.startTime, kind: detail && typeof detail.kind === "number" ? detail.kind : 0 });
  }
});

function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(() => setTimeout(resolve, 20)));
}

function gcKindName(kind: number): string {
  if (kind === perfConstants.NODE_PERFORMANCE_GC_MINOR) return "minor";
  if (kind === perfConstants.NODE_PERFORMANCE_GC_MAJOR) return "major";
  if (kind === perfConstants.NODE_PERFORMANCE_GC_INCREMENTAL) return "incremental";
  if (kind === perfConstants.NODE_PERFORMANCE_GC_WEAKCB) return "weakcb";
  return "other";
}

interface GcResult {
  label: string;
  cycles: number;
  /** Collections that started inside the timed loop. */
  collections: number;
  perMillion: number;
  byKind: Record<string, number>;
  loopMs: number;
  /** On-heap bytes allocated per cycle, from heapUsed over a short run with no collection; null if none was clean. */
  heapBytesPerCycle: number | null;
}

async function countGcs(label: string, run: Run): Promise<GcResult> {
  if (run(GC_WARM_CYCLES) !== 0) loopFailures.push(`${label}: failures during GC warm-up`);
  await settle();

  const t0 = performance.now();
  const bad = run(GC_CYCLES);
  const t1 = performance.now();
  if (bad !== 0) loopFailures.push(`${label}: ${bad} failed iteration(s) during the GC run`);
  await settle();
  const inLoop = gcEntries.filter((e) => e.start >= t0 && e.start <= t1);
  const byKind: Record<string, number> = {};
  for (const e of inLoop) byKind[gcKindName(e.kind)] = (byKind[gcKindName(e.kind)] || 0) + 1;

  // Allocation estimate: heapUsed before/after a short run, kept only if no
  // collection started in between (otherwise the difference means nothing).
  let heapBytesPerCycle: number | null = null;
  for (let attempt = 0; attempt < 8 && heapBytesPerCycle === null; attempt++) {
    const seen = gcEntries.length;
    const h0 = process.memoryUsage().heapUsed;
    const a0 = performance.now();
    run(ALLOC_PROBE_CYCLES);
    const a1 = performance.now();
    const h1 = process.memoryUsage().heapUsed;
    await settle();
    const collided = gcEntries.slice(seen).some((e) => e.start >= a0 - 1 && e.start <= a1 + 1);
    if (!collided && h1 >= h0) heapBytesPerCycle = (h1 - h0) / ALLOC_PROBE_CYCLES;
  }

  return {
    label,
    cycles: GC_CYCLES,
    collections: inLoop.length,
    perMillion: (inLoop.length * 1e6) / GC_CYCLES,
    byKind,
    loopMs: t1 - t0,
    heapBytesPerCycle,
  };
}

// ---------------------------------------------------------------------------
// Formatting

function ops(x: number): string {
  return Math.round(x).toLocaleString("en-US");
}

function ratio(x: number): string {
  return `${x.toFixed(1)}x`;
}

function table(head: string[], rows: string[][]): string {
  const lines = [`| ${head.join(" | ")} |`, `|${head.map((_, i) => (i === 0 ? " --- " : " ---: ")).join("|")}|`];
  for (const r of rows) lines.push(`| ${r.join(" | ")} |`);
  return lines.join("\n");
}

// ---------------------------------------------------------------------------
// Main

interface PublishLoops {
  direct: Run;
  framer: Run;
  handOver: Run;
}

interface PublishTimings {
  direct: Timing;
  framer: Timing;
  handOver: Timing;
}

async function main(): Promise<void> {
  const started = Date.now();
  const cpus = os.cpus();
  let mqttPacketVersion = "9.x";
  try {
    mqttPacketVersion = (createRequire(import.meta.url)("mqtt-packet/package.json") as { version: string }).version;
  } catch {
    // keep "9.x"
  }
  const env = {
    date: new Date().toISOString(),
    node: process.version,
    v8: process.versions.v8,
    cpu: cpus.length > 0 ? cpus[0].model : "unknown",
    cores: cpus.length,
    platform: `${os.platform()} ${os.arch()}`,
    mqttPacket: mqttPacketVersion,
    /** 1-minute load average at start and at the end: above the core count, other processes shared the CPU. */
    loadAverageStart: os.loadavg()[0],
    loadAverageEnd: 0,
  };

  const variants: Variant[] = [
    { key: "bundled", label: "bundled (one scope, as shipped)", k: loadBundledCodec() },
    { key: "tsx", label: "tsx per-file import", k: fabTsx },
  ];

  // 1. Sanity, before any timing, for both forms of the codec.
  const connackWire = mqtt.generate(MQTT_CONNACK, MQTT_OPTS);
  let publishWire: number[] = [];
  let connectWire = 0;
  for (const v of variants) {
    sanityForm = v.key;
    publishWire = PUBLISH_CASES.map((c) => sanityPublish(v.k, c));
    connectWire = sanityConnect(v.k);
    sanityConnack(v.k, connackWire);
    for (const c of ACK_CASES) sanityAck(v.k, c);
  }

  // Build every loop once, and run each a few times as part of the check.
  const allLoops: [string, Run][] = [];
  const fabPublish = variants.map((v) =>
    PUBLISH_CASES.map((c, i): PublishLoops => {
      const l = { direct: fabPublishDirect(v.k, c), framer: fabPublishFramer(v.k, c, publishWire[i]), handOver: fabPublishHandOver(v.k, c) };
      allLoops.push([`${v.key} ${c.name} direct`, l.direct], [`${v.key} ${c.name} framer`, l.framer], [`${v.key} ${c.name} hand-over`, l.handOver]);
      return l;
    }),
  );
  const refPublish = PUBLISH_CASES.map((c) => mqttGenerateParse(mqttPublishPacket(c)));
  PUBLISH_CASES.forEach((c, i) => allLoops.push([`mqtt-packet ${c.name}`, refPublish[i]]));

  interface OtherLoops {
    name: string;
    what: string;
    wireBytes: number;
    fab: Run[];
    ref: Run;
  }
  const otherLoops: OtherLoops[] = [
    {
      name: "CONNECT (id, user, password, keepalive, will)",
      what: "encode only",
      wireBytes: connectWire,
      fab: variants.map((v) => fabConnectEncode(v.k, connectWire)),
      ref: mqttConnectGenerate(connectWire),
    },
    {
      name: "CONNACK",
      what: "decode only",
      wireBytes: connackWire.length,
      fab: variants.map((v) => fabConnackDecode(v.k, connackWire)),
      ref: mqttConnackParse(connackWire),
    },
  ];
  for (const c of ACK_CASES) {
    otherLoops.push({
      name: c.name,
      what: "encode+decode",
      wireBytes: 4,
      fab: variants.map((v) => fabAck(v.k, c)),
      ref: mqttGenerateParse({ cmd: c.cmd, messageId: c.packetId }),
    });
  }
  for (const o of otherLoops) {
    variants.forEach((v, i) => allLoops.push([`${v.key} ${o.name}`, o.fab[i]]));
    allLoops.push([`mqtt-packet ${o.name}`, o.ref]);
  }
  sanityForm = "loops";
  for (const [name, run] of allLoops) check(run(3) === 0, `${name}: the benchmark loop itself reports failures`);

  if (sanityFailures.length > 0) {
    console.error(`Sanity check FAILED (${sanityFailures.length} of ${sanityChecks} checks); nothing timed:`);
    for (const f of sanityFailures) console.error(`  - ${f}`);
    process.exitCode = 1;
    return;
  }

  // 2. Throughput.
  const publishResults = PUBLISH_CASES.map((c, i) => {
    const group: [string, Run][] = [];
    variants.forEach((v, j) => {
      const l = fabPublish[j][i];
      group.push([`${v.key} ${c.name} direct`, l.direct], [`${v.key} ${c.name} framer`, l.framer], [`${v.key} ${c.name} hand-over`, l.handOver]);
    });
    group.push([`mqtt-packet ${c.name}`, refPublish[i]]);
    const t = measureGroup(group);
    const ref = t[group.length - 1];
    const fab: Record<string, PublishTimings> = {};
    const ratios: Record<string, { direct: number; framer: number; handOver: number }> = {};
    variants.forEach((v, j) => {
      const f = { direct: t[3 * j], framer: t[3 * j + 1], handOver: t[3 * j + 2] };
      fab[v.key] = f;
      ratios[v.key] = {
        direct: f.direct.opsPerSec / ref.opsPerSec,
        framer: f.framer.opsPerSec / ref.opsPerSec,
        handOver: f.handOver.opsPerSec / ref.opsPerSec,
      };
    });
    return { case: c.name, qos: c.qos, payloadBytes: c.payload.length, wireBytes: publishWire[i], fabmqtt: fab, mqttPacket: ref, ratio: ratios };
  });

  const otherResults = otherLoops.map((o) => {
    const group: [string, Run][] = variants.map((v, i): [string, Run] => [`${v.key} ${o.name}`, o.fab[i]]);
    group.push([`mqtt-packet ${o.name}`, o.ref]);
    const t = measureGroup(group);
    const ref = t[group.length - 1];
    const fab: Record<string, Timing> = {};
    const ratios: Record<string, number> = {};
    variants.forEach((v, i) => {
      fab[v.key] = t[i];
      ratios[v.key] = t[i].opsPerSec / ref.opsPerSec;
    });
    return { case: o.name, what: o.what, wireBytes: o.wireBytes, fabmqtt: fab, mqttPacket: ref, ratio: ratios };
  });

  // 3. Garbage collections, on the QoS 1 / 32-byte case.
  gcObserver.observe({ entryTypes: ["gc"] });
  const gi = PUBLISH_CASES.indexOf(GC_CASE);
  const [bundled, tsx] = [fabPublish[0][gi], fabPublish[1][gi]];
  const gcOffsets = await countGcs("fabmqtt bundled, offsets only (encodePublish + decodePacket)", bundled.direct);
  const gcFramer = await countGcs("fabmqtt bundled, through the framer, offsets only", bundled.framer);
  const gcHandOver = await countGcs("fabmqtt bundled + hand-over (publishTopic + publishPayloadBytes)", bundled.handOver);
  const gcTsxOffsets = await countGcs("fabmqtt tsx, offsets only", tsx.direct);
  const gcTsxHandOver = await countGcs("fabmqtt tsx + hand-over", tsx.handOver);
  const gcRef = await countGcs("mqtt-packet generate + parse", refPublish[gi]);
  gcObserver.disconnect();
  const gcResults = [gcOffsets, gcFramer, gcHandOver, gcTsxOffsets, gcTsxHandOver, gcRef];

  if (loopFailures.length > 0) {
    console.error("A timed loop reported failures; the figures are not trustworthy:");
    for (const f of loopFailures) console.error(`  - ${f}`);
    process.exitCode = 1;
  }

  // 4. Targets: judged on the bundled form (what ships); the tsx form is shown too.
  const worst = (key: string): number => Math.min(...publishResults.map((r) => r.ratio[key].direct));
  const targets = {
    publishRatio: {
      target: TARGET_PUBLISH_RATIO,
      worstBundled: worst("bundled"),
      worstTsx: worst("tsx"),
      met: worst("bundled") >= TARGET_PUBLISH_RATIO,
      metPerCase: publishResults.map((r) => ({ case: r.case, bundled: r.ratio.bundled.direct, met: r.ratio.bundled.direct >= TARGET_PUBLISH_RATIO })),
    },
    gcPerMillionOffsetsOnly: {
      target: TARGET_GC_PER_MILLION,
      bundled: gcOffsets.perMillion,
      tsx: gcTsxOffsets.perMillion,
      met: gcOffsets.perMillion <= TARGET_GC_PER_MILLION && gcTsxOffsets.perMillion <= TARGET_GC_PER_MILLION,
    },
  };

  // 5. Report.
  env.loadAverageEnd = os.loadavg()[0];
  const busy = Math.max(env.loadAverageStart, env.loadAverageEnd) > env.cores * 0.75;
  const out: string[] = [];
  out.push("# fabmqtt codec benchmark");
  out.push("");
  out.push(`- Date: ${env.date}`);
  out.push(`- Node ${env.node} (V8 ${env.v8}), ${env.platform}`);
  out.push(`- CPU: ${env.cpu} (${env.cores} logical cores)`);
  out.push(
    `- Load average (1 min): ${env.loadAverageStart.toFixed(2)} at start, ${env.loadAverageEnd.toFixed(2)} at end` +
      (busy ? " - WARNING: other processes were using the CPU, figures are noisy" : ""),
  );
  out.push(`- mqtt-packet ${env.mqttPacket}; ${ROUNDS} rounds of ~${ROUND_MS} ms per figure after warm-up, median round; rounds interleaved within each case`);
  out.push(`- Sanity: ${sanityChecks} checks passed (fabmqtt bytes = mqtt-packet generate(); both decoders agree; both codec forms)`);
  out.push("- bundled: firmware/mqtt/index.ts bundled into one scope (esbuild, in memory), as rollup ships it. tsx: the");
  out.push("  plain import under tsx, where each cross-module reference inside the codec goes through a re-export getter.");
  for (const v of variants) {
    out.push("");
    out.push(`## PUBLISH, encode + decode per op (ops/s), fabmqtt ${v.label}`);
    out.push("");
    out.push(
      table(
        ["Case", "Wire B", "fabmqtt direct", "fabmqtt framer", "fabmqtt + hand-over", "mqtt-packet", "Ratio direct", "Ratio framer", "Ratio hand-over"],
        publishResults.map((r) => [
          r.case,
          String(r.wireBytes),
          ops(r.fabmqtt[v.key].direct.opsPerSec),
          ops(r.fabmqtt[v.key].framer.opsPerSec),
          ops(r.fabmqtt[v.key].handOver.opsPerSec),
          ops(r.mqttPacket.opsPerSec),
          ratio(r.ratio[v.key].direct),
          ratio(r.ratio[v.key].framer),
          ratio(r.ratio[v.key].handOver),
        ]),
      ),
    );
  }
  out.push("");
  out.push("direct: encodePublish + decodePacket on the same buffer, offsets only. framer: the encoded bytes pushed");
  out.push("through framerPush, decoded in onPacket. hand-over: direct + publishTopic + publishPayloadBytes.");
  out.push("mqtt-packet: generate() + parse() on one long-lived parser (which builds the topic string and a payload Buffer).");
  out.push("");
  out.push("## CONNECT, CONNACK and acks (ops/s)");
  out.push("");
  out.push(
    table(
      ["Packet", "Per op", "Wire B", "fabmqtt bundled", "fabmqtt tsx", "mqtt-packet", "Ratio bundled", "Ratio tsx"],
      otherResults.map((r) => [
        r.case,
        r.what,
        String(r.wireBytes),
        ops(r.fabmqtt.bundled.opsPerSec),
        ops(r.fabmqtt.tsx.opsPerSec),
        ops(r.mqttPacket.opsPerSec),
        ratio(r.ratio.bundled),
        ratio(r.ratio.tsx),
      ]),
    ),
  );
  out.push("");
  out.push("CONNECT is encode only (fabmqtt is a client codec: no CONNECT decoder). CONNACK is decode only.");
  out.push("");
  out.push(`## Garbage collections, ${GC_CYCLES.toLocaleString("en-US")} cycles of ${GC_CASE.name}, after warm-up`);
  out.push("");
  out.push(
    table(
      ["Level", "Loop ms", "GCs", "Kinds", "GCs per million", "On-heap B/cycle (approx)"],
      gcResults.map((g) => [
        g.label,
        g.loopMs.toFixed(0),
        String(g.collections),
        Object.keys(g.byKind).length
          ? Object.entries(g.byKind)
              .map(([kind, n]) => `${kind} ${n}`)
              .join(", ")
          : "-",
        g.perMillion.toFixed(1),
        g.heapBytesPerCycle === null ? "n/a" : g.heapBytesPerCycle.toFixed(1),
      ]),
    ),
  );
  out.push("");
  out.push(`GCs: collections that started inside the timed loop. B/cycle: heapUsed growth over ${ALLOC_PROBE_CYCLES.toLocaleString("en-US")}`);
  out.push("cycles with no collection (n/a when every attempt met one); on-heap only, Buffer pools and backing stores excluded.");
  out.push("");
  out.push("## Targets");
  out.push("");
  out.push(
    `- PUBLISH encode+decode at least ${TARGET_PUBLISH_RATIO}x mqtt-packet, bundled, every case ` +
      `(worst ${ratio(targets.publishRatio.worstBundled)}; tsx form worst ${ratio(targets.publishRatio.worstTsx)}): ` +
      (targets.publishRatio.met ? "MET" : "NOT MET"),
  );
  for (const c of targets.publishRatio.metPerCase) out.push(`  - ${c.case}: ${ratio(c.bundled)} ${c.met ? "met" : "not met"}`);
  out.push(
    `- At most ${TARGET_GC_PER_MILLION} GC per million cycles at the offsets-only level ` +
      `(bundled ${gcOffsets.perMillion.toFixed(1)}, tsx ${gcTsxOffsets.perMillion.toFixed(1)}): ` +
      (targets.gcPerMillionOffsetsOnly.met ? "MET" : "NOT MET"),
  );
  out.push("");
  out.push(`Total run time: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  console.log(out.join("\n"));

  if (JSON_OUT) {
    const json = {
      env,
      settings: { rounds: ROUNDS, roundMs: ROUND_MS, warmMs: WARM_MS, gcCycles: GC_CYCLES, gcWarmCycles: GC_WARM_CYCLES, allocProbeCycles: ALLOC_PROBE_CYCLES },
      sanity: { checks: sanityChecks, failures: sanityFailures },
      loopFailures,
      publish: publishResults,
      other: otherResults,
      gc: gcResults,
      targets,
      totalSeconds: (Date.now() - started) / 1000,
    };
    console.log(JSON.stringify(json));
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
