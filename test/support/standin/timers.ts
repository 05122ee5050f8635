import type { Loop } from "./loop";

/** Espruino's timer functions, as a vm context's globals, with counters for tests. */
export interface StandinTimers {
  setTimeout(fn: unknown, ms?: number, ...args: unknown[]): number;
  setInterval(fn: unknown, ms?: number, ...args: unknown[]): number;
  clearTimeout(...id: unknown[]): void;
  clearInterval(...id: unknown[]): void;
  changeInterval(id: number, ms: number): void;
  /** Timers waiting now. */
  pending(): number;
  /** How many times every timer was cleared by a clear call without an argument. */
  clearedAll(): number;
  dispose(): void;
}

interface Entry {
  id: number;
  handle: NodeJS.Timeout;
  interval: boolean;
  fn: unknown;
  args: unknown[];
}

/**
 * Timers that behave like Espruino's (src/jswrap_interactive.c): numbers from
 * 1, each one the last live timer's number plus one, so numbers come back once
 * the newest timer is gone; clearTimeout(undefined) throws; clearTimeout()
 * with no argument clears every timer; an unknown number is ignored; clearTimeout
 * and clearInterval clear either kind. Callbacks run through the loop, so an
 * exception in one is recorded, not thrown. Never fails otherwise.
 */
export function createStandinTimers(loop: Loop): StandinTimers {
  let list: Entry[] = [];
  let allCleared = 0;
  const remove = (id: number) => {
    const e = list.find((t) => t.id === id);
    if (!e) return;
    clearTimeout(e.handle);
    clearInterval(e.handle);
    list = list.filter((t) => t !== e);
  };
  const add = (fn: unknown, ms: unknown, args: unknown[], interval: boolean): number => {
    if (typeof fn !== "function") throw new Error("Function or String not supplied!");
    const delay = Math.max(typeof ms === "number" && ms > 0 ? ms : 0, interval ? 1 : 0);
    const id = list.length ? list[list.length - 1].id + 1 : 1;
    const entry: Entry = { id, handle: undefined as unknown as NodeJS.Timeout, interval, fn, args };
    entry.handle = interval
      ? setInterval(() => loop.run(fn, args), delay)
      : setTimeout(() => {
          list = list.filter((t) => t !== entry);
          loop.run(fn, args);
        }, delay);
    list.push(entry);
    return id;
  };
  const clear =
    (name: string) =>
    (...ids: unknown[]) => {
      if (ids.length === 0) {
        allCleared++;
        for (const t of list) {
          clearTimeout(t.handle);
          clearInterval(t.handle);
        }
        list = [];
        return;
      }
      if (ids[0] === undefined) throw new Error("clear" + name + "(undefined) not allowed. Use clear" + name + "() instead");
      remove(Number(ids[0]));
    };
  return {
    setTimeout: (fn, ms, ...args) => add(fn, ms, args, false),
    setInterval: (fn, ms, ...args) => add(fn, ms, args, true),
    clearTimeout: clear("Timeout"),
    clearInterval: clear("Interval"),
    changeInterval(id, ms) {
      const e = list.find((t) => t.id === id);
      if (!e) throw new Error("Unknown Interval");
      clearInterval(e.handle);
      e.handle = setInterval(() => loop.run(e.fn, e.args), Math.max(1, ms));
    },
    pending: () => list.length,
    clearedAll: () => allCleared,
    dispose() {
      for (const t of list) {
        clearTimeout(t.handle);
        clearInterval(t.handle);
      }
      list = [];
    },
  };
}
