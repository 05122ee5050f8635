/**
 * The process's heapUsed after a full garbage collection, for memory figures
 * that do not depend on when V8 last collected. Works without
 * `node --expose-gc`: the flag is set at run time and `gc` taken from a fresh
 * context.
 */
import v8 from "node:v8";
import vm from "node:vm";

let gc: (() => void) | null | undefined;

function findGc(): (() => void) | null {
  const global = (globalThis as { gc?: () => void }).gc;
  if (typeof global === "function") return global;
  try {
    v8.setFlagsFromString("--expose-gc");
    const fn = vm.runInNewContext("gc") as unknown;
    return typeof fn === "function" ? (fn as () => void) : null;
  } catch {
    return null;
  }
}

/** heapUsed in bytes after a forced GC; `collected` is false when no GC could be forced (the figure is then raw). */
export function heapAfterGc(): { bytes: number; collected: boolean } {
  if (gc === undefined) gc = findGc();
  if (gc) gc();
  return { bytes: process.memoryUsage().heapUsed, collected: gc !== null };
}
