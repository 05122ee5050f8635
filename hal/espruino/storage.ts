import { E_STORAGE_FAILED, E_STORAGE_FULL, E_STORAGE_NAME } from "../../firmware/errors";
import type { Storage } from "../types";
import type { EspStorage } from "./api";

declare function require(name: string): EspStorage;

/** Storage names: 1 to 28 characters (Espruino cuts longer ones short, so two long names would meet). */
function nameOk(name: string): boolean {
  return !!name && name.length < 29;
}

/**
 * Files over `require("Storage")`. read() gives null for a missing file or a
 * bad name; write() E_STORAGE_NAME for a bad name, E_STORAGE_FULL when
 * Espruino finds no room ("Unable to find or create file", or false), and
 * E_STORAGE_FAILED for any other exception. Espruino cannot hold an empty
 * file: writing "" erases the file (read() then gives null). Never throws.
 */
export const espruinoStorage: Storage = {
  read: function (name) {
    try {
      // Espruino gives undefined for a missing file, and holds no empty one.
      return (nameOk(name) && require("Storage").read(name)) || null;
    } catch (e) {
      return null;
    }
  },
  write: function (name, text) {
    if (!nameOk(name)) return E_STORAGE_NAME;
    try {
      text = String(text);
      if (text === "") require("Storage").erase(name);
      else if (!require("Storage").write(name, text)) return E_STORAGE_FULL;
      return 0;
    } catch (e) {
      return String(e && (e as { message?: string }).message).indexOf("create") >= 0 ? E_STORAGE_FULL : E_STORAGE_FAILED;
    }
  },
  erase: function (name) {
    try {
      if (nameOk(name)) require("Storage").erase(name);
    } catch (e) {}
  },
};
