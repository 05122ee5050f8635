import { crc32 } from "./crc32";

/**
 * The check that follows an upload: an expression the board runs after the
 * espruino CLI's Storage writes, printing one STORED_MARK line per file with
 * its size and CRC-32 as Storage now holds it. The CLI exits 0 whatever
 * happened, so these lines are the only proof that the files arrived whole.
 */
export const STORED_MARK = "FABMQTT-STORED ";

/** What the board reported for one file: size -1 when missing, crc -1 when the firmware has no E.CRC32. */
export interface StoredReport {
  name: string;
  size: number;
  crc: number;
}

/**
 * The expression for `-e`: erases the files in `erase`, then reports each of
 * `names`. Uses only the built-in Storage module (the CLI looks any other
 * require() up online) and ES5.
 */
export function storedCheckExpression(names: string[], erase: string[] = []): string {
  const erases = erase.map((n) => "S.erase(" + JSON.stringify(n) + ");").join("");
  return (
    "(function(S){" +
    erases +
    JSON.stringify(names) +
    ".forEach(function(n){var s=S.read(n);" +
    'print("' + STORED_MARK + '"+JSON.stringify({name:n,size:s===undefined?-1:s.length,crc:(s!==undefined&&E.CRC32)?E.CRC32(s):-1}));' +
    "});})(require(\"Storage\"))"
  );
}

/** The reports found in the CLI's output (lines the CLI prefixes with "--] "). Unreadable lines are skipped. */
export function parseStoredReports(output: string): StoredReport[] {
  const reports: StoredReport[] = [];
  for (const line of output.split("\n")) {
    const at = line.indexOf(STORED_MARK);
    if (at < 0) continue;
    try {
      const r = JSON.parse(line.slice(at + STORED_MARK.length).trim());
      if (typeof r.name === "string" && typeof r.size === "number" && typeof r.crc === "number") reports.push(r);
    } catch {
      // a line cut by the board's console: not a report
    }
  }
  return reports;
}

/**
 * Compares what the board reported with what was sent. Returns "" when every
 * file is there with the same size and CRC-32 (or the same size where the
 * firmware cannot compute a CRC), else a sentence naming the first file that
 * is missing or differs.
 */
export function compareStored(files: { name: string; data: Uint8Array }[], reports: StoredReport[]): string {
  for (const f of files) {
    const r = reports.filter((x) => x.name === f.name).pop();
    if (!r) return "the board did not report " + f.name + " after the upload";
    if (r.size < 0) return f.name + " is not in the board's Storage after the upload";
    if (r.size !== f.data.length) return f.name + " has " + r.size + " bytes in the board's Storage, " + f.data.length + " were sent";
    const want = crc32(f.data);
    if (r.crc >= 0 && r.crc !== want) return f.name + " differs from what was sent (CRC-32 " + r.crc + ", expected " + want + ")";
  }
  return "";
}
