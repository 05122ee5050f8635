import { E_STORAGE_FAILED, E_STORAGE_FULL } from "../../base/errors";
import type { UpdateFiles } from "../types";

/** `require("Storage")` with the pieces an update uses, and `require("crypto")` (SHA1 on every build, SHA256 on ESP32 and Linux). */
interface EspUpdateModules {
  /** At offset 0 the file is made `size` bytes long (erasing one there); later pieces fill it (throws "File already written with different data"). */
  write(name: string, data: string, offset: number, size: number): boolean;
  read(name: string, offset?: number, length?: number): string | undefined;
  SHA1?(data: string): ArrayBuffer;
  SHA256?(data: string): ArrayBuffer;
}

declare function require(name: string): EspUpdateModules;
declare const E: { CRC32(data: string): number; toString(data: ArrayBuffer): string; defrag?(): void };

/**
 * One hash of `data` by `f`, as bytes; null when it failed. Espruino's SHA1
 * and SHA256 put their result in a flat string (3 or 4 variables in a row):
 * on a pool of 1,600 whose free variables lie scattered, none may be found
 * (the call then prints "Not enough memory for result" and gives undefined),
 * even after the garbage collection it runs first.
 */
function hashOnce(f: (data: string) => ArrayBuffer, data: string): string | null {
  try {
    const r = f(data);
    return r ? E.toString(r) : null;
  } catch (e) {
    return null;
  }
}

/**
 * The update's files on Espruino's Storage (firmware/app/ota.ts). Made when
 * called, so that its functions exist only while an update does. Never
 * throws: a failed write is E_STORAGE_FULL ("Unable to find or create
 * file") or E_STORAGE_FAILED, a missing file null or -1, a missing hash null, and a hash that
 * failed for memory twice (before and after E.defrag()) null.
 */
export function espruinoUpdateFiles(): UpdateFiles {
  return {
    writeAt: function (name, data, offset, size) {
      try {
        return require("Storage").write(name, data, offset, size) ? 0 : E_STORAGE_FULL;
      } catch (e) {
        return String(e && (e as { message?: string }).message).indexOf("create") >= 0 ? E_STORAGE_FULL : E_STORAGE_FAILED;
      }
    },
    readAt: function (name, offset, length) {
      try {
        const t = require("Storage").read(name, offset, length);
        return t === undefined ? null : t;
      } catch (e) {
        return null;
      }
    },
    crc32: function (name) {
      const t = require("Storage").read(name);
      return t === undefined ? -1 : E.CRC32(t) >>> 0;
    },
    digest: function (hash, data) {
      let f;
      try {
        f = require("crypto")[hash === "sha1" ? "SHA1" : hash === "sha256" ? "SHA256" : ("?" as "SHA1")];
      } catch (e) {
        return null;
      }
      if (!f) return null;
      const once = hashOnce(f, data);
      if (once !== null || !E.defrag) return once;
      // Compacted, the free variables lie in one run: the result finds its place.
      E.defrag();
      return hashOnce(f, data);
    },
  };
}
