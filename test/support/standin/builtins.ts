import type { StandinMode } from "./net";

/**
 * What Espruino lacks, removed from a vm context's own built-ins (the
 * context has its own realm, so nothing outside it changes): Map, Set, WeakMap,
 * WeakSet, Symbol, Proxy, Reflect, WeakRef, FinalizationRegistry, Array.from,
 * Object.freeze/seal, Number.isInteger, Date.UTC, String.prototype.search,
 * Array.prototype.lastIndexOf, and on ESP8266 String/Array.prototype.concat
 * (left out of the builds made to save flash). With `eightBit`, strings are
 * 8-bit: String.fromCharCode keeps the low 8 bits.
 *
 * What a vm context cannot take away, and the bundle's gate and tests must
 * catch instead: a `X.prototype.method` lookup gives the method here (Espruino
 * gives undefined), function declarations are hoisted, string literals and
 * charCodeAt can hold 16-bit characters (run() hands the source over as its
 * UTF-8 bytes instead), regular expressions have every feature, `e.name` and
 * `f.name` exist, "use strict" is honoured, and memory is not counted.
 */
export const REMOVE_BUILTINS = (mode: StandinMode, eightBit: boolean) =>
  [
    "delete this.Map; delete this.Set; delete this.WeakMap; delete this.WeakSet; delete this.Symbol;",
    "delete this.Proxy; delete this.Reflect; delete this.WeakRef; delete this.FinalizationRegistry;",
    "delete Array.from; delete Object.freeze; delete Object.seal; delete Number.isInteger; delete Date.UTC;",
    "delete String.prototype.search; delete Array.prototype.lastIndexOf;",
    mode === "esp8266" ? "delete String.prototype.concat; delete Array.prototype.concat;" : "",
    eightBit
      ? "(function (original) { String.fromCharCode = function () { var s = ''; for (var i = 0; i < arguments.length; i++) s += original(arguments[i] & 255); return s; }; })(String.fromCharCode);"
      : "",
  ].join("\n");
