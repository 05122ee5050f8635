import type { Timers } from "../types";

declare function setTimeout(fn: () => void, ms: number): number;
declare function setInterval(fn: () => void, ms: number): number;
declare function clearTimeout(id: number): void;

/**
 * Timers over Espruino's setTimeout/setInterval. Handles are the HAL's own
 * (1, 2, 3, ... never reused): Espruino reuses its timer numbers, so a stale
 * number could cancel someone else's timer. cancel() clears only a live timer
 * of its own, never with `undefined` (which throws) or no argument (which
 * clears every timer on the board). Never fails.
 */
export function createEspruinoTimers(): Timers {
  /** HAL handle -> Espruino timer number, live timers only. */
  const live: { [id: number]: number } = {};
  let next = 1;
  const add = function (t: number): number {
    live[next] = t;
    return next++;
  };
  return {
    every: function (ms, fn) {
      return add(setInterval(fn, ms));
    },
    after: function (ms, fn) {
      const id = next;
      return add(
        setTimeout(function () {
          delete live[id];
          fn();
        }, ms),
      );
    },
    cancel: function (id) {
      const t = live[id];
      if (t === undefined) return;
      delete live[id];
      clearTimeout(t);
    },
  };
}
