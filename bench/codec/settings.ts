/** The codec benchmark's settings (bench/codec.bench.ts). */

export const ROUNDS = 7;
export const ROUND_MS = 40;
export const WARM_MS = 30;
export const GC_CYCLES = 1_000_000;
export const GC_WARM_CYCLES = 200_000;
/** Cycles of the short runs that estimate on-heap bytes allocated per cycle. */
export const ALLOC_PROBE_CYCLES = 10_000;

export const TARGET_PUBLISH_RATIO = 20;
export const TARGET_GC_PER_MILLION = 1;

/** One buffer size for every fabmqtt loop: large enough for every packet here. */
export const BUF_SIZE = 2048;
