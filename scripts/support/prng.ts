/** A small seeded generator (mulberry32) so that random tests can be replayed from their seed. */
export function createRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The seed for this run: $FABMQTT_SEED when set, else one from the clock. */
export function runSeed(): number {
  const env = process.env.FABMQTT_SEED;
  return env ? Number(env) >>> 0 : (Date.now() ^ (process.pid << 16)) >>> 0;
}
