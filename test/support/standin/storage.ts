import fs from "node:fs";

export interface StandinStorage {
  module: object;
  files: Map<string, string>;
}

/** Espruino's file names hold 28 characters: a longer name is cut short (two long names can meet). */
const NAME_CHARS = 28;

/**
 * `require("Storage")` in memory, or in `file` (JSON, latin1 contents) when
 * given so that it survives a new context: read (undefined when missing),
 * write (Strings as they are, objects as JSON; "" throws "Can't create zero
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
    read(name: unknown) {
      return files.get(key(name));
    },
    write(name: unknown, data: unknown) {
      const text = data !== null && typeof data === "object" ? JSON.stringify(data) : String(data);
      if (text.length === 0) throw new Error("Can't create zero length file");
      const k = key(name);
      if (used() - (files.get(k)?.length ?? 0) + text.length > capacity) throw new Error("Unable to find or create file");
      files.set(k, text);
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
