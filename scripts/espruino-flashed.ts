/**
 * test:espruino's board made as a maker makes one: a fresh interpreter for
 * Linux stands for the board (run interactive, it runs the boot file at
 * power-on as a board does; `--telnet` opens Espruino's console on
 * 127.0.0.1:2323), `npm run flash` writes v1 to it and `npm run provision`
 * its configuration and update key, both through the espruino CLI on that
 * console; a power cycle (the process started again on the same Storage)
 * brings v1 online. Then the update checks (scripts/espruino-ota.ts) run
 * against it, with its memory sampled every 100 ms (SAMPLE_MS) by a `.boot0` of the
 * test's (Espruino runs it at each start, before the boot file).
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { otaChecks, testKey } from "./espruino-ota";
import { closeLiveClients, startWatcher, waitFor } from "./support/live-client";
import { waitForPort } from "./support/mosquitto";
import { putEspruinoStorage, runNpm } from "./espruino-run";

const ROOT = path.join(import.meta.dirname, "..");
/** Espruino for Linux's telnet console (libs/network/telnet: fixed). */
const TELNET_PORT = 2323;
const DEVICE = "espruino-flashed";
/** How often the board's memory is sampled. */
const SAMPLE_MS = 100;

/** The lines of a command's output worth showing: its last two. */
function tail(out: string): string {
  return out.trim().split("\n").slice(-2).join(" | ");
}

/** The checks, each [what, passed], on the interpreter `bin` against the broker on 127.0.0.1:`port`. */
export async function flashedChecks(bin: string, port: number): Promise<[string, boolean][]> {
  const checks: [string, boolean][] = [];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fabmqtt-flashed-"));
  let output = "";
  let board: ChildProcess | null = null;
  const powerOn = () => {
    // Its console is this process's stdin, kept open (at end of input the interpreter would read it forever) and
    // never written: the interpreter for Linux reads it on a thread of its own, which breaks its event queue
    // ("ASSERT(len <= 64) FAILED" in jsdevices.c) when input comes while sockets are busy.
    board = spawn(bin, ["--telnet"], { cwd: dir, stdio: ["pipe", "pipe", "pipe"] });
    board.stdout!.on("data", (d) => (output += String(d).replace(/\x1b\[[0-9;]*[A-Za-z]/g, "")));
    board.stderr!.on("data", (d) => (output += d));
  };
  const powerOff = async () => {
    const b = board as ChildProcess | null;
    board = null;
    if (!b || b.exitCode !== null || b.signalCode !== null) return;
    const gone = new Promise((r) => b.on("exit", r));
    b.kill("SIGKILL");
    await gone;
  };
  try {
    if (await waitForPort(TELNET_PORT, 200))
      throw new Error("127.0.0.1:" + TELNET_PORT + " is taken (another interpreter?): the board's telnet console needs it");
    powerOn();
    if (!(await waitForPort(TELNET_PORT, 10000))) throw new Error("the interpreter's telnet console did not open on 127.0.0.1:" + TELNET_PORT);
    const consolePort = "tcp://127.0.0.1:" + TELNET_PORT;
    const flash = await runNpm(["flash", "--", "--board", "linux", "--port", consolePort, "--fast"], 120000);
    console.log("npm run flash: exit " + flash.status + "; " + tail(flash.stdout + flash.stderr));
    checks.push(["npm run flash writes v1 to the interpreter through its telnet console, checked by CRC-32", flash.status === 0]);
    const config = {
      wifi: { ssid: "none", password: "" },
      broker: { host: "127.0.0.1", port, keepalive: 10 },
      device: DEVICE,
      qos: 1,
      discovery: "",
      sensors: [{ name: "input", kind: "digital", pin: "D4", period: 2 }],
      actuators: [{ name: "relay", kind: "relay", pin: "D5" }],
    };
    fs.writeFileSync(path.join(dir, "config.json"), JSON.stringify(config));
    const key = testKey();
    fs.writeFileSync(path.join(dir, "board.key"), key.toString("hex") + "\n", { mode: 0o600 });
    const provision = await runNpm(
      [
        "provision",
        "--",
        "--board",
        "linux",
        "--port",
        consolePort,
        "--config",
        path.join(dir, "config.json"),
        "--key-file",
        path.join(dir, "board.key"),
        "--fast",
      ],
      120000,
    );
    console.log("npm run provision: exit " + provision.status + "; " + tail(provision.stdout + provision.stderr));
    checks.push(["npm run provision writes the configuration and the update key the same way", provision.status === 0]);
    const watcher = await startWatcher(port, "fabmqtt/" + DEVICE + "/#");
    const got = (topic: string) => watcher.messages.filter((m) => m.topic === "fabmqtt/" + DEVICE + "/" + topic).map((m) => m.payload.toString());
    await powerOff();
    // The test's sampler, run at each start before the boot file (as .boot0 is): not part of what was flashed.
    await putEspruinoStorage(bin, dir, ".boot0", 'setInterval(function () { print("MEM flashed usage=" + process.memory().usage); }, ' + SAMPLE_MS + ");\n");
    powerOn();
    const code = fs.readFileSync(path.join(ROOT, "dist", "linux", "fabmqtt.min.js"), "latin1");
    const v1 = /\bversion:"([^"]*)"/.exec(code);
    let online = true;
    await waitFor(() => got("status").includes("online") && got("diag").length > 0, "v1 online", 30000).catch(() => (online = false));
    const fw = got("diag").length ? JSON.parse(got("diag")[0]).fw : "";
    checks.push(["powered on, the flashed board runs v1 (" + fw + ") and comes online", online && !!v1 && String(fw).endsWith(v1[1])]);
    if (!online) return checks;
    // The firmware says "wifi up" at each start: the power-on, then each restart.
    const boots = () => output.split("wifi up").length - 1;
    for (const check of await otaChecks({ port, code, key, root: "fabmqtt/" + DEVICE + "/", output: () => output, boots, sampleMs: SAMPLE_MS }))
      checks.push(check);
  } catch (e) {
    checks.push([(e as Error).message, false]);
  } finally {
    if (checks.some((c) => !c[1])) console.log("the flashed board's last output:\n" + output.replace(/MEM flashed usage=\d+\n/g, "").slice(-2000));
    await powerOff();
    closeLiveClients();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return checks;
}
