/**
 * `npm run ota -- --device <id> --broker mqtt://user:pass@host:1883 [--board <id>]
 *  [--key-file f] [--base topic] [--image file] [--force] [--ca file]`:
 * updates a running device over its broker (docs/updates.md). The image is
 * the board's minified bundle (built first when stale), sent in the chunks
 * the device asks for, with its CRC-32 and a tag made with the device's key
 * (the one `npm run provision -- ... --key-file f` wrote to it). Shows bytes,
 * rate and time left; ends when the device is back running the new version.
 * Exit codes: 0 the device runs the new image, 1 refused, rolled back or no
 * answer, 2 bad arguments.
 */
import fs from "node:fs";
import { parseArgs } from "node:util";
import { BOARDS, findBoard } from "../boards/index";
import { errorMessage, errorName } from "../base/error-text";
import { ensureBundle } from "./flash/bundle";
import { parseBrokerUrl, plainPasswordWarning } from "./simulator/broker-url";
import { offerFor, readImage, readKey } from "./ota/image";
import { readRetained } from "./ota/retained";
import { sendUpdate } from "./ota/send";

const USAGE = `npm run -s ota -- --device <id> --broker mqtt://user:password@host:1883 [--board <id>]
    [--key-file <file>] [--base <topic>] [--image <file>] [--force] [--ca <file>]

  --device    the device's id (its topics are <base>/<device>/...)
  --board     ${BOARDS.map((b) => b.id).join(", ")} (default: the one the device's diag names)
  --key-file  the device's update key, hex (default: <device>.key)
  --image     a minified bundle (default: dist/<board>/fabmqtt.min.js, built when stale)
  --force     let the device take an older version
  The broker password can come from FABMQTT_BROKER_PASSWORD instead.`;

const OPTIONS = {
  device: { type: "string" },
  broker: { type: "string" },
  board: { type: "string" },
  "key-file": { type: "string" },
  base: { type: "string" },
  image: { type: "string" },
  force: { type: "boolean" },
  ca: { type: "string" },
  help: { type: "boolean" },
} as const;

/** "12.3 KB". */
function kb(bytes: number): string {
  return (bytes / 1024).toFixed(1) + " KB";
}

async function main(): Promise<number> {
  let values;
  try {
    values = parseArgs({ options: OPTIONS, strict: true, allowPositionals: false }).values;
  } catch (e) {
    console.error("ota: " + (e as Error).message + "\n\n" + USAGE);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const fail = (text: string) => {
    console.error("ota: " + text + "\n\n" + USAGE);
    return 2;
  };
  if (!values.device || !/^[\w-]{1,64}$/.test(values.device)) return fail("--device: missing or not a device id");
  const broker = parseBrokerUrl(values.broker ?? "");
  if (typeof broker === "string") return fail(values.broker ? broker : "--broker: missing");
  if (process.env.FABMQTT_BROKER_PASSWORD) broker.password = process.env.FABMQTT_BROKER_PASSWORD;
  const warning = plainPasswordWarning(broker);
  if (warning) console.error("ota: " + warning);
  const ca = values.ca ? fs.readFileSync(values.ca, "utf8") : undefined;
  const root = (values.base ?? "fabmqtt") + "/" + values.device + "/";
  let boardId = values.board;
  if (!boardId) {
    const diag = await readRetained(broker, ca, root + "diag", 5000);
    try {
      boardId = diag === null ? undefined : JSON.parse(diag).board;
    } catch {}
    if (!boardId) return fail("--board: missing, and " + root + "diag names no board (is the device online?)");
    console.log("board: " + boardId + " (from " + root + "diag)");
  }
  if (!findBoard(boardId)) return fail("--board: unknown board " + JSON.stringify(boardId));
  let file = values.image;
  if (!file) {
    const built = ensureBundle(boardId, (line) => console.log(line));
    if (typeof built === "string") return fail(built);
    file = built.path;
  }
  const image = readImage(file);
  if (typeof image === "string") return fail(image);
  if (image.board !== boardId) return fail(file + " is built for " + image.board + ", not " + boardId);
  const key = readKey(values["key-file"] ?? values.device + ".key");
  if (typeof key === "string") return fail(key);
  const offer = offerFor(image, key, !!values.force);
  console.log("image: " + image.version + " for " + image.board + ", " + image.bytes.length + " bytes, CRC-32 " + offer.c.toString(16).padStart(8, "0"));
  let shown = 0;
  const started = Date.now();
  const result = await sendUpdate({
    broker,
    ca,
    root,
    bytes: image.bytes,
    offer,
    onEvent: (text) => console.log((shown ? "\n" : "") + text),
    onProgress: (done, total) => {
      const s = (Date.now() - started) / 1000;
      const rate = s > 0 ? done / s : 0;
      const left = rate > 0 ? Math.ceil((total - done) / rate) + " s left" : "";
      const line = "  " + kb(done) + " / " + kb(total) + "  " + Math.floor((100 * done) / total) + "%  " + kb(rate) + "/s  " + left;
      process.stdout.write("\r" + line.padEnd(shown));
      shown = line.length;
    },
  });
  if (shown) process.stdout.write("\n");
  const took = (result.ms / 1000).toFixed(1) + " s";
  if (result.ok) {
    console.log("ota: " + values.device + " runs " + result.version + " (" + took + ", " + result.resumes + " resumed)");
    return 0;
  }
  const code = result.code === undefined ? "" : " " + result.code + " " + errorName(result.code);
  console.error("ota: " + result.end + code + ": " + (result.error ?? (result.code !== undefined ? errorMessage(result.code) : "")) + " (" + took + ")");
  return 1;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error("ota: " + ((e as Error).stack ?? String(e)));
    process.exit(1);
  },
);
