/**
 * The check that follows an upload: an expression the board runs after the
 * espruino CLI's Storage writes, printing one STORED_MARK line per file with
 * its size and whether its CRC-32 is the one expected. The board compares:
 * it never prints a CRC-32, since a file's CRC-32 (linear in its bytes) and
 * the rest of the file give away a short password in it. The CLI exits 0
 * whatever happened, so these lines are the only proof that the files
 * arrived whole.
 */
export const STORED_MARK = "FABMQTT-STORED ";

/** What the board reported for one file: size -1 when missing; same null when missing or the firmware has no E.CRC32. */
export interface StoredReport {
  name: string;
  size: number;
  same: boolean | null;
}

/** A file the board is to check: its name and the CRC-32 it should have. */
export interface StoredExpectation {
  name: string;
  crc: number;
}

/**
 * The expression the CLI sends after the writes: erases the files in
 * `erase`, then reports each file of `expect`. Uses only the built-in
 * Storage module (the CLI looks any other require() up online) and ES5. It
 * holds the expected CRC-32s: it goes to the CLI in a private file (not on
 * its command line), the CLI sends it with echo off, and whatever passes the
 * CLI's output on masks them (expectedCrcTexts).
 */
export function storedCheckExpression(expect: StoredExpectation[], erase: string[] = []): string {
  const erases = erase.map((n) => "S.erase(" + JSON.stringify(n) + ");").join("");
  return (
    "(function(S){" +
    erases +
    JSON.stringify(expect.map((f) => [f.name, f.crc >>> 0])) +
    ".forEach(function(f){var s=S.read(f[0]);" +
    'print("' +
    STORED_MARK +
    '"+JSON.stringify({name:f[0],size:s===undefined?-1:s.length,same:(s!==undefined&&E.CRC32)?(E.CRC32(s)>>>0)===f[1]:null}));' +
    '});})(require("Storage"))'
  );
}

/** The texts of the expected CRC-32s as storedCheckExpression writes them, to be masked in what is printed. */
export function expectedCrcTexts(expect: StoredExpectation[]): string[] {
  return expect.map((f) => String(f.crc >>> 0));
}

/** The reports found in the CLI's output (lines the CLI prefixes with "--] "). Unreadable lines are skipped. */
export function parseStoredReports(output: string): StoredReport[] {
  const reports: StoredReport[] = [];
  for (const line of output.split("\n")) {
    const at = line.indexOf(STORED_MARK);
    if (at < 0) continue;
    try {
      const r = JSON.parse(line.slice(at + STORED_MARK.length).trim());
      if (typeof r.name === "string" && typeof r.size === "number" && (r.same === null || typeof r.same === "boolean"))
        reports.push({ name: r.name, size: r.size, same: r.same });
    } catch {
      // a line cut by the board's console: not a report
    }
  }
  return reports;
}

/**
 * Compares what the board reported with what was sent. Returns "" when every
 * file is there with the same size and the CRC-32 the board found the same
 * (or the same size where the firmware cannot compute a CRC), else a
 * sentence naming the first file that is missing or differs.
 */
export function compareStored(files: { name: string; data: Uint8Array }[], reports: StoredReport[]): string {
  for (const f of files) {
    const r = reports.filter((x) => x.name === f.name).pop();
    if (!r) return "the board did not report " + f.name + " after the upload";
    if (r.size < 0) return f.name + " is not in the board's Storage after the upload";
    if (r.size !== f.data.length) return f.name + " has " + r.size + " bytes in the board's Storage, " + f.data.length + " were sent";
    if (r.same === false) return f.name + " differs from what was sent (CRC-32 compared on the board)";
  }
  return "";
}
