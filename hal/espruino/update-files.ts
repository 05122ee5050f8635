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
declare const E: { CRC32(data: string): number; toString(data: ArrayBuffer): string };

/**
 * The update's files on Espruino's Storage (firmware/app/ota.ts). Made when
 * called, so that its functions exist only while an update does. Never
 * throws: a failed write is E_STORAGE_FULL ("Unable to find or create
 * file") or E_STORAGE_FAILED, a missing file null or -1, a missing hash null.
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
      try {
        const f = require("crypto")[hash === "sha1" ? "SHA1" : hash === "sha256" ? "SHA256" : ("?" as "SHA1")];
        return f ? E.toString(f(data)) : null;
      } catch (e) {
        return null;
      }
    },
  };
}
