/** The codec benchmark's timing, garbage collection counts and table formatting. */
import { PerformanceObserver, constants as perfConstants, performance } from "node:perf_hooks";
import mqtt from "mqtt-packet";
import type { Run } from "./loops";
import { ROUNDS, ROUND_MS, WARM_MS, GC_CYCLES, GC_WARM_CYCLES, ALLOC_PROBE_CYCLES } from "./settings";

// ---------------------------------------------------------------------------
// Timing

export interface Timing {
  /** Median round. */
  opsPerSec: number;
  /** Every round, in the order run. */
  roundsOpsPerSec: number[];
  iterationsPerRound: number;
}

export const loopFailures: string[] = [];

export function median(values: number[]): number {
  const s = values.slice().sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function timeOnce(run: Run, n: number, name: string): number {
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
export function measureGroup(group: [string, Run][]): Timing[] {
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

export interface GcEntry {
  start: number;
  kind: number;
}
export const gcEntries: GcEntry[] = [];
export const gcObserver = new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    // `detail` (Node >= 16) is missing from this version of @types/node's PerformanceEntry.
    const detail = (e as unknown as { detail?: { kind?: number } }).detail;
    gcEntries.push({ start: e.startTime, kind: detail && typeof detail.kind === "number" ? detail.kind : 0 });
  }
});

export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(() => setTimeout(resolve, 20)));
}

export function gcKindName(kind: number): string {
  if (kind === perfConstants.NODE_PERFORMANCE_GC_MINOR) return "minor";
  if (kind === perfConstants.NODE_PERFORMANCE_GC_MAJOR) return "major";
  if (kind === perfConstants.NODE_PERFORMANCE_GC_INCREMENTAL) return "incremental";
  if (kind === perfConstants.NODE_PERFORMANCE_GC_WEAKCB) return "weakcb";
  return "other";
}

export interface GcResult {
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

export async function countGcs(label: string, run: Run): Promise<GcResult> {
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

export function ops(x: number): string {
  return Math.round(x).toLocaleString("en-US");
}

export function ratio(x: number): string {
  return `${x.toFixed(1)}x`;
}

export function table(head: string[], rows: string[][]): string {
  const lines = [`| ${head.join(" | ")} |`, `|${head.map((_, i) => (i === 0 ? " --- " : " ---: ")).join("|")}|`];
  for (const r of rows) lines.push(`| ${r.join(" | ")} |`);
  return lines.join("\n");
}
