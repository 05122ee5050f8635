/**
 * `npm run fuzz`: random and mutated MQTT frames through the decoders, the
 * framer and a client over a fake net (scripts/fuzz/run.ts). Options:
 * `--frames N` (1,000,000 by default), `--seed S` (replays a run), `--json`
 * (one JSON object last). Exits 1 on an exception, a hang or heap growth.
 */
import { errorName } from "../base/error-text";
import { HEAP_GROWTH_LIMIT, runFuzz, type FuzzOptions, type FuzzResult } from "./fuzz/run";

/** The options from argv; throws with a usage line on a bad argument. */
function parse(argv: string[]): FuzzOptions & { json: boolean } {
  const o = { frames: 1000000, seed: (Date.now() ^ (process.pid << 16)) >>> 0, hangMs: 200, progressEvery: 100000, json: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--json") o.json = true;
    else if (a === "--frames" || a === "--seed") {
      const v = Number(argv[++i]);
      if (!Number.isInteger(v) || v < (a === "--seed" ? 0 : 1)) throw new Error(`${a} needs a whole number, got ${argv[i]}`);
      if (a === "--frames") o.frames = v;
      else o.seed = v >>> 0;
    } else throw new Error(`unknown argument ${a}; usage: npm run fuzz -- [--frames N] [--seed S] [--json]`);
  }
  return o;
}

const n = (x: number) => Math.round(x).toLocaleString("en-US");
const mb = (b: number) => `${(b / 1048576).toFixed(2)} MB`;
const names = (r: Record<string, number>) =>
  Object.entries(r)
    .map(([code, k]) => `${code === "0" ? "decoded" : errorName(Number(code))} ${n(k)}`)
    .join(", ") || "none";

/** The figures as Markdown lines. */
function table(r: FuzzResult): string {
  const e = r.exceptions;
  const lines = [
    `| fuzz, seed ${r.options.seed} | |`,
    "| --- | --- |",
    `| frames (each through decoder, framer and client) | ${n(r.options.frames)} in ${(r.durationMs / 1000).toFixed(1)} s, ${n(r.framesPerSecond)} frames/s |`,
    `| exceptions (must be 0) | decoder ${e.decode}, framer ${e.framer}, client ${e.client} |`,
    `| hangs (a frame over ${r.options.hangMs} ms; must be 0) | ${r.hangs}; slowest frame ${r.slowestMs.toFixed(1)} ms |`,
    `| heap (heapUsed${r.heapAfterGc ? " after GC" : ", no forced GC"}) | ${mb(r.heapBefore)} before, ${mb(r.heapAfter)} after (limit: +${mb(HEAP_GROWTH_LIMIT)}) |`,
    `| decoder results | ${names(r.decodeCodes)} |`,
    `| framer | ${n(r.framerPackets)} packets framed |`,
    `| client | ${n(r.client.connections)} connections, ${n(r.client.delivered)} messages delivered; disconnects: ${names(r.client.disconnectCodes)}; errors without a disconnect: ${names(r.client.errorCodes)} |`,
    `| result | ${r.passed ? "PASS" : "FAIL"} |`,
  ];
  for (const f of r.failures) lines.push(`${f.stage} threw at frame ${f.frame}: ${f.message} (frame ${f.hex})`);
  return lines.join("\n");
}

function main(): number {
  let o;
  try {
    o = parse(process.argv.slice(2));
  } catch (err) {
    console.error((err as Error).message);
    return 2;
  }
  console.log(`fuzz seed ${o.seed} (npm run fuzz -- --seed ${o.seed} --frames ${o.frames} replays it)`);
  const r = runFuzz(o, (line) => console.error(line));
  console.log(table(r));
  if (o.json) console.log(JSON.stringify(r));
  return r.passed ? 0 : 1;
}

process.exitCode = main();
