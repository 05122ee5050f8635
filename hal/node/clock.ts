import type { Clock } from "../types";

/** The host's monotonic clock in milliseconds. */
export const systemClock: Clock = {
  now: () => performance.now(),
};

/** A clock that moves only when told: for tests. */
export interface ManualClock extends Clock {
  /** Moves forward by `ms`. */
  advance(ms: number): void;
  /** Jumps to `ms` (backwards too, to test clock steps). */
  set(ms: number): void;
}

/** A manual clock starting at `start` ms. Never fails. */
export function createManualClock(start = 0): ManualClock {
  let t = start;
  return {
    now: () => t,
    advance: (ms) => {
      t += ms;
    },
    set: (ms) => {
      t = ms;
    },
  };
}
