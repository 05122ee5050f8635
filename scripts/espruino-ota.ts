/**
 * test:espruino's checks of an update over MQTT on the real interpreter: the
 * firmware running (v1, the Linux board's bundle) refuses a tampered image
 * of 40 KB (signed, then one byte changed: the whole of it sent and checked),
 * then takes v2 (the same bundle with another commit in it) from `npm run
 * ota` (the command, on an image file and a key file), restarts with load() into the boot file, and comes back as
 * v2. Prints the time, the rate and the highest memory sampled while it ran.
 */
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { E_OTA_TAG } from "../base/errors";
import { offerFor, type Image } from "./ota/image";
import { sendUpdate } from "./ota/send";
import { runNpm } from "./espruino-run";

/** A fresh update key, hex, for the board's Storage (OTA_KEY_FILE). */
export function testKey(): Buffer {
  return crypto.randomBytes(32);
}

/** The highest `MEM ... usage=N` the interpreter printed after `from` characters of its output, or -1. */
function highestUsage(output: string, from: number): number {
  let top = -1;
  for (const m of output.slice(from).matchAll(/MEM \w+ usage=(\d+)/g)) top = Math.max(top, Number(m[1]));
  return top;
}

/**
 * The checks, each [what, passed]; `output()` is the interpreter's output so
 * far (with "MEM <what> usage=<n>" lines every `sampleMs`), `boots()` how many
 * times the firmware started.
 */
export async function otaChecks(o: {
  port: number;
  code: string;
  key: Buffer;
  root: string;
  output: () => string;
  boots: () => number;
  sampleMs: number;
}): Promise<[string, boolean][]> {
  const checks: [string, boolean][] = [];
  const v1: Image = { bytes: o.code, board: "linux", version: "" };
  const commit = /\bversion:"([^"]*)"/.exec(o.code);
  const v2: Image = { ...v1, bytes: o.code.replace(/\bversion:"[^"]*"/, 'version:"ota-v2"'), version: "0.1.0+ota-v2" };
  if (!commit || v2.bytes === o.code) return [["update: the bundle names no version", false]];
  const broker = { host: "127.0.0.1", port: o.port, tls: false };
  // The first 40 KB of v2, signed, then one byte changed: the CRC-32 is made again, the tag cannot be.
  // Sent whole and checked before it is refused: the time of a 40 KB update up to its switch.
  const signed: Image = { ...v2, bytes: v2.bytes.substr(0, 40 * 1024) };
  const at = signed.bytes.length >> 1;
  const tampered = signed.bytes.substr(0, at) + String.fromCharCode(signed.bytes.charCodeAt(at) ^ 1) + signed.bytes.substr(at + 1);
  const bootsBefore = o.boots();
  const refused = await sendUpdate({
    broker,
    root: o.root,
    bytes: tampered,
    offer: { ...offerFor(signed, o.key), c: offerFor({ ...signed, bytes: tampered }, o.key).c },
    timeoutMs: 120000,
  });
  checks.push(["update: a tampered image is refused on ota/result (" + E_OTA_TAG + "), no restart", refused.code === E_OTA_TAG && o.boots() === bootsBefore]);
  console.log(
    "update refused: " +
      JSON.stringify(refused) +
      "; " +
      tampered.length +
      " bytes offered, sent, written and checked in " +
      (refused.ms / 1000).toFixed(1) +
      " s (" +
      (tampered.length / 1024 / (refused.ms / 1000)).toFixed(1) +
      " KB/s)",
  );
  const from = o.output().length;
  const before = highestUsage(o.output().slice(0, from), Math.max(0, from - 400));
  // v2 by the command itself, from an image file and a key file.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fabmqtt-ota-"));
  fs.writeFileSync(path.join(dir, "v2.js"), Buffer.from(v2.bytes, "latin1"));
  fs.writeFileSync(path.join(dir, "board.key"), o.key.toString("hex") + "\n");
  const started = Date.now();
  const cli = await runNpm(
    [
      "ota",
      "--",
      "--device",
      o.root.split("/")[1],
      "--base",
      o.root.split("/")[0],
      "--broker",
      "mqtt://127.0.0.1:" + o.port,
      "--board",
      "linux",
      "--image",
      path.join(dir, "v2.js"),
      "--key-file",
      path.join(dir, "board.key"),
    ],
    300000,
  );
  // What the interpreter printed meanwhile (the boot file's BOOTED) is read in turns of the event loop: one more.
  await new Promise((r) => setTimeout(r, 2500));
  fs.rmSync(dir, { recursive: true, force: true });
  const r = { ok: cli.status === 0, ms: Date.now() - started, version: /runs (\S+)/.exec(cli.stdout || "")?.[1] };
  console.log(
    "npm run ota: exit " +
      cli.status +
      "; " +
      (cli.stdout || "").split("\r").pop()!.trim().split("\n").slice(-2).join(" | ") +
      (cli.stderr ? " | " + cli.stderr.trim() : ""),
  );
  const seconds = r.ms / 1000;
  console.log(
    "update: " +
      v2.bytes.length +
      " bytes in " +
      seconds.toFixed(1) +
      " s (" +
      (v2.bytes.length / 1024 / seconds).toFixed(1) +
      " KB/s, a 40 KB image about " +
      ((40 * 1024 * seconds) / v2.bytes.length).toFixed(0) +
      " s), restart included, npm run ota's start-up too; memory (usage, sampled every " +
      o.sampleMs +
      " ms) before " +
      before +
      ", highest while it ran " +
      highestUsage(o.output(), from) +
      "; " +
      JSON.stringify(r),
  );
  checks.push([
    "update: npm run ota sends v2 through cmd/ota/..., checked, restarted into, back running as " + v2.version,
    r.ok && r.version === v2.version && o.boots() === bootsBefore + 1,
  ]);
  return checks;
}
