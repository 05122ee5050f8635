/**
 * `npm run bench:espruino`: what a message costs on the interpreter, counted in
 * machine instructions with valgrind's callgrind, for fabmqtt's library beside
 * Espruino's own MQTT module. Only the instructions of JavaScript run for
 * events are counted: the queued events (jsiExecuteEvents: `connected`,
 * `puback`) and the sockets' (socketIdle: data, drain). Not counted: the
 * interpreter's idle loop, whose polling depends on the wall clock, and
 * timers, among them the library's 100 ms tick, which costs per second, not
 * per message (under valgrind a run lasts fifty times longer, and counting
 * the tick made fabmqtt's figures vary by 5-10% between runs). The messages
 * are published from the `connected` event, and a `puback` listener (the
 * same in both modules) counts the acknowledgements; the run quits once all
 * came.
 *
 * For each module (fabmqtt's dist/modules/fabmqtt.min.js; MQTT.js from the
 * folder in ESPRUINO_MODULES_DIR, minified with this project's terser) and each
 * case (N QoS 0 publishes of 32 bytes; N QoS 1 publishes with their PUBACKs),
 * the interpreter in ESPRUINO_BIN loads the module from Storage, connects to a
 * mosquitto on 127.0.0.1 and publishes N messages in one go, then quits; the
 * same run with none publishes gives the base. Per message: (with N - base) / N.
 * Needs valgrind (Debian's `valgrind` package). Exit code 0 when every count
 * was taken.
 */
import { spawn, execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { putEspruinoStorage, runMain } from "./espruino-run";
import { startMosquitto } from "./support/mosquitto";
import { comparedModules } from "./support/compared-modules";

const BIN = process.env.ESPRUINO_BIN;
const DIST = path.join(import.meta.dirname, "..", "dist");

/** The cases: QoS, and how many messages (QoS 1: at most fabmqtt's default queue of 16, so that none is refused). */
const CASES: [number, number][] = [
  [0, 40],
  [1, 16],
];

/** The driving script: load, connect, publish `n` messages at `qos` in one go from the `connected` event, quit once all are acknowledged. */
function driver(port: number, qos: number, n: number): string {
  const wanted = qos ? n : 0;
  return (
    'var M = require("m"), PAY = "0123456789abcdef0123456789abcdef", acked = 0, waited = 0;\n' +
    'var c = M.create("127.0.0.1", { port: ' +
    port +
    ', client_id: "count-' +
    qos +
    "-" +
    n +
    '", keep_alive: 60 });\n' +
    'c.on("puback", function () { acked++; });\n' +
    'c.on("connected", function () {\n' +
    "  var refused = 0;\n" +
    "  for (var i = 0; i < " +
    n +
    '; i++) { var r = c.publish("count/q' +
    qos +
    '", PAY' +
    (qos ? ", { qos: " + qos + " }" : "") +
    '); if (typeof r === "number" && r < 0) refused++; }\n' +
    '  if (refused) print("FAILED: " + refused + " refused");\n' +
    "  var poll = setInterval(function () {\n" +
    "    if (acked >= " +
    wanted +
    " && ++waited > 2) { clearInterval(poll); quit(); }\n" +
    "  }, 100);\n" +
    "});\n" +
    "c.connect();\n" +
    'setTimeout(function () { print("TIMED OUT: " + acked + " acknowledged"); quit(); }, 60000);\n'
  );
}

/** Instructions one run of `script` took under callgrind, or an Error with the interpreter's last words. */
function countRun(dir: string, script: string): Promise<number> {
  fs.writeFileSync(path.join(dir, "run.js"), script);
  return new Promise((resolve, reject) => {
    const child = spawn(
      "valgrind",
      ["--tool=callgrind", "--callgrind-out-file=/dev/null", "--toggle-collect=jsiExecuteEvents", "--toggle-collect=socketIdle", BIN as string, "run.js"],
      {
        cwd: dir,
        stdio: ["pipe", "pipe", "pipe"],
      },
    );
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), 120000);
    child.on("exit", () => {
      clearTimeout(timer);
      const total = /Collected : (\d+)/.exec(err);
      if (!total || /FAILED|TIMED OUT|Error/.test(out)) reject(new Error(out.slice(-300) + err.slice(-300)));
      else resolve(Number(total[1]));
    });
  });
}

/** Instructions per message of `code` (a module for Storage) for each case; throws when a run fails or refuses a message. */
async function perMessage(code: string, port: number): Promise<number[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fabmqtt-count-"));
  try {
    await putEspruinoStorage(BIN as string, dir, "m", code);
    const figures: number[] = [];
    for (const [qos, n] of CASES) {
      const base = await countRun(dir, driver(port, qos, 0));
      const full = await countRun(dir, driver(port, qos, n));
      figures.push(Math.round((full - base) / n));
    }
    return figures;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<number> {
  if (!BIN) {
    console.log("Skipped: set ESPRUINO_BIN to an Espruino interpreter for Linux (see docs/memory.md).");
    return 0;
  }
  try {
    execFileSync("valgrind", ["--version"], { stdio: "ignore" });
  } catch {
    console.error("valgrind is missing: apt-get install valgrind");
    return 1;
  }
  const modules = await comparedModules(DIST);
  const broker = await startMosquitto();
  try {
    const rows: [string, number[]][] = [];
    for (const [label, code] of modules) rows.push([label, await perMessage(code, broker.port)]);
    console.log("Instructions per message on " + BIN + " (callgrind; " + CASES.map(([q, n]) => n + " at QoS " + q).join(", ") + ", minus a run with none):");
    console.log("| module | QoS 0 publish | QoS 1 publish and its PUBACK |\n| --- | ---: | ---: |");
    for (const [label, f] of rows) console.log("| " + label + " | " + f.map((x) => x.toLocaleString("en")).join(" | ") + " |");
    if (rows.length === 2) console.log("fabmqtt / MQTT: " + rows[0][1].map((x, i) => (x / rows[1][1][i]).toFixed(2) + "x").join(", "));
    return 0;
  } finally {
    await broker.stop();
  }
}

runMain(main);
