import crypto from "node:crypto";
import zlib from "node:zlib";
import * as E from "../../base/errors";
import type { Storage, UpdateFiles } from "../types";

/**
 * An update's files over any Storage (the host's directory or memory): a
 * file written in pieces is read, changed and written whole, and its bytes
 * not yet written are 0xff, as on flash. Bytes are the strings' char codes
 * (latin1). Never throws: codes as Storage.write gives them, null or -1 for a
 * missing file, null for a hash Node lacks.
 */
export function nodeUpdateFiles(storage: Storage): UpdateFiles {
  return {
    writeAt(name, data, offset, size) {
      const old = offset === 0 ? "\xff".repeat(size) : storage.read(name);
      if (old === null || offset + data.length > old.length) return E.E_STORAGE_FAILED;
      return storage.write(name, old.substring(0, offset) + data + old.substring(offset + data.length));
    },
    readAt(name, offset, length) {
      const t = storage.read(name);
      return t === null ? null : t.substr(offset, length);
    },
    crc32(name) {
      const t = storage.read(name);
      return t === null ? -1 : zlib.crc32(Buffer.from(t, "latin1")) >>> 0;
    },
    digest(hash, data) {
      if (hash !== "sha1" && hash !== "sha256") return null;
      return crypto.createHash(hash).update(Buffer.from(data, "latin1")).digest().toString("latin1");
    },
  };
}
