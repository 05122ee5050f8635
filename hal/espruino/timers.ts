import type { Timers } from "../types";

declare function setTimeout(fn: (t: EspruinoTimers, id: number, f: () => void) => void, ms: number, t: EspruinoTimers, id: number, f: () => void): number;
declare function setInterval(fn: () => void, ms: number): number;
declare function clearTimeout(id: number): void;

/** A one-shot timer's end: its handle is forgotten before `fn` runs. */
function fire(t: EspruinoTimers, id: number, fn: () => void): void {
  delete t.live_[id];
  fn();
}

/**
 * Timers over Espruino's setTimeout/setInterval. Handles are the HAL's own
 * (1, 2, 3, ... never reused): Espruino reuses its timer numbers, so a stale
 * number could cancel someone else's timer. cancel() clears only a live timer
 * of its own, never with `undefined` (which throws) or no argument (which
 * clears every timer on the board). Never fails. One object, its methods on
 * the prototype, and no closure per timer (Espruino passes setTimeout's extra
 * arguments on): a function made inside another costs variables on the board.
 */
export class EspruinoTimers implements Timers {
  /** HAL handle -> Espruino timer number, live timers only. */
  live_: { [id: number]: number } = {};
  next_ = 1;
  every(ms: number, fn: () => void): number {
    this.live_[this.next_] = setInterval(fn, ms);
    return this.next_++;
  }
  after(ms: number, fn: () => void): number {
    this.live_[this.next_] = setTimeout(fire, ms, this, this.next_, fn);
    return this.next_++;
  }
  cancel(id: number): void {
    const t = this.live_[id];
    if (t === undefined) return;
    delete this.live_[id];
    clearTimeout(t);
  }
}
