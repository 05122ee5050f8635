/**
 * `npm run test:espruino-hal`: hal/espruino from the `linux` bundle on a real
 * Espruino interpreter for Linux, whose path is in ESPRUINO_BIN (without it,
 * this says so and does nothing). The bundle goes to the interpreter's Storage
 * (a file in a temporary directory, a chunk per run), then one run makes the
 * HAL with require("fabmqtt").createEspruinoHal(board) and checks, against a
 * TCP peer on 127.0.0.1: the socket events and their order, bytes both ways
 * (all 256 values), the bounded send queue, a refused connect and an unknown
 * host as codes, write after close, timers with a stale handle, Storage names;
 * it prints process.memory() figures for loading the bundle, the HAL, one
 * connection and one sensor of each kind.
 * Exit code 0 only when every check held. The stand-in (test/support/
 * espruino-standin.ts) is meant to behave the same; this is how to tell.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { BOARDS } from "../boards/index";
import { toDeviceBoard } from "../boards/device-view";
import { putEspruinoStorage, reportChecks, runEspruinoOnce, runMain } from "./espruino-run";
import { freePort } from "./support/mosquitto";
import { startTcpPeer } from "./support/tcp-peer";

const BIN = process.env.ESPRUINO_BIN;

/** The program the interpreter runs: it prints one RESULT line of JSON. */
function program(board: object, peerPort: number, refusedPort: number): string {
  return `
var r = { ev: [], inside: 0, codes: {}, mem: {} };
var u = function () { return process.memory().usage; };
var m00 = u();
var F = require("fabmqtt");
var m0 = u();
r.mem.load = m0 - m00;
var hal = F.createEspruinoHal(${JSON.stringify(board)});
r.mem.hal = u() - m0;
var depth = 0;
var got = "";
function note(e) { if (depth) r.inside++; r.ev.push(e); }
var h = { onConnect: function () { note("connect"); }, onData: function (d) { if (r.ev[r.ev.length - 1] !== "data") note("data"); got += d; },
  onError: function (c) { note("error " + c); }, onClose: function () { note("close"); } };
var m1 = u();
depth++; var s = hal.net.connect({ host: "127.0.0.1", port: ${peerPort} }, h); depth--;
r.mem.connect = u() - m1;
var h2 = { onConnect: function () { r.refusedEvents = true; }, onData: function () {}, onError: function () { r.refusedEvents = true; }, onClose: function () { r.refusedEvents = true; } };
r.codes.refused = hal.net.connect({ host: "127.0.0.1", port: ${refusedPort} }, h2);
r.codes.dns = hal.net.connect({ host: "no-such-host.invalid", port: 1883 }, h2);
var all = new Uint8Array(256); for (var i = 0; i < 256; i++) all[i] = i;
var seen = [];
var a = hal.timers.after(5, function () { seen.push("a"); });
setTimeout(function () {
  depth++;
  r.codes.write = s.write(all, 0, 256);
  var n = 0, code = 0;
  while ((code = s.write(all, 0, 200)) === 0 && n < 100) n++;
  r.codes.queueFull = code; r.queued = n;
  depth--;
  // Espruino gives a's timer number to the next timer: a stale cancel must leave it alone.
  hal.timers.after(30, function () { seen.push("b"); });
  hal.timers.cancel(a); hal.timers.cancel(0); hal.timers.cancel(a);
  var text = "k" + String.fromCharCode(0) + String.fromCharCode(255);
  r.codes.storage = [hal.storage.write("${"x".repeat(28)}", text), hal.storage.write("${"x".repeat(29)}", "no"), hal.storage.write("", "no")];
  r.storageBack = hal.storage.read("${"x".repeat(28)}") === text;
  setTimeout(function () {
    depth++; s.close(); r.codes.afterClose = s.write(all, 0, 1); depth--;
    setTimeout(function () {
      var m2 = u();
      var dht = hal.sensors.open({ kind: "dht22", pin: "D4" });
      var m3 = u();
      var ds = hal.sensors.open({ kind: "ds18b20", pin: "D5" });
      r.mem.dht22 = m3 - m2;
      r.mem.ds18b20 = u() - m3;
      r.sensorsOpen = typeof dht === "object" && typeof ds === "object";
      r.timers = seen.join("");
      r.got = got.length; r.gotOk = true;
      for (var i = 0; i < got.length; i++) if (got.charCodeAt(i) !== (i % 256)) r.gotOk = false;
      print("RESULT " + JSON.stringify(r));
    }, 300);
  }, 400);
}, 300);
`;
}

async function main(): Promise<number> {
  if (!BIN) {
    console.log("test:espruino-hal did nothing: set ESPRUINO_BIN to the path of an Espruino interpreter for Linux (built from Espruino's sources).");
    return 0;
  }
  const bundle = path.join(import.meta.dirname, "..", "dist", "linux", "fabmqtt.min.js");
  if (!fs.existsSync(bundle)) throw new Error(bundle + " is missing: run npm run build");
  const board = toDeviceBoard(BOARDS.find((b) => b.id === "linux")!);
  const down = new Uint8Array(1024).map((_, i) => i % 256);
  const peer = await startTcpPeer(down);
  const refused = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fabmqtt-espruino-hal-"));
  const checks: [string, boolean][] = [];
  try {
    await putEspruinoStorage(BIN!, dir, "fabmqtt", fs.readFileSync(bundle, "latin1"));
    const out = await runEspruinoOnce(BIN!, dir, program(board, peer.port, refused), 8000);
    const line = out.split("\n").find((l) => l.indexOf("RESULT ") >= 0);
    if (!line) throw new Error("no RESULT from the interpreter:\n" + out.slice(-1500));
    const r = JSON.parse(line.slice(line.indexOf("RESULT ") + 7));
    const conn = peer.connections[0];
    const sent = conn ? conn.received() : Buffer.alloc(0);
    const check = (what: string, ok: boolean) => checks.push([what, ok]);
    check("events: connect, data, none inside a call nor after the owner's close: " + r.ev.join(", "), r.ev.join(",") === "connect,data" && r.inside === 0);
    check("the peer saw the connection end after close()", !!conn && conn.closed());
    check("1,024 bytes (0..255 four times) arrive as they were sent", r.got === 1024 && r.gotOk);
    check("write takes bytes and the peer gets them byte for byte", r.codes.write === 0 && sent.subarray(0, 256).equals(Buffer.from(down.subarray(0, 256))));
    check(
      "the send queue fills: E_SOCKET_QUEUE_FULL (-305) after " + r.queued + " writes of 200 bytes",
      r.codes.queueFull === -305 && r.queued >= 3 && r.queued <= 5,
    );
    check("the peer gets exactly the writes taken (" + sent.length + " bytes)", sent.length === 256 + 200 * r.queued);
    check("write after close: E_SOCKET_CLOSED (-301)", r.codes.afterClose === -301);
    check("a refused connect: E_SOCKET_RESET (-309) at once, no handler", r.codes.refused === -309 && !r.refusedEvents);
    check("an unknown host: E_SOCKET_DNS (-306)", r.codes.dns === -306);
    check("timers: a stale handle leaves the timer that got its number alone", r.timers === "ab");
    check("sensors open on the board's pins", r.sensorsOpen === true);
    check("Storage: 28 characters kept, 29 and 0 refused (E_STORAGE_NAME -341)", JSON.stringify(r.codes.storage) === "[0,-341,-341]" && r.storageBack);
    console.log("Interpreter: " + BIN);
    console.log(
      "Memory (process.memory().usage, variables): loading the bundle " +
        r.mem.load +
        ", createEspruinoHal " +
        r.mem.hal +
        ", one connection " +
        r.mem.connect +
        ", a DHT22 opened " +
        r.mem.dht22 +
        ", a DS18B20 opened " +
        r.mem.ds18b20,
    );
  } catch (e) {
    checks.push([String((e as Error).message), false]);
  } finally {
    await peer.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return reportChecks(checks);
}

runMain(main);
