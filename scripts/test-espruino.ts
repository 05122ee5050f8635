/**
 * `npm run test:espruino`: the `linux` bundle on a real Espruino interpreter
 * for Linux, whose path is in ESPRUINO_BIN (without it, this says so and does
 * nothing). The bundle and a configuration are written to the interpreter's
 * Storage (a file in a temporary directory) a chunk per run, then a run loads
 * it as the boot file does (LOAD_CODE: the Storage file run at the global scope)
 * and calls fabmqtt.start() against a mosquitto on 127.0.0.1 and
 * prints process.memory() before loading, after loading and while running.
 * It checks that the firmware connects, publishes telemetry, obeys a command,
 * reconnects after the broker restarts, restarts on cmd/restart (load()
 * runs the boot file, written to Storage as `npm run flash` writes it), and
 * takes a configuration over MQTT (config/set), going back from one that
 * cannot reach the broker, and then runs in battery mode (a wake, a reading,
 * deep sleep, simulated). Last, a board made with `npm run flash` and `npm run
 * provision` through the interpreter's telnet console refuses a tampered
 * update and takes one from `npm run ota` (scripts/espruino-flashed.ts).
 * Exit code 0 only when all of that held.
 *
 * First it measures, each in a fresh interpreter, what the bundles cost in
 * variables against the memory targets (printed, not judged by the exit code,
 * so that a pool too small to run them still gives its figures): the codec and
 * client alone (dist/core) loaded; the library (dist/modules) loaded and
 * connected; and the ESP8266 firmware (with a stand-in for Espruino's "Wifi"
 * module, which the Linux build lacks) loaded, started, connected, and after
 * 5,000 QoS 1 publishes, and with a sensor, a relay and Home Assistant
 * discovery, the highest usage while the discovery messages go out and a
 * reading follows every 2 s for 20 s, with how many of each reached the
 * broker. The firmware's measuring script runs from Storage, as code does on
 * the board: a script given as text keeps its source in variables.
 *
 * Then the library side by side with Espruino's own MQTT and tinyMQTT modules,
 * from the folder in ESPRUINO_MODULES_DIR (scripts/espruino-anchors.ts), and
 * the firmware against hostile traffic (scripts/espruino-hostile.ts: a
 * retained command on a 200-byte topic, a burst of bad commands).
 *
 * ESPRUINO_ONLY=memory stops after the memory figures (a before/after of a
 * change in a few minutes; the exit code is then 0).
 */
import { spawn, execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { putEspruinoStorage, reportChecks, runEspruinoOnce, runMain } from "./espruino-run";
import { compareWithAnchors } from "./espruino-anchors";
import { hostileChecks } from "./espruino-hostile";
import { discoveryCount } from "../firmware/app/discovery";
import type { Config } from "../firmware/app/config";
import { BOOT_CODE, BOOT_FILE, BUNDLE_FILE, LOAD_CODE } from "./flash/boot-code";
import { flashedChecks } from "./espruino-flashed";
import { startMosquitto } from "./support/mosquitto";
import { CONFIG_TRIAL_MS } from "../firmware/app/remote-config";
import { E_CONFIG_ROLLED_BACK } from "../base/errors";
import net from "node:net";
import { startLiveClient, closeLiveClients, waitFor } from "./support/live-client";

const BIN = process.env.ESPRUINO_BIN;

const DIST = path.join(import.meta.dirname, "..", "dist");

/** A Wifi module for the Linux build: joins at once; like Espruino's, it calls a listener with `this` = the module. */
const WIFI_MODULE =
  "var up = null;" +
  ' exports.on = function (ev, fn) { if (ev === "connected") up = fn; };' +
  ' exports.connect = function (s, o, cb) { setTimeout(function () { cb(null); if (up) up.call(exports, { ip: "127.0.0.1" }); }, 1); };' +
  ' exports.getIP = function (cb) { cb({ ip: "127.0.0.1" }); }; exports.setHostname = function () {}; exports.disconnect = function () {};\n';

const MEM = 'function mem(what) { print("MEM " + what + " " + process.memory().usage); }\n';

/**
 * A measuring script's prelude: "connected" at the connect, then the highest
 * usage ("peak", sampled every 5 ms) over the 20 s after it. Those 20 s are
 * counted by watch() itself: a timer made then would be the script's
 * variables in the figures.
 */
const WATCH_20S =
  "var peak = 0, until = 0;\n" +
  'function watch() { if (!dev || dev.client.state() !== 3) return; var u = process.memory().usage; if (!until) { mem("connected"); until = getTime() + 20; }\n' +
  '  if (u > peak) peak = u; if (getTime() > until) { print("MEM peak " + peak); mem("settled"); quit(); } }\n' +
  'function timedOut() { print("FAILED to connect"); quit(); }\n' +
  "setInterval(watch, 5); setTimeout(timedOut, 45000);\n";

/** Runs `script` in a fresh interpreter whose Storage holds `files`; the "MEM <stage> <usage>" lines it printed, and its last words. */
async function measure(files: [string, string][], script: string, ms: number): Promise<{ mem: Map<string, number>; tail: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fabmqtt-espruino-mem-"));
  try {
    for (const [name, text] of files) await putEspruinoStorage(BIN!, dir, name, text);
    const out = await runEspruinoOnce(BIN!, dir, MEM + script, ms);
    const mem = new Map<string, number>();
    for (const m of out.matchAll(/MEM (\S+) (\d+)/g)) mem.set(m[1], Number(m[2]));
    const lines = out.split("\n").filter((l) => /MEMORY|ERROR|Error|FAILED/.test(l));
    return { mem, tail: lines.slice(0, 3).join(" | ").trim() };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The memory figures against the targets; prints a table. */
async function memoryTargets(port: number): Promise<void> {
  const read = (f: string) => fs.readFileSync(path.join(DIST, f), "latin1");
  const rows: [string, string, string][] = [];
  /**
   * The ESP8266 bundle with `config`, loaded and started into `dev`, which
   * the measuring script (`prelude`) watches. As on the board, code runs from Storage: the
   * measuring script is the Storage module "measure", and the Wifi stand-in is
   * the module "Wifi", loaded before the first figure (on the board Wifi is
   * built in). The measuring script's own functions, variables and timers
   * (`prelude`: its timers wait for `dev`) are made before the first figure
   * too, so the figures are the firmware's. run.js only requires "measure" and
   * loads the bundle as the boot file does (at the global scope, which a
   * module's code cannot reach).
   */
  const measureFirmware = (config: object, prelude: string, ms: number) =>
    measure(
      [
        [BUNDLE_FILE, read("esp8266-nodemcu/fabmqtt.min.js")],
        ["fabmqtt.json", JSON.stringify(config)],
        ["Wifi", WIFI_MODULE],
        [
          "measure",
          "var dev;\n" +
            prelude +
            'require("Wifi");\n' +
            'exports.go = function (M) { mem("loaded"); var d = M.start(); mem("started");\n' +
            'if (typeof d !== "object") { print("FAILED start " + d); quit(); } dev = d; };\n',
        ],
      ],
      'var measuring = require("measure"); mem("before");\n' + LOAD_CODE + "measuring.go(fabmqtt);\n",
      ms,
    );
  const delta = (r: { mem: Map<string, number>; tail: string }, from: string, to: string) =>
    r.mem.has(from) && r.mem.has(to) ? String((r.mem.get(to) as number) - (r.mem.get(from) as number)) : "-" + (r.tail ? " (" + r.tail + ")" : "");
  const core = await measure(
    [["fabmqtt-core", read("core/fabmqtt-core.min.js")]],
    'mem("before"); var M = require("fabmqtt-core"); mem("loaded"); quit();\n',
    20000,
  );
  rows.push(["codec + client (dist/core) loaded", delta(core, "before", "loaded"), "<= 350"]);
  const lib = await measure(
    [["fabmqtt", read("modules/fabmqtt.min.js")]],
    'mem("before"); var M = require("fabmqtt"); mem("loaded");\n' +
      'var c = M.create("127.0.0.1", { port: ' +
      port +
      ', client_id: "espr-lib" });\n' +
      'c.on("connected", function () { setTimeout(function () { mem("connected"); quit(); }, 1000); }); c.connect();\n' +
      'setTimeout(function () { print("FAILED to connect"); quit(); }, 15000);\n',
    25000,
  );
  rows.push(["library (dist/modules) loaded", delta(lib, "before", "loaded"), "(Espruino's modules: the table below)"]);
  rows.push(["library connected", delta(lib, "before", "connected"), ""]);
  const config = { wifi: { ssid: "lab", password: "pw" }, broker: { host: "127.0.0.1", port, keepalive: 30 }, device: "espr-8266", discovery: "" };
  const fw = await measureFirmware(
    config,
    // Each figure is taken once every message so far is acknowledged (nothing in flight or queued).
    // waiting() reads the client's stats in a call of its own, so that its
    // object is gone before publish() runs (the script's garbage is not the firmware's).
    'var n = 0, m = 0, marks = [100, 2500, 5000], names = ["publishing", "after-2500", "after-5000"], seen = false, iv = 0;\n' +
      "function waiting() { var st = dev.client.stats(); return st.inFlight + st.queued; }\n" +
      'function drive() { if (!dev || dev.client.state() !== 3) return; if (!seen) { seen = true; mem("connected"); }\n' +
      "  if (n === marks[m]) { if (waiting() === 0) { mem(names[m]); m++; if (m === marks.length) { clearInterval(iv); quit(); } } return; }\n" +
      '  for (var k = 0; k < 10 && n < marks[m] && waiting() < 8; k++) if (dev.client.publish("espr/load", "m" + n, 1, false) > 0) n++;\n' +
      "}\n" +
      'function timedOut() { print("FAILED: " + n + " published"); quit(); }\n' +
      "iv = setInterval(drive, 5); setTimeout(timedOut, 600000);\n",
    610000,
  );
  rows.push(["ESP8266 firmware loaded", delta(fw, "before", "loaded"), ""]);
  rows.push(["ESP8266 firmware started", delta(fw, "before", "started"), ""]);
  rows.push(["ESP8266 firmware connected", delta(fw, "before", "connected"), "<= 700"]);
  rows.push(["ESP8266 firmware after 100 publishes (all acknowledged)", delta(fw, "before", "publishing"), ""]);
  rows.push(["ESP8266 firmware after 2,500 publishes", delta(fw, "before", "after-2500"), ""]);
  rows.push(["ESP8266 firmware after 5,000 publishes", delta(fw, "before", "after-5000"), "within 2% of 100 publishes"]);
  // Home Assistant discovery: messages of a few hundred bytes, sent one at a time
  // after the connect, then a reading every 2 s for 20 s; a subscriber counts
  // what reached the broker.
  const withDiscovery = {
    ...config,
    device: "espr-ha",
    discovery: "homeassistant",
    sensors: [{ name: "door", kind: "digital", pin: "D4", period: 2 }],
    actuators: [{ name: "relay", kind: "relay", pin: "D5" }],
  };
  const listener = startLiveClient(port, { clientId: "espruino-ha-listener" });
  listener.client.subscribe("homeassistant/+/espr-ha/#", 0);
  listener.client.subscribe("fabmqtt/espr-ha/telemetry/#", 0);
  await waitFor(() => listener.subacks.length === 2, "the listener's subscriptions");
  const ha = await measureFirmware(withDiscovery, WATCH_20S, 60000);
  const received = (prefix: string) => listener.messages.filter((m) => m.topic.startsWith(prefix)).length;
  const entities = discoveryCount(withDiscovery as Config);
  rows.push(["ESP8266 firmware, 1 sensor + 1 relay + discovery, connected", delta(ha, "before", "connected"), "<= 800"]);
  rows.push(["  highest while its " + entities + " discovery messages go out, then a reading every 2 s for 20 s", delta(ha, "before", "peak"), ""]);
  rows.push([
    "  discovery messages / readings the broker got",
    received("homeassistant/") + " / " + received("fabmqtt/espr-ha/telemetry/"),
    entities + " / about 10",
  ]);
  // Every device feature configured at once: report on change, diagnostics once a minute, discovery
  // (with its diagnostic entities), an actuator (group commands), remote configuration and device commands
  // (always on), connected and running for 20 s.
  const everything = await measureFirmware(
    {
      ...withDiscovery,
      device: "espr-all",
      diagPeriod: 60,
      sensors: [{ name: "door", kind: "digital", pin: "D4", period: 2, delta: 1, maxPeriod: 10 }],
    },
    WATCH_20S,
    60000,
  );
  rows.push([
    "ESP8266 firmware, every device feature configured (report on change, diag, discovery, a relay), connected / highest in 20 s",
    delta(everything, "before", "connected") + " / " + delta(everything, "before", "peak"),
    "<= 914 / -",
  ]);
  console.log("\nMemory (variables above the interpreter's own, process.memory().usage) on " + BIN + ":");
  console.log("| what | variables | target |\n| --- | ---: | --- |");
  for (const [what, v, target] of rows) console.log("| " + what + " | " + v + " | " + target + " |");
  console.log("");
}

/** A port of 127.0.0.1 that nothing listens on (one that was free a moment ago). */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  const port = await new Promise<number>((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as net.AddressInfo).port)));
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function main(): Promise<number> {
  if (!BIN) {
    console.log("test:espruino did nothing: set ESPRUINO_BIN to the path of an Espruino interpreter for Linux (built from Espruino's sources).");
    return 0;
  }
  const bundle = path.join(DIST, "linux", "fabmqtt.min.js");
  if (!fs.existsSync(bundle) || !fs.existsSync(path.join(DIST, "core", "fabmqtt-core.min.js"))) execFileSync("npm", ["run", "build"], { stdio: "inherit" });
  const code = fs.readFileSync(bundle, "latin1");
  const broker = await startMosquitto();
  await memoryTargets(broker.port);
  if (process.env.ESPRUINO_ONLY === "memory") {
    await broker.stop();
    return 0;
  }
  await compareWithAnchors(BIN, broker.port, DIST);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fabmqtt-espruino-"));
  const config = {
    wifi: { ssid: "none", password: "" },
    broker: { host: "127.0.0.1", port: broker.port, keepalive: 10 },
    device: "espruino-linux",
    qos: 1,
    discovery: "",
    sensors: [
      { name: "input", kind: "digital", pin: "D4", period: 1 },
      // Report on change: read every second, unchanged (the Linux build's pins read 0), so published every 5 s.
      { name: "door", kind: "digital", pin: "D6", period: 1, delta: 1, maxPeriod: 5 },
    ],
    actuators: [{ name: "relay", kind: "relay", pin: "D5" }],
  };
  const checks: [string, boolean][] = [];
  let output = "";
  try {
    await putEspruinoStorage(BIN!, dir, BUNDLE_FILE, code);
    await putEspruinoStorage(BIN!, dir, "fabmqtt.json", JSON.stringify(config));
    // What the board runs after a restart (load(): the boot file), here also saying so and printing its memory.
    await putEspruinoStorage(
      BIN!,
      dir,
      BOOT_FILE,
      'print("BOOTED");\n' +
        BOOT_CODE +
        'setInterval(function () { var m = process.memory(); print("MEM restarted usage=" + m.usage + " free=" + m.free); }, 2000);\n',
    );
    const watcher = startLiveClient(broker.port, { clientId: "espruino-watcher" });
    watcher.client.subscribe("fabmqtt/espruino-linux/#", 1);
    const harness =
      'function mem(what) { var m = process.memory(); print("MEM " + what + " usage=" + m.usage + " free=" + m.free + " total=" + m.total); }\n' +
      'mem("before-load");\n' +
      LOAD_CODE +
      "var fab = fabmqtt;\n" +
      'mem("loaded");\n' +
      "var dev = fab.start();\n" +
      'print(typeof dev === "number" ? "START-FAILED " + dev : "STARTED");\n' +
      'mem("started");\n' +
      'setInterval(function () { mem("running"); }, 2000);\n';
    fs.writeFileSync(path.join(dir, "run.js"), harness);
    const child = spawn(BIN, ["run.js"], { cwd: dir, stdio: ["pipe", "pipe", "pipe"] });
    child.stdout.on("data", (d) => {
      output += d;
      process.stdout.write(String(d).replace(/\x1b\[[0-9;]*[A-Za-z]/g, ""));
    });
    child.stderr.on("data", (d) => (output += d));
    const got = (topic: string) => watcher.messages.filter((m) => m.topic === "fabmqtt/espruino-linux/" + topic).map((m) => m.payload.toString());
    const step = async (what: string, check: () => boolean, ms = 15000) => {
      try {
        await waitFor(check, what, ms);
        checks.push([what, true]);
      } catch {
        checks.push([what, false]);
      }
    };
    await step("connects and says online", () => got("status").includes("online"));
    await step("publishes telemetry", () => got("telemetry/input").length >= 2);
    // Readings on schedule: the interpreter's interval comes late, the readings must not.
    const firstReading = watcher.messages.filter((m) => m.topic === "fabmqtt/espruino-linux/telemetry/input").length;
    const doorBefore = got("telemetry/door").length;
    await new Promise((r) => setTimeout(r, 60000));
    const arrivals = watcher.messages
      .filter((m) => m.topic === "fabmqtt/espruino-linux/telemetry/input")
      .slice(firstReading - 1)
      .map((m) => m.at);
    const meanMs = (arrivals[arrivals.length - 1] - arrivals[0]) / (arrivals.length - 1);
    console.log(
      "telemetry: " +
        arrivals.length +
        " readings of a 1 s period in " +
        ((arrivals[arrivals.length - 1] - arrivals[0]) / 1000).toFixed(1) +
        " s, mean interval " +
        meanMs.toFixed(1) +
        " ms",
    );
    // Readings leave on a tick (250 ms): the first and last arrivals may each be up to a tick late, which the bound allows for.
    const slackMs = 10 + 250 / (arrivals.length - 1);
    checks.push([
      "keeps a 1 s telemetry period over 60 s: mean " + meanMs.toFixed(1) + " ms, within 1% and a tick over the run",
      Math.abs(meanMs - 1000) <= slackMs,
    ]);
    const doorReadings = got("telemetry/door").length - doorBefore;
    checks.push([
      "with delta 1 and maxPeriod 5, an unchanged input read every second is published every 5 s (" + doorReadings + " in 60 s)",
      doorReadings >= 10 && doorReadings <= 13,
    ]);
    const diagText = got("diag")[0] || "";
    const diag = diagText ? JSON.parse(diagText) : {};
    console.log("diag: " + diagText);
    checks.push([
      "publishes diag at connect with the build's commit, free variables and the last error's name",
      /^\d+\.\d+\.\d+\+[0-9a-f]{7,}/.test(String(diag.fw)) && typeof diag.free === "number" && diag.free > 0 && diag.errorName === "E_OK",
    ]);
    watcher.client.publish("fabmqtt/espruino-linux/set/relay", "ON", 1, false);
    await step("obeys a command", () => got("state/relay").includes("ON"));
    const onlineBefore = got("status").filter((s) => s === "online").length;
    await broker.terminate();
    await broker.restart();
    await step("reconnects after the broker restarts", () => got("status").filter((s) => s === "online").length > onlineBefore, 40000);
    // cmd/restart: "offline", then the interpreter's load() runs the boot file, which starts the firmware again.
    const statusBefore = got("status").length;
    watcher.client.publish("fabmqtt/espruino-linux/cmd/restart", "1", 1, false);
    await step(
      "restarts on cmd/restart: offline, the boot file runs again, online",
      () => output.includes("BOOTED") && got("status").slice(statusBefore).join(",") === "offline,online",
      20000,
    );
    await waitFor(() => /MEM restarted usage=\d+/.test(output), "memory after the restart", 10000).catch(() => undefined);
    const running = /MEM running usage=(\d+)/.exec(output);
    const restarted = /MEM restarted usage=(\d+)/.exec(output);
    console.log("memory before / after the restart: " + (running ? running[1] : "?") + " / " + (restarted ? restarted[1] : "?") + " variables");
    // Remote configuration: a change is answered, the firmware restarts into it and keeps it once connected;
    // one whose broker cannot be reached is dropped after its bound, and config/result says so.
    const boots = () => output.split("BOOTED").length - 1;
    const results = () => got("config/result").map((t) => JSON.parse(t));
    watcher.client.publish("fabmqtt/espruino-linux/config/set", JSON.stringify({ diagPeriod: 30 }), 1, false);
    await step(
      "config/set: answers ok, restarts into the change and keeps it once connected; config shows it",
      () =>
        JSON.stringify(results()) === '[{"ok":true},{"ok":true,"kept":true}]' && boots() === 2 && got("config").some((t) => JSON.parse(t).diagPeriod === 30),
      30000,
    );
    const closed = await closedPort();
    watcher.client.publish("fabmqtt/espruino-linux/config/set", JSON.stringify({ broker: { port: closed } }), 1, false);
    await step(
      "config/set to a broker that cannot be reached: back to the last configuration after " + CONFIG_TRIAL_MS / 1000 + " s, and config/result says so",
      () => results().length === 4 && results()[3].code === E_CONFIG_ROLLED_BACK && boots() === 4,
      CONFIG_TRIAL_MS + 40000,
    );
    console.log("config/result: " + got("config/result").join(" "));
    // Battery mode, switched on over MQTT: each wake reads, publishes, and sleeps (Espruino for Linux
    // has no deep sleep: the HAL's load() after the time stands in for the wake).
    const awake = () => output.match(/awake \d+ ms, sleeping 10 s/g) || [];
    const readingsBefore = got("telemetry/input").length;
    watcher.client.publish("fabmqtt/espruino-linux/config/set", JSON.stringify({ sleep: 10 }), 1, false);
    await step(
      "battery mode (sleep 10): two wakes, each with its reading, acknowledged, then asleep; no offline",
      () => awake().length >= 2 && got("telemetry/input").length >= readingsBefore + 2 && !got("status").slice(-2).includes("offline"),
      45000,
    );
    console.log("battery mode: " + awake().join("; "));
    child.kill("SIGKILL");
    // What a stranger on the broker can send a board (scripts/espruino-hostile.ts).
    for (const check of await hostileChecks(BIN!, broker.port, async () => {
      await broker.terminate();
      await broker.restart();
    }))
      checks.push(check);
    // A board flashed and provisioned with the commands, then updated over MQTT (scripts/espruino-flashed.ts).
    for (const check of await flashedChecks(BIN!, broker.port)) checks.push(check);
  } catch (e) {
    checks.push([String((e as Error).message), false]);
  } finally {
    closeLiveClients();
    await broker.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const mems = output.split("\n").filter((l) => l.startsWith("MEM "));
  console.log("\nInterpreter: " + BIN);
  console.log("Memory (process.memory(), variables):");
  for (const m of mems.slice(0, 6)) console.log("  " + m.trim());
  if (mems.length > 6) console.log("  " + mems[mems.length - 1].trim() + "  (last)");
  return reportChecks(checks);
}

runMain(main);
