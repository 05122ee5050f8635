/**
 * Espruino's idle loop as the stand-in runs it: callbacks queued with post()
 * run later, one at a time, in order (Espruino's emit is asynchronous). An
 * exception thrown by a callback does not stop the loop: like Espruino, which
 * prints "Uncaught ...", it is printed and kept in `uncaught`, so a test can
 * assert that none escaped.
 */
export interface Loop {
  /** Runs fn(...args) later, after the current code returns, with `self` as `this`. */
  post(fn: unknown, args?: unknown[], self?: unknown): void;
  /** Runs fn(...args) now, recording an exception instead of throwing it. */
  run(fn: unknown, args?: unknown[], self?: unknown): void;
  /** A line on the console. */
  print(line: string): void;
  lines: string[];
  uncaught: unknown[];
  /** Stops everything queued; later posts are dropped. */
  dispose(): void;
  disposed(): boolean;
}

/** A loop whose console lines go to `echo` as well (none by default). Never fails. */
export function createLoop(echo: ((line: string) => void) | null = null): Loop {
  let dead = false;
  const loop: Loop = {
    lines: [],
    uncaught: [],
    post(fn, args = [], self) {
      if (dead) return;
      setImmediate(() => loop.run(fn, args, self));
    },
    run(fn, args = [], self) {
      if (dead) return;
      try {
        (fn as (...a: unknown[]) => unknown).apply(self, args);
      } catch (err) {
        loop.uncaught.push(err);
        loop.print("Uncaught " + String((err as Error)?.message ?? err));
      }
    },
    print(line) {
      loop.lines.push(line);
      if (echo) echo(line);
    },
    dispose() {
      dead = true;
    },
    disposed: () => dead,
  };
  return loop;
}

/** Methods of an Espruino event emitter: on/addListener, emit (asynchronous), removeListener, removeAllListeners; no once, off or listeners. */
export interface Emitter {
  on(event: string, fn: unknown): void;
  addListener(event: string, fn: unknown): void;
  emit(event: string, ...args: unknown[]): void;
  removeListener(event: string, fn: unknown): void;
  removeAllListeners(event?: string): void;
}

/**
 * Gives `target` Espruino's emitter methods. Listeners are looked up when
 * the event is emitted and run later through the loop, each on its own, with
 * `target` as `this`.
 * Returns `target`.
 */
export function makeEmitter<T extends object>(loop: Loop, target: T): T & Emitter {
  const listeners = new Map<string, unknown[]>();
  const methods: Emitter = {
    on(event, fn) {
      if (typeof fn !== "function") throw new Error("Expecting a function");
      const list = listeners.get(event) ?? [];
      list.push(fn);
      listeners.set(event, list);
    },
    addListener(event, fn) {
      methods.on(event, fn);
    },
    emit(event, ...args) {
      // As Espruino does: each listener later, with the emitter as `this`.
      for (const fn of listeners.get(event) ?? []) loop.post(fn, args, target);
    },
    removeListener(event, fn) {
      const list = listeners.get(event);
      if (!list) return;
      const i = list.indexOf(fn);
      if (i >= 0) list.splice(i, 1);
    },
    removeAllListeners(event) {
      if (event === undefined) listeners.clear();
      else listeners.delete(event);
    },
  };
  return Object.assign(target, methods);
}
