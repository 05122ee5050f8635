/**
 * `npm run test:espruino`: the `linux` bundle on a real Espruino interpreter
 * for Linux, whose path is in ESPRUINO_BIN (without it, this says so and does
 * nothing). The bundle and a configuration are written to the interpreter's
 * Storage (a file in a temporary directory) a chunk per run, then a run loads
 * it with require("fabmqtt").start() against a mosquitto on 127.0.0.1 and
 * prints process.memory() before loading, after loading and while running.
 * It checks that the firmware connects, publishes telemetry, obeys a command
 * and reconnects after the broker restarts. Exit code 0 only when all of that held.
 */
import { spawn, execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { putEspruinoStorage } from "./espruino-run";
import { startMosquitto } from "../test/support/mosquitto";
import { startLiveClient, closeLiveClients, waitFor } from "../test/support/live-client";

const BIN = process.env.ESPRUINO_BIN;

async function main(): Promise<number> {
  if (!BIN) {
    console.log("test:espruino did nothing: set ESPRUINO_BIN to the path of an Espruino interpreter for Linux (built from Espruino's sources).");
    return 0;
  }
  const bundle = path.join(__dirname, "..", "dist", "linux", "fabmqtt.min.js");
  if (!fs.existsSync(bundle)) execFileSync("npm", ["run", "build"], { stdio: "inherit" });
  const code = fs.readFileSync(bundle, "latin1");
  const broker = await startMosquitto();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fabmqtt-espruino-"));
  const config = {
    wifi: { ssid: "none", password: "" },
    broker: { host: "127.0.0.1", port: broker.port, keepalive: 10 },
    device: "espruino-linux",
    qos: 1,
    discovery: "",
    sensors: [{ name: "input", kind: "digital", pin: "D4", period: 1 }],
    actuators: [{ name: "relay", kind: "relay", pin: "D5" }],
  };
  const checks: [string, boolean][] = [];
  let output = "";
  try {
    await putEspruinoStorage(BIN!, dir, "fabmqtt", code);
    await putEspruinoStorage(BIN!, dir, "fabmqtt.json", JSON.stringify(config));
    const watcher = startLiveClient(broker.port, { clientId: "espruino-watcher" });
    watcher.client.subscribe("fabmqtt/espruino-linux/#", 1);
    const harness =
      'function mem(what) { var m = process.memory(); print("MEM " + what + " usage=" + m.usage + " free=" + m.free + " total=" + m.total); }\n' +
      'mem("before-load");\n' +
      'var fab = require("fabmqtt");\n' +
      'mem("loaded");\n' +
      'var dev = fab.start();\n' +
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
    watcher.client.publish("fabmqtt/espruino-linux/set/relay", "ON", 1, false);
    await step("obeys a command", () => got("state/relay").includes("ON"));
    const onlineBefore = got("status").filter((s) => s === "online").length;
    await broker.terminate();
    await broker.restart();
    await step("reconnects after the broker restarts", () => got("status").filter((s) => s === "online").length > onlineBefore, 40000);
    child.kill("SIGKILL");
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
  for (const [what, ok] of checks) console.log((ok ? "  ok    " : "  FAIL  ") + what);
  return checks.length > 0 && checks.every((c) => c[1]) ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
