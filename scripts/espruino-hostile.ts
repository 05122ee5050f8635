/**
 * Hostile traffic against the `linux` bundle on a real Espruino interpreter
 * for Linux (the path `bin`), through a mosquitto on 127.0.0.1:`port`: what a
 * stranger on the broker can send a board, and what the board must survive.
 *
 *   const checks = await hostileChecks(process.env.ESPRUINO_BIN, broker.port, () => broker.restart());
 *
 * The bundle (dist/linux/fabmqtt.min.js, built by `npm run build`) and a
 * configuration with a relay on D5 are written to the interpreter's Storage
 * in a temporary directory of its own; a run loads the bundle as the boot
 * file does and starts it. The interpreter's `digitalWrite` is wrapped to
 * print each write (its Linux pins read back 0), and the firmware prints
 * "mqtt up" at every connect: the checks count those. Topics are under
 * hostile<pid>/espruino-hostile/, so that runs and other tests do not meet.
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { putEspruinoStorage } from "./espruino-run";
import { BUNDLE_FILE, LOAD_CODE } from "./flash/boot-code";
import { ST_CONNECTED } from "../firmware/session/client";
import { startLiveClient, waitFor, type LiveClient } from "./support/live-client";

/** Restarts the broker on the same port, keeping its retained messages (mosquitto with persistence: terminate, then start). */
export type BrokerRestart = () => Promise<void>;

const BUNDLE = path.join(import.meta.dirname, "..", "dist", "linux", "fabmqtt.min.js");
const DEVICE = "espruino-hostile";
/** How long a check watches for a reconnect. */
const QUIET_MS = 30000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The interpreter's run: its output so far, and counts read from it. */
interface Board {
  child: ChildProcess;
  output(): string;
  /** Connects so far ("mqtt up"). */
  connects(): number;
  /** The last level written to `pin` ("PIN D5 1"), -1 when none. */
  pin(pin: string): number;
}

/** Starts `bin` in `dir` on run.js with stdin an open pipe (at end of file the Linux port feeds garbage into its console). */
function startBoard(bin: string, dir: string, script: string): Board {
  fs.writeFileSync(path.join(dir, "run.js"), script);
  const child = spawn(bin, ["run.js"], { cwd: dir, stdio: ["pipe", "pipe", "pipe"] });
  let out = "";
  child.stdout!.on("data", (d) => (out += String(d).replace(/\x1b\[[0-9;]*[A-Za-z]/g, "")));
  child.stderr!.on("data", (d) => (out += String(d)));
  return {
    child,
    output: () => out,
    connects: () => out.split("mqtt up").length - 1,
    pin(pin) {
      const writes = out.match(new RegExp("PIN " + pin + " [01]", "g"));
      return writes ? Number(writes[writes.length - 1].slice(-1)) : -1;
    },
  };
}

/** The retained message on `topic` as a new subscriber gets it ("" when none comes within 3 s). */
async function retained(port: number, topic: string): Promise<string> {
  const late = startLiveClient(port, { clientId: "hostile-late-" + process.pid });
  try {
    late.client.subscribe(topic, 1);
    await waitFor(() => late.messages.length > 0, "a retained message", 3000);
    return late.messages[0].payload.toString("latin1");
  } catch {
    return "";
  } finally {
    late.close();
  }
}

/** Waits for `check`; false after `ms`. */
async function within(check: () => boolean, ms: number): Promise<boolean> {
  try {
    await waitFor(check, "", ms);
    return true;
  } catch {
    return false;
  }
}

/**
 * Runs the hostile checks and returns them as [what, held]. (i) A retained
 * message on a 200-byte topic under <root>set/ (the device subscribes to
 * <root>set/+, so every connect brings it): one connect and no reconnect in
 * 30 s. (ii) 60 bad commands followed by ON: the board stays connected, the
 * relay is ON and so is the retained state. (iv) A 10,000-byte command is
 * answered on <root>error with E_PACKET_TOO_LARGE (-112), no reconnect. With `brokerRestart`, also
 * (iii): the broker restarted with that retained message still there, the
 * board connects once more and stays connected for 30 s. Never throws: a
 * failure to set up is a check that did not hold. Leaves no retained message
 * behind (where the broker is up).
 */
export async function hostileChecks(bin: string, port: number, brokerRestart?: BrokerRestart): Promise<[string, boolean][]> {
  const checks: [string, boolean][] = [];
  if (!fs.existsSync(BUNDLE)) return [[BUNDLE + " exists (npm run build)", false]];
  const base = "hostile" + process.pid;
  const root = base + "/" + DEVICE + "/";
  const longTopic = (root + "set/").padEnd(200, "x");
  const config = {
    wifi: { ssid: "none", password: "" },
    broker: { host: "127.0.0.1", port, keepalive: 10 },
    device: DEVICE,
    base,
    qos: 1,
    discovery: "",
    actuators: [{ name: "relay", kind: "relay", pin: "D5", safe: "off" }],
  };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fabmqtt-hostile-"));
  const clients: LiveClient[] = [];
  let board: Board | null = null;
  let watcher: LiveClient | null = null;
  const watch = (what: string) => {
    const c = startLiveClient(port, { clientId: "hostile-" + what + "-" + process.pid, inflightWindow: 16, queueSize: 200 });
    clients.push(c);
    return c;
  };
  try {
    await putEspruinoStorage(bin, dir, BUNDLE_FILE, fs.readFileSync(BUNDLE, "latin1"));
    await putEspruinoStorage(bin, dir, "fabmqtt.json", JSON.stringify(config));
    const w = (watcher = watch("watcher"));
    w.client.subscribe(root + "#", 1);
    await waitFor(() => w.subacks.length === 1, "the watcher's subscription");
    const got = (t: string) => w.messages.filter((m) => m.topic === root + t).map((m) => m.payload.toString("latin1"));

    // (i) The retained message is there before the board subscribes.
    const seq = w.client.publish(longTopic, "ON", 1, true);
    await waitFor(() => w.published.includes(seq), "the retained message at the broker");
    board = startBoard(
      bin,
      dir,
      "var writePin = digitalWrite;\n" +
        'global.digitalWrite = function (p, v) { print("PIN " + p + " " + (v ? 1 : 0)); writePin(p, v); };\n' +
        LOAD_CODE +
        "var dev = fabmqtt.start();\n" +
        'print(typeof dev === "number" ? "START-FAILED " + dev : "STARTED");\n',
    );
    const b = board;
    const up = await within(() => b.connects() >= 1, 15000);
    if (up) await sleep(QUIET_MS);
    const first = "a retained message on a 200-byte topic under <root>set/ gives one connect and no reconnect in 30 s";
    checks.push([first, up && b.connects() === 1 && got("status").filter((s) => s === "online").length === 1]);

    if (brokerRestart) {
      // (iii) The message is still retained: every connect brings it again.
      const before = b.connects();
      await brokerRestart();
      const again = await within(() => b.connects() > before, 40000);
      if (again) await sleep(QUIET_MS);
      checks.push([
        "after a broker restart, with that message still retained, one connect more and no reconnect in 30 s",
        again && b.connects() === before + 1,
      ]);
      await within(() => w.client.state() === ST_CONNECTED, 10000);
    }
    const cleared = w.client.publish(longTopic, "", 1, true);
    await within(() => w.published.includes(cleared), 5000);

    // (ii) A burst of refused commands, then a good one.
    const connects = b.connects();
    const statuses = got("status").length;
    await within(() => got("state/relay").length >= 1, 5000);
    const sender = watch("sender");
    await waitFor(() => sender.client.state() === ST_CONNECTED, "the sender connected");
    for (let i = 0; i < 60; i++) sender.client.publish(root + "set/relay", "maybe", 1, false);
    sender.client.publish(root + "set/relay", "ON", 1, false);
    const on = await within(() => got("state/relay").includes("ON"), 15000);
    await sleep(3000);
    const state = await retained(port, root + "state/relay");
    const parts: [string, boolean][] = [
      ["state ON published", on],
      ["no reconnect", b.connects() === connects],
      ["no offline status", !got("status").slice(statuses).includes("offline")],
      ["pin D5 driven high", b.pin("D5") === 1],
      ["retained state ON", state === "ON"],
    ];
    const failed = parts.filter((p) => !p[1]).map((p) => p[0]);
    if (failed.length) console.log("hostile checks: after 60 bad commands and ON, not so: " + failed.join(", "));
    checks.push(["60 bad commands followed by ON leave the board connected, with the relay ON and the retained state ON", failed.length === 0]);

    // (iv) A command far over the board's packet size: an answer on <root>error, no reconnect.
    const errors = got("error").length;
    sender.client.publish(root + "set/relay", "A".repeat(10000), 1, false);
    const answered = await within(
      () =>
        got("error")
          .slice(errors)
          .some((t) => t.indexOf('"code":-112') >= 0),
      10000,
    );
    checks.push(['a 10,000-byte command gets {"source":"command","code":-112} on <root>error, and no reconnect', answered && b.connects() === connects]);
  } catch (e) {
    checks.push(["hostile checks ran: " + (e as Error).message, false]);
  } finally {
    if (board) {
      board.child.kill("SIGKILL");
      if (checks.some((c) => !c[1])) console.log("hostile checks: the interpreter's last lines:\n" + board.output().trim().split("\n").slice(-40).join("\n"));
      // The broker sends the board's will (retained) once it sees the connection gone.
      await sleep(1000);
    }
    // What this run left retained goes with it.
    const w = watcher as LiveClient | null;
    if (w && w.client.state() === ST_CONNECTED) {
      let last = 0;
      for (const topic of [longTopic, root + "state/relay", root + "status"]) last = w.client.publish(topic, "", 1, true);
      await within(() => w.published.includes(last), 5000);
    }
    for (const c of clients) c.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return checks;
}
