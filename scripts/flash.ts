/**
 * `npm run flash -- --board <id> --port <serial device or tcp://host:port>`:
 * writes the board's bundle (built first when missing or stale) to its
 * Storage as the module file "fabmqtt", and the boot code that starts it as
 * ".bootcde", with the espruino CLI run offline and under a time limit; then
 * the board reports each file's size and whether its CRC-32 matches, and only
 * a match is success.
 * Exit codes: 0 flashed and checked, 1 the upload failed, 2 bad arguments or build.
 */
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { BOOT_CODE, BOOT_FILE, BUNDLE_FILE, SHADOWING_FILES } from "./flash/boot-code";
import { ensureBundle } from "./flash/bundle";
import { defaultTimeoutMs, uploadToStorage } from "./flash/storage-upload";
import { createProgressPrinter } from "./flash/progress";
import { readTarget, TARGET_OPTIONS } from "./flash/target";

const USAGE = `npm run flash -- --board <id> --port <port> [--fast] [--timeout <seconds>]

  --board    esp32-devkitc, esp8266-nodemcu, wemos-d1-mini or linux
  --port     /dev/ttyUSB0 (serial) or tcp://192.168.1.50:23 (the board's telnet console)
  --fast     no pause after each Storage write (a link that loses nothing; the check still runs)
  --timeout  stop the espruino CLI after this many seconds (default: grows with the bundle)`;

async function main(): Promise<number> {
  let values;
  try {
    values = parseArgs({ options: TARGET_OPTIONS, strict: true, allowPositionals: false }).values;
  } catch (e) {
    console.error("flash: " + (e as Error).message + "\n\n" + USAGE);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const target = readTarget(values);
  if (typeof target === "string") {
    console.error("flash: " + target + "\n\n" + USAGE);
    return 2;
  }
  const built = ensureBundle(target.board.id, (line) => console.log(line));
  if (typeof built === "string") {
    console.error("flash: " + built);
    return 2;
  }
  const bundle = fs.readFileSync(built.path);
  const boot = Buffer.from(BOOT_CODE, "latin1");
  const timeoutMs = target.timeoutMs ?? defaultTimeoutMs(bundle.length + boot.length, target.fast);
  console.log(
    "flash: " +
      path.relative(process.cwd(), built.path) +
      " (" +
      bundle.length +
      " B) to " +
      target.port +
      " as Storage file " +
      JSON.stringify(BUNDLE_FILE) +
      ", boot code as " +
      JSON.stringify(BOOT_FILE) +
      " (espruino CLI, time limit " +
      Math.round(timeoutMs / 1000) +
      " s)",
  );
  const progress = createProgressPrinter(process.stdout, "  upload   | ");
  const result = await uploadToStorage({
    port: target.port,
    chip: target.board.chip,
    files: [
      { name: BUNDLE_FILE, data: bundle },
      { name: BOOT_FILE, data: boot },
    ],
    erase: SHADOWING_FILES,
    fast: target.fast,
    timeoutMs,
    onLine: (line) => {
      progress.end();
      console.log("  espruino | " + line);
    },
    onProgress: (sent, total) => progress.update(sent, total),
  });
  progress.end();
  if (!result.ok) {
    console.error("flash failed: " + result.problem);
    return 1;
  }
  const how = result.crcChecked ? "size and CRC-32" : "size only: this firmware has no E.CRC32";
  console.log(
    "flash: done in " +
      (result.ms / 1000).toFixed(1) +
      " s; the board confirmed " +
      BUNDLE_FILE +
      " (" +
      bundle.length +
      " B) and " +
      BOOT_FILE +
      " (" +
      how +
      ").",
  );
  console.log("Next: npm run -s provision -- --board " + target.board.id + " --port " + target.port + " ... (then reset the board)");
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error("flash: " + (e as Error).message);
    process.exit(1);
  },
);
