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
import { buildSync } from "esbuild";
import mqtt from "mqtt-packet";
import * as fabTsx from "../firmware/mqtt/index";
import { CONNACK, PUBLISH } from "../firmware/mqtt/index";
import { createRequire } from "node:module";
import { ROUNDS, ROUND_MS, WARM_MS, GC_CYCLES, GC_WARM_CYCLES, ALLOC_PROBE_CYCLES, TARGET_PUBLISH_RATIO, TARGET_GC_PER_MILLION } from "./codec/settings";
import { plain, PUBLISH_CASES, GC_CASE, mqttPublishPacket, MQTT_CONNACK, ACK_CASES, MQTT_OPTS } from "./codec/cases";
import {
  type Run,
  fabPublishDirect,
  fabPublishHandOver,
  fabPublishFramer,
  mqttGenerateParse,
  fabConnectEncode,
  mqttConnectGenerate,
  fabConnackDecode,
  mqttConnackParse,
  fabAck,
} from "./codec/loops";
import { sanityFailures, sanityChecks, setSanityForm, check, sanityPublish, sanityConnect, sanityConnack, sanityAck } from "./codec/sanity";
import { type Timing, loopFailures, median, measureGroup, gcObserver, countGcs, ops, ratio, table } from "./codec/measure";

/** The codec's exports, whichever form they were loaded in. */
export type Codec = typeof fabTsx;

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
    setSanityForm(v.key);
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
  setSanityForm("loops");
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
