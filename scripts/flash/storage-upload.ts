import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { boardJsonPath } from "./board-json";
import { runEspruinoCli } from "./espruino-cli";
import { MASK, maskSecrets } from "./mask";
import { onInterrupt } from "./on-interrupt";
import { crc32 } from "./crc32";
import { compareStored, expectedCrcTexts, parseStoredReports, storedCheckExpression } from "./stored-check";

/** One file for the board's Storage. */
export interface StorageFile {
  name: string;
  data: Buffer;
}

export interface UploadOptions {
  /** A serial device (/dev/ttyUSB0) or tcp://host:port (a board's telnet console). */
  port: string;
  chip: "esp32" | "esp8266" | "linux";
  files: StorageFile[];
  /** Storage files to erase after the writes. */
  erase?: string[];
  /** Send without the CLI's pause after each Storage write (a link that loses nothing). */
  fast?: boolean;
  timeoutMs: number;
  /** Text that must never be printed: masked in everything passed on. */
  secrets?: string[];
  /** Each line the CLI prints, masked. */
  onLine?: (line: string) => void;
  /** The bytes sent and the bytes to send, as the upload goes. */
  onProgress?: (sent: number, total: number) => void;
}

/** The outcome: ok, or the problem in one sentence; `output` is everything the CLI printed, masked. */
export interface UploadResult {
  ok: boolean;
  problem: string;
  /** Whether the board compared CRC-32s too (firmware without E.CRC32 reports sizes only). */
  crcChecked: boolean;
  output: string;
  ms: number;
}

/** The CLI's pause after each Storage write when not fast (core/serial.js) and its chunk size (core/utils.js). */
export const CLI_WRITE_PAUSE_MS = 250;
export const CLI_CHUNK_BYTES = 384;

/** A time limit that leaves the CLI room to start, send every chunk with its pause, and check. */
export function defaultTimeoutMs(bytes: number, fast: boolean): number {
  const chunks = Math.ceil(bytes / CLI_CHUNK_BYTES);
  return 20000 + chunks * (fast ? 50 : CLI_WRITE_PAUSE_MS + 150);
}

/** The CLI's words about a failure: its lines that are not the board's output, or the last lines when there are none. */
function cliWords(output: string): string {
  const lines = output
    .split("\n")
    .map((l) => l.replace(/\r$/, ""))
    .filter((l) => l.trim() !== "");
  const own = lines.filter((l) => !l.startsWith("--] ") && !/^Espruino Command-line Tool|^-+$|^Explicit board JSON|^\d+\.\d+\.\d+$/.test(l));
  return (own.length ? own : lines).slice(-12).join("\n");
}

/**
 * Writes `files` to the board's Storage with the espruino CLI (offline: a
 * local board description, no module look-ups, no BLE), then has the board
 * report each file's size and whether its CRC-32 is the one sent (stored-check.ts).
 * Resolves ok only on that proof; a failed connection, a time-out or a
 * difference resolves with ok false and the CLI's own words. Never rejects.
 */
export async function uploadToStorage(o: UploadOptions): Promise<UploadResult> {
  const secrets = o.secrets || [];
  const expect = o.files.map((f) => ({ name: f.name, crc: crc32(f.data) }));
  // The check sends the expected CRC-32s; a board that echoes it must not have them printed.
  const crcs = expectedCrcTexts(expect);
  const mask = (s: string) => crcs.reduce((t, c) => t.split(c).join(MASK), maskSecrets(s, secrets));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fabmqtt-flash-"));
  const remove = () => fs.rmSync(dir, { recursive: true, force: true });
  // The files hold the configuration, passwords included: gone also after Ctrl-C.
  const dropOnInterrupt = onInterrupt(remove);
  try {
    const args = ["--no-ble", "--board", boardJsonPath(o.chip), "-p", o.port, "--config", "MODULE_URL="];
    if (o.fast) args.push("--config", "STORAGE_UPLOAD_METHOD=1");
    o.files.forEach((f, i) => {
      const file = path.join(dir, "file" + i + ".bin");
      fs.writeFileSync(file, f.data, { mode: 0o600 });
      args.push("--storage", f.name + ":" + file);
    });
    // The check holds the expected CRC-32s: sent as a file's code (as -e would be, without a reset first), not on the CLI's command line.
    const check = path.join(dir, "check.js");
    fs.writeFileSync(check, storedCheckExpression(expect, o.erase) + "\n", { mode: 0o600 });
    args.push("--config", "RESET_BEFORE_SEND=false", check);
    // A board that keeps printing would keep the CLI waiting: it is stopped once every report is in.
    const names = o.files.map((f) => f.name);
    const answered = (out: string) => {
      const got = parseStoredReports(out).map((r) => r.name);
      return names.every((n) => got.indexOf(n) >= 0);
    };
    let run = await runEspruinoCli(args, o.timeoutMs, o.onLine ? (line) => o.onLine!(mask(line)) : undefined, answered, o.onProgress);
    if (!run.timedOut && run.code !== null && parseStoredReports(run.output).length === 0 && /Upload Complete/.test(run.output)) {
      // The CLI may quit before a slow board has answered: ask for the report alone, in the time left.
      const alone = ["--no-ble", "--board", boardJsonPath(o.chip), "-p", o.port, "--config", "MODULE_URL=", "--config", "RESET_BEFORE_SEND=false", check];
      const again = await runEspruinoCli(alone, Math.max(5000, o.timeoutMs - run.ms), o.onLine ? (line) => o.onLine!(mask(line)) : undefined, answered);
      run = { ...again, output: run.output + again.output, ms: run.ms + again.ms };
    }
    const output = mask(run.output);
    if (run.timedOut) {
      return {
        ok: false,
        problem: "the espruino CLI did not finish within " + Math.round(o.timeoutMs / 1000) + " s (stopped); it said:\n" + cliWords(output),
        crcChecked: false,
        output,
        ms: run.ms,
      };
    }
    const reports = parseStoredReports(run.output);
    const differs = compareStored(o.files, reports);
    if (differs) {
      const why = reports.length ? differs : "the board never confirmed the upload";
      return { ok: false, problem: why + "; the espruino CLI said:\n" + cliWords(output), crcChecked: false, output, ms: run.ms };
    }
    return { ok: true, problem: "", crcChecked: reports.every((r) => r.same !== null), output, ms: run.ms };
  } finally {
    dropOnInterrupt();
    remove();
  }
}
