import fs from "node:fs";

export interface StandinStorage {
  module: object;
  files: Map<string, string>;
}

/** Espruino's file names hold 28 characters: a longer name is cut short (two long names can meet). */
const NAME_CHARS = 28;

/**
 * `require("Storage")` in memory, or in `file` (JSON, latin1 contents) when
 * given so that it survives a new context: read (undefined when missing; a
 * part with an offset and length), write (Strings as they are, objects as
 * JSON; with an offset and size, a file written in pieces as Espruino does; "" throws "Can't create zero
 * length file"; past `capacity` bytes in all it throws "Unable to find or
 * create file"), erase, list, readJSON, writeJSON, getFree. Names are cut to
 * 28 characters, as Espruino does.
 */
export function createStandinStorage(file: string | null, capacity: number): StandinStorage {
  const files = new Map<string, string>();
  if (file && fs.existsSync(file)) {
    const saved = JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, string>;
    for (const [k, v] of Object.entries(saved)) files.set(k, Buffer.from(v, "base64").toString("latin1"));
  }
  const save = () => {
    if (!file) return;
    const out: Record<string, string> = {};
    for (const [k, v] of files) out[k] = Buffer.from(v, "latin1").toString("base64");
    fs.writeFileSync(file, JSON.stringify(out));
  };
  const key = (name: unknown) => String(name).substring(0, NAME_CHARS);
  const used = () => [...files.values()].reduce((n, v) => n + v.length, 0);
  const module = {
    read(name: unknown, offset?: number, length?: number) {
      const t = files.get(key(name));
      return t === undefined || offset === undefined ? t : t.substr(offset, length ?? t.length);
    },
    write(name: unknown, data: unknown, offset?: number, size?: number) {
      const text = data !== null && typeof data === "object" ? JSON.stringify(data) : String(data);
      const k = key(name);
      const at = offset || 0;
      const length = at === 0 ? size || text.length : (files.get(k) ?? "").length;
      if (length === 0) throw new Error("Can't create zero length file");
      // A file made bigger than its data, then written in pieces: bytes not yet written are 0xff, and written ones stay.
      let old = at === 0 ? "\xff".repeat(length) : files.get(k);
      if (old === undefined) throw new Error("Unable to find or create file");
      if (at + text.length > length) throw new Error("Too much data for file size");
      if (!/^\xff*$/.test(old.substr(at, text.length))) throw new Error("File already written with different data");
      if (at === 0 && used() - (files.get(k)?.length ?? 0) + length > capacity) throw new Error("Unable to find or create file");
      old = old.substring(0, at) + text + old.substring(at + text.length);
      files.set(k, old);
      save();
      return true;
    },
    erase(name: unknown) {
      files.delete(key(name));
      save();
    },
    list() {
      return [...files.keys()];
    },
    readJSON(name: unknown) {
      const t = files.get(key(name));
      return t === undefined ? undefined : JSON.parse(t);
    },
    writeJSON(name: unknown, data: unknown) {
      return module.write(name, JSON.stringify(data));
    },
    getFree() {
      return capacity - used();
    },
  };
  return { module, files };
}
