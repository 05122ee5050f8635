import type { Timers, TimerId } from "../types";
import type { ManualClock } from "./clock";
import { createManualClock } from "./clock";

/** Timers on Node's event loop. Never fails; cancel() of 0 or a stale handle does nothing. */
export function createNodeTimers(): Timers {
  const live = new Map<TimerId, NodeJS.Timeout>();
  let next = 1;
  return {
    every(ms, fn) {
      const id = next++;
      live.set(id, setInterval(fn, ms));
      return id;
    },
    after(ms, fn) {
      const id = next++;
      live.set(
        id,
        setTimeout(() => {
          live.delete(id);
          fn();
        }, ms),
      );
      return id;
    },
    cancel(id) {
      const t = live.get(id);
      if (t === undefined) return;
      clearTimeout(t);
      clearInterval(t);
      live.delete(id);
    },
  };
}

/** A manual clock with timers that fire only when it is advanced: for tests. */
export interface ManualTime {
  clock: ManualClock;
  timers: Timers;
  /** Moves the clock forward by `ms`, firing due timers in time order (each at its own due time). */
  advance(ms: number): void;
  /** How many timers are pending. */
  pending(): number;
}

interface Pending {
  id: TimerId;
  due: number;
  every: number;
  fn: () => void;
}

/** Manual clock and timers starting at `start` ms. Never fails. */
export function createManualTime(start = 0): ManualTime {
  const clock = createManualClock(start);
  let list: Pending[] = [];
  let next = 1;
  const add = (ms: number, every: number, fn: () => void) => {
    const id = next++;
    list.push({ id, due: clock.now() + Math.max(0, ms), every, fn });
    return id;
  };
  const timers: Timers = {
    every: (ms, fn) => add(ms, Math.max(1, ms), fn),
    after: (ms, fn) => add(ms, 0, fn),
    cancel(id) {
      list = list.filter((p) => p.id !== id);
    },
  };
  return {
    clock,
    timers,
    advance(ms) {
      const end = clock.now() + ms;
      for (;;) {
        let first: Pending | null = null;
        for (const p of list) if (p.due <= end && (first === null || p.due < first.due || (p.due === first.due && p.id < first.id))) first = p;
        if (first === null) break;
        clock.set(Math.max(clock.now(), first.due));
        if (first.every > 0) first.due += first.every;
        else list = list.filter((p) => p !== first);
        first.fn();
      }
      clock.set(end);
    },
    pending: () => list.length,
  };
}
