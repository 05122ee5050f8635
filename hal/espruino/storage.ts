import { E_STORAGE_FAILED, E_STORAGE_FULL, E_STORAGE_NAME } from "../../base/errors";
import type { Storage } from "../types";
import type { EspStorage } from "./api";

declare function require(name: string): EspStorage;

/**
 * Files over `require("Storage")`, named with 1 to 28 characters (Espruino
 * cuts longer names short, so two long names would meet). read() gives null
 * for a missing file or a bad name; write() E_STORAGE_NAME for a bad name,
 * E_STORAGE_FULL when Espruino finds no room ("Unable to find or create
 * file", or false), and E_STORAGE_FAILED for any other exception. Espruino
 * cannot hold an empty file: writing "" erases the file (read() then gives
 * null). Never throws.
 */
export const espruinoStorage: Storage = {
  read: function (name) {
    try {
      // Espruino gives undefined for a missing file, and holds no empty one.
      return (name && name.length < 29 && require("Storage").read(name)) || null;
    } catch (e) {
      return null;
    }
  },
  write: function (name, text) {
    if (!(name && name.length < 29)) return E_STORAGE_NAME;
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
      if (name && name.length < 29) require("Storage").erase(name);
    } catch (e) {}
  },
};
