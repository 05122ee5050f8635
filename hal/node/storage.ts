import fs from "node:fs";
import path from "node:path";
import * as E from "../../base/errors";
import type { Storage } from "../types";

/** Storage names: 1 to 28 characters, as on Espruino. */
function nameOk(name: string): boolean {
  return typeof name === "string" && name.length >= 1 && name.length <= 28 && name.indexOf("/") < 0 && name !== "." && name !== "..";
}

/**
 * Storage in a directory, one file per name (the host's stand-in for flash:
 * it survives a restart of the process). read() gives null for a bad name.
 */
export function createFileStorage(dir: string): Storage {
  fs.mkdirSync(dir, { recursive: true });
  return {
    read(name) {
      if (!nameOk(name)) return null;
      try {
        return fs.readFileSync(path.join(dir, name), "latin1");
      } catch {
        return null;
      }
    },
    write(name, text) {
      if (!nameOk(name)) return E.E_STORAGE_NAME;
      try {
        // Written aside then renamed: a crash mid-write leaves the old file whole, like Storage's append-then-erase.
        const file = path.join(dir, name);
        fs.writeFileSync(file + ".new", text, "latin1");
        fs.renameSync(file + ".new", file);
        return 0;
      } catch (err) {
        return (err as NodeJS.ErrnoException).code === "ENOSPC" ? E.E_STORAGE_FULL : E.E_STORAGE_FAILED;
      }
    },
    erase(name) {
      if (!nameOk(name)) return;
      fs.rmSync(path.join(dir, name), { force: true });
    },
  };
}

/** Storage in memory, optionally limited to `capacity` bytes in all. Never fails except as documented by Storage. */
export function createMemoryStorage(capacity = Infinity): Storage & { files: Map<string, string> } {
  const files = new Map<string, string>();
  const used = () => [...files.values()].reduce((n, t) => n + t.length, 0);
  return {
    files,
    read: (name) => (nameOk(name) && files.has(name) ? (files.get(name) as string) : null),
    write(name, text) {
      if (!nameOk(name)) return E.E_STORAGE_NAME;
      if (used() - (files.get(name)?.length ?? 0) + text.length > capacity) return E.E_STORAGE_FULL;
      files.set(name, String(text));
      return 0;
    },
    erase(name) {
      files.delete(name);
    },
  };
}
