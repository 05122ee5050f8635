/**
 * What the HAL contract cannot say about hal/espruino: Espruino's own ways
 * (Strings in 536/268-byte chunks, timer and watch numbers reused, a refused
 * connect that throws, a Storage that cannot hold an empty file, WiFi drivers
 * that give up or keep trying, TLS material as DER), checked on the built
 * bundles inside the Espruino stand-in; and the stand-in's own behaviours the
 * other tests rely on.
 */
import { strict as assert } from "node:assert";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { BOARDS } from "../../boards/index";
import { toDeviceBoard } from "../../boards/device-view";
import type { DeviceBoard } from "../../boards/types";
import * as E from "../../base/errors";
import type { Hal, Sensor, Socket } from "../../hal/types";
import { SEND_CONTROL_ROOM, WIFI_DOWN, WIFI_UP } from "../../hal/types";
import { crc8 } from "../../hal/espruino/ds18b20";
import { createEspruinoContext, type EspruinoContext, type EspruinoOptions } from "../support/espruino-standin";
import { SocketLog } from "../support/hal-contract";
import { waitFor } from "../../scripts/support/live-client";
import { freePort, startMosquitto, type Mosquitto } from "../../scripts/support/mosquitto";
import { oneWireCrc, scratchpad } from "../support/standin/onewire";
import { startTcpPeer, type TcpPeer } from "../../scripts/support/tcp-peer";

const SSID = "fablab";
const PASSWORD = "pw-1234";

function boardById(id: string): DeviceBoard {
  return toDeviceBoard(BOARDS.find((b) => b.id === id)!);
}

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Loaded {
  esp: EspruinoContext;
  hal: Hal;
  board: DeviceBoard;
}

const contexts: EspruinoContext[] = [];

/** The board's bundle as its Storage module in a fresh stand-in, and the HAL it makes. */
function load(boardId: string, file: string, options: Omit<EspruinoOptions, "mode"> & { mode?: EspruinoOptions["mode"] } = {}): Loaded {
  const bundle = path.join(import.meta.dirname, "..", "..", "dist", boardId, file);
  assert.ok(fs.existsSync(bundle), bundle + " is missing: run npm run build");
  const board = boardById(boardId);
  const esp = createEspruinoContext({ mode: options.mode ?? (board.chip === "linux" ? "linux" : board.chip), ssid: SSID, password: PASSWORD, ...options });
  contexts.push(esp);
  esp.upload("fabmqtt", fs.readFileSync(bundle, "utf8"));
  const hal = esp.run('require("fabmqtt")').createEspruinoHal(board) as Hal;
  return { esp, hal, board };
}

async function join(hal: Hal): Promise<string[]> {
  const seen: string[] = [];
  assert.equal(
    hal.wifi.join(SSID, PASSWORD, {
      onUp: (ip) => seen.push("up " + ip),
      onDown: (code) => seen.push("down " + code),
    }),
    0,
  );
  await waitFor(() => seen.length > 0, "the join's outcome");
  return seen;
}

function read(s: Sensor): Promise<[number, number, number]> {
  return new Promise((resolve) => s.read((code, a, b) => resolve([code, a, b])));
}

afterEach(function () {
  for (const esp of contexts.splice(0)) {
    const uncaught = esp.uncaught.map(String);
    esp.dispose();
    assert.deepEqual(uncaught, [], "exceptions escaped into the stand-in");
  }
});

describe("hal/espruino on Espruino's terms (stand-in)", function () {
  this.timeout(20000);
  let peer: TcpPeer;
  beforeEach(async () => {
    peer = await startTcpPeer();
  });
  afterEach(async () => {
    await peer.close();
  });

  describe("sockets", function () {
    for (const [boardId, chunk] of [
      ["esp8266-nodemcu", 268],
      ["esp32-devkitc", 536],
    ] as const) {
      it(`${boardId}: data comes as Strings of at most ${chunk} bytes, goes out as Strings, never as "0,1,2" text`, async function () {
        const { esp, hal } = load(boardId, "fabmqtt.min.js");
        await join(hal);
        const log = new SocketLog();
        const types = new Set<string>();
        const s = hal.net.connect(
          { host: "127.0.0.1", port: peer.port },
          { ...log.handlers, onData: (d) => (types.add(typeof d), log.handlers.onData(d)) },
        ) as Socket;
        await waitFor(() => log.events.includes("connect"), "connect");
        const conn = await peer.next();
        const bytes = new Uint8Array(5000).map((_, i) => (i * 7) & 255);
        conn.send(bytes);
        await waitFor(() => log.bytes.length === 5000, "5,000 bytes");
        assert.deepEqual([...types], ["string"]);
        assert.ok(esp.net.maxChunk() <= chunk && Math.max(...log.chunks) <= chunk, "a chunk of " + Math.max(...log.chunks));
        assert.equal(s.write(bytes, 0, 1000), 0);
        await waitFor(() => conn.received().length === 1000, "1,000 bytes at the peer");
        assert.deepEqual(conn.received(), Buffer.from(bytes.subarray(0, 1000)));
        assert.equal(esp.net.nonStringWrites(), 0);
        s.close();
      });
    }

    it("esp8266: the send queue is the board's sendQueueBytes, and frees on drain", async function () {
      const { esp, hal, board } = load("esp8266-nodemcu", "fabmqtt.min.js");
      await join(hal);
      const log = new SocketLog();
      const s = hal.net.connect({ host: "127.0.0.1", port: peer.port }, log.handlers) as Socket;
      await waitFor(() => log.events.includes("connect"), "connect");
      esp.net.stall(true);
      const piece = new Uint8Array(100);
      let taken = 0;
      while (s.write(piece, 0, 100) === 0) taken++;
      // Taken while fewer than sendQueueBytes waited: the last write may go past it, never a later one.
      assert.equal(taken, Math.ceil(board.sendQueueBytes / 100));
      // Writes of up to 4 bytes (acks) still go past the bound, SEND_CONTROL_ROOM bytes of them until the drain, then nothing.
      let acks = 0;
      while (s.write(piece, 0, 4) === 0) acks++;
      assert.equal(acks, SEND_CONTROL_ROOM / 4);
      assert.equal(s.write(piece, 0, 1), E.E_SOCKET_QUEUE_FULL);
      await tick(50);
      assert.equal(s.write(piece, 0, 1), E.E_SOCKET_QUEUE_FULL, "the queue freed without a drain");
      esp.net.stall(false);
      const conn = await peer.next();
      await waitFor(() => conn.received().length === taken * 100 + acks * 4, "the queued bytes");
      await waitFor(() => s.write(piece, 0, 1) === 0, "a write taken after the drain", 2000);
      s.close();
    });

    it("out of memory for the String: write() gives E_SOCKET_NO_MEMORY and sends nothing", async function () {
      const { esp, hal } = load("esp8266-nodemcu", "fabmqtt.min.js");
      await join(hal);
      const log = new SocketLog();
      const s = hal.net.connect({ host: "127.0.0.1", port: peer.port }, log.handlers) as Socket;
      await waitFor(() => log.events.includes("connect"), "connect");
      esp.failNextToString();
      assert.equal(s.write(new Uint8Array([1, 2, 3]), 0, 3), E.E_SOCKET_NO_MEMORY);
      assert.equal(s.write(new Uint8Array([4]), 0, 1), 0);
      const conn = await peer.next();
      await waitFor(() => conn.received().length === 1, "one byte");
      await tick(30);
      assert.deepEqual([...conn.received()], [4]);
      s.close();
    });

    it("linux: the link is up from the start; a refused connect and an unknown host are codes at once (Espruino throws)", async function () {
      const { hal } = load("linux", "fabmqtt.min.js");
      assert.equal(hal.wifi.state(), WIFI_UP);
      const seen = await join(hal);
      assert.equal(seen.length, 1);
      assert.ok(seen[0].startsWith("up"));
      const log = new SocketLog();
      assert.equal(hal.net.connect({ host: "127.0.0.1", port: await freePort() }, log.handlers), E.E_SOCKET_RESET);
      assert.equal(hal.net.connect({ host: "no-such-host.invalid", port: 1883 }, log.handlers), E.E_SOCKET_DNS);
      assert.equal(hal.net.connect({ host: "", port: 1883 }, log.handlers), E.E_SOCKET_BAD_ARGUMENT);
      await tick(50);
      assert.deepEqual(log.events, []);
    });

    it("esp8266: an unknown host is onError(E_SOCKET_DNS), then onClose", async function () {
      const { hal } = load("esp8266-nodemcu", "fabmqtt.min.js");
      await join(hal);
      const log = new SocketLog();
      assert.equal(typeof hal.net.connect({ host: "no-such-host.invalid", port: 1883 }, log.handlers), "object");
      await waitFor(() => log.closed(), "onClose");
      assert.deepEqual(log.events, ["error " + E.E_SOCKET_DNS, "close"]);
    });
  });

  describe("TLS", function () {
    let broker: Mosquitto;
    before(async function () {
      broker = await startMosquitto({ tls: true });
    });
    after(async () => broker?.stop());

    it("esp32: the CA goes to tls.connect as DER, the connection is encrypted and talks MQTT (the certificate is not verified)", async function () {
      const { esp, hal } = load("esp32-devkitc", "fabmqtt.min.js");
      await join(hal);
      const log = new SocketLog();
      const s = hal.net.connect({ host: "127.0.0.1", port: broker.tlsPort!, tls: { ca: broker.caPem! } }, log.handlers);
      assert.equal(typeof s, "object", "connect gave " + String(s));
      await waitFor(() => log.events.includes("connect") || log.closed(), "the TLS handshake");
      assert.deepEqual(log.events, ["connect"]);
      const body = broker.caPem!.split("-----")[2].replace(/\s/g, "");
      assert.equal(esp.net.tlsOptions.length, 1);
      assert.equal(esp.net.tlsOptions[0].ca, Buffer.from(body, "base64").toString("latin1"));
      const connect = new Uint8Array([0x10, 14, 0, 4, 0x4d, 0x51, 0x54, 0x54, 4, 2, 0, 30, 0, 2, 0x74, 0x31]);
      assert.equal((s as Socket).write(connect, 0, connect.length), 0);
      await waitFor(() => log.bytes.length >= 4, "CONNACK");
      assert.deepEqual(log.bytes, [0x20, 2, 0, 0]);
      log.close(s as Socket);
      await tick(100);
      assert.deepEqual(log.events, ["connect", "data"]);
    });

    it("esp32: PEM text with no certificate in it is E_SOCKET_BAD_ARGUMENT; esp8266 (no tls module) refuses TLS the same way", async function () {
      const esp32 = load("esp32-devkitc", "fabmqtt.min.js");
      await join(esp32.hal);
      const log = new SocketLog();
      assert.equal(
        esp32.hal.net.connect({ host: "127.0.0.1", port: broker.tlsPort!, tls: { ca: "not a certificate" } }, log.handlers),
        E.E_SOCKET_BAD_ARGUMENT,
      );
      const esp8266 = load("esp8266-nodemcu", "fabmqtt.min.js");
      await join(esp8266.hal);
      assert.equal(esp8266.hal.net.connect({ host: "127.0.0.1", port: broker.tlsPort!, tls: { ca: broker.caPem! } }, log.handlers), E.E_SOCKET_BAD_ARGUMENT);
      assert.equal(esp32.esp.net.tlsOptions.length, 0);
      await tick(30);
      assert.deepEqual(log.events, []);
    });
  });

  describe("timers", function () {
    it("never clear every timer on the board, and a stale handle leaves a timer that reuses its Espruino number alone", async function () {
      const { esp, hal } = load("esp8266-nodemcu", "fabmqtt.min.js");
      const seen: string[] = [];
      const a = hal.timers.after(5, () => seen.push("a"));
      await waitFor(() => seen.includes("a"), "a");
      // Espruino hands out the number a had again.
      esp.run("var fired = false; var id = setTimeout(function () { fired = true; }, 40); id");
      const b = hal.timers.after(40, () => seen.push("b"));
      hal.timers.cancel(a);
      hal.timers.cancel(0);
      hal.timers.cancel(undefined as unknown as number);
      hal.timers.cancel(-1);
      await waitFor(() => seen.includes("b"), "b");
      await tick(10);
      assert.equal(esp.run("fired"), true, "the program's own timer was cleared");
      assert.equal(esp.timers.clearedAll(), 0);
      hal.timers.cancel(b);
    });
  });

  describe("gpio", function () {
    it("watch handles are the HAL's own: a stale one never clears another watch, and no call clears every watch", async function () {
      const { esp, hal } = load("esp32-devkitc", "fabmqtt.min.js");
      const seen: string[] = [];
      const first = hal.gpio.watch("D4", 0, (h) => seen.push("first " + h));
      hal.gpio.unwatch(first);
      const second = hal.gpio.watch("D5", 0, (h) => seen.push("second " + h));
      assert.notEqual(first, second);
      hal.gpio.unwatch(first);
      hal.gpio.unwatch(0);
      // An input floats high (pull-up): pull it low.
      esp.pins.setInput("D5", false);
      await waitFor(() => seen.length > 0, "the second watch");
      assert.deepEqual(seen, ["second false"]);
      assert.equal(esp.pins.watches(), 1);
      assert.ok(!esp.pins.log.some((e) => e.kind === "unwatch" && e.value === "all"));
    });

    it("esp8266: GPIO16 cannot be watched: E_PIN_UNSUPPORTED, not an exception", function () {
      const { hal } = load("esp8266-nodemcu", "fabmqtt.min.js");
      assert.equal(
        hal.gpio.watch("D16", 10, () => undefined),
        E.E_PIN_UNSUPPORTED,
      );
    });
  });

  describe("sensors", function () {
    it("dht22: a cut-off answer is E_SENSOR_TIMEOUT; the line is driven open-drain and no watch is left behind", async function () {
      const { esp, hal } = load("esp8266-nodemcu", "fabmqtt.min.js");
      const s = hal.sensors.open({ kind: "dht22", pin: "D4" }) as Sensor;
      esp.pins.dht22("D4", { temp: 20, rh: 40, fault: "partial" });
      assert.equal((await read(s))[0], E.E_SENSOR_TIMEOUT);
      esp.pins.dht22("D4", { temp: 25.3, rh: 0.5 });
      assert.deepEqual(await read(s), [0, 25.3, 0.5]);
      assert.equal(esp.pins.mode("D4"), "opendrain");
      assert.equal(esp.pins.watches(), 0);
      assert.ok(esp.pins.log.some((e) => e.pin === "D4" && e.kind === "pulse" && e.value === "low 1"));
    });

    it("ds18b20: waits for the conversion (the scratchpad holds 85 °C until then); a line held low is E_SENSOR_CHECKSUM", async function () {
      const { esp, hal } = load("esp32-devkitc", "fabmqtt.min.js");
      const s = hal.sensors.open({ kind: "ds18b20", pin: "D4" }) as Sensor;
      esp.ds18b20("D4", { tempC: 23.25 });
      const started = Date.now();
      assert.deepEqual(await read(s), [0, 23.25, 0]);
      assert.ok(Date.now() - started >= 700, "read in " + (Date.now() - started) + " ms");
      esp.ds18b20("D4", { tempC: 23.25, fault: "low" });
      assert.equal((await read(s))[0], E.E_SENSOR_CHECKSUM);
    });

    it("a read while one is in progress is E_SENSOR_BUSY a turn later, and the first still ends with its reading", async function () {
      const { esp, hal } = load("esp32-devkitc", "fabmqtt.min.js");
      const s = hal.sensors.open({ kind: "ds18b20", pin: "D4" }) as Sensor;
      esp.ds18b20("D4", { tempC: 21.5 });
      const first = read(s);
      let second: number[] | null = null;
      s.read((code, a, b) => (second = [code, a, b]));
      assert.equal(second, null, "not inside the call");
      assert.deepEqual(await first, [0, 21.5, 0]);
      assert.deepEqual(second, [E.E_SENSOR_BUSY, 0, 0]);
      assert.deepEqual(await read(s), [0, 21.5, 0], "free again");
    });

    it("crc8 is the 1-Wire CRC: Maxim's example ROM 02 1C B8 01 00 00 00 gives A2, and it closes a scratchpad", function () {
      const rom = [0x02, 0x1c, 0xb8, 0x01, 0x00, 0x00, 0x00];
      assert.equal(crc8(rom, 7), 0xa2);
      assert.equal(oneWireCrc(rom), 0xa2);
      const pad = scratchpad(-10.125);
      assert.equal(crc8(pad, 8), pad[8]);
      assert.equal(crc8(pad, 9), 0);
    });
  });

  describe("storage", function () {
    it("an empty text erases the file (Espruino holds no empty file); a full Storage is E_STORAGE_FULL", function () {
      const { esp, hal } = load("esp8266-nodemcu", "fabmqtt.min.js", { storageBytes: 200000 });
      assert.equal(hal.storage.write("a", "x"), 0);
      assert.equal(hal.storage.write("a", ""), 0);
      assert.equal(hal.storage.read("a"), null);
      assert.equal(esp.storage.has("a"), false);
      // The bundle itself sits in Storage: what is left is less than 200,000 bytes.
      assert.equal(hal.storage.write("big", "z".repeat(200000)), E.E_STORAGE_FULL);
      assert.equal(hal.storage.read("big"), null);
    });

    it("kept in a file, Storage survives a new context (a reset of the board)", function () {
      const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "fabmqtt-storage-")), "storage.json");
      const first = load("esp8266-nodemcu", "fabmqtt.min.js", { storageFile: file });
      let all = "";
      for (let i = 1; i < 256; i++) all += String.fromCharCode(i);
      assert.equal(first.hal.storage.write("kept", all), 0);
      first.esp.dispose();
      const second = load("esp8266-nodemcu", "fabmqtt.min.js", { storageFile: file });
      assert.equal(second.hal.storage.read("kept"), all);
      fs.rmSync(path.dirname(file), { recursive: true, force: true });
    });
  });

  describe("wifi", function () {
    it("esp32: the driver gives up after three tries: one onDown(E_WIFI_NO_AP), and a new join tries again", async function () {
      const { esp, hal } = load("esp32-devkitc", "fabmqtt.min.js");
      esp.wifi.setAvailable(false);
      const seen = await join(hal);
      await tick(100);
      assert.deepEqual(seen, ["down " + E.E_WIFI_NO_AP]);
      assert.equal(esp.wifi.attempts(), 3);
      assert.equal(hal.wifi.state(), WIFI_DOWN);
      esp.wifi.setAvailable(true);
      const again = await join(hal);
      assert.deepEqual(again, ["up 192.168.4.2"]);
    });

    it("esp8266: the driver keeps trying by itself; the HAL reports the failure once, then the link when it comes", async function () {
      const { esp, hal } = load("esp8266-nodemcu", "fabmqtt.min.js");
      esp.wifi.setAvailable(false);
      const seen = await join(hal);
      assert.deepEqual(seen, ["down " + E.E_WIFI_NO_AP]);
      await tick(200);
      assert.ok(esp.wifi.attempts() > 2, "the driver tried " + esp.wifi.attempts() + " times");
      assert.deepEqual(seen, ["down " + E.E_WIFI_NO_AP]);
      esp.wifi.setAvailable(true);
      await waitFor(() => seen.length > 1, "the link");
      assert.deepEqual(seen, ["down " + E.E_WIFI_NO_AP, "up 192.168.4.2"]);
      assert.equal(esp.wifi.connects(), 1);
      assert.equal(hal.wifi.state(), WIFI_UP);
    });

    it("no join timeout is left pending once the link is up, or once a join has failed", async function () {
      for (const boardId of ["esp32-devkitc", "esp8266-nodemcu"]) {
        const { esp, hal } = load(boardId, "fabmqtt.min.js");
        const idle = esp.timers.pending();
        assert.deepEqual(await join(hal), ["up 192.168.4.2"]);
        await tick(50);
        assert.equal(esp.timers.pending(), idle, boardId + ": up");
        hal.wifi.leave();
        await tick(50);
        esp.wifi.setAvailable(false);
        const seen = await join(hal);
        assert.deepEqual(seen, ["down " + E.E_WIFI_NO_AP]);
        await tick(50);
        assert.equal(esp.timers.pending(), idle, boardId + ": failed");
      }
    });

    it("setHostname reaches the driver; a name the driver refuses is E_INVALID_ARGUMENT", function () {
      const { esp, hal } = load("esp8266-nodemcu", "fabmqtt.min.js");
      assert.equal(hal.wifi.setHostname("bench-1"), 0);
      assert.equal(esp.wifi.hostname(), "bench-1");
      assert.equal(hal.wifi.setHostname("x".repeat(40)), E.E_INVALID_ARGUMENT);
    });
  });
});

describe("the Espruino stand-in itself", function () {
  it("lacks what Espruino lacks, and its timers bite like Espruino's", function () {
    const esp = createEspruinoContext({ mode: "esp8266" });
    contexts.push(esp);
    assert.equal(
      esp.run("typeof Map + typeof Set + typeof WeakMap + typeof Symbol + typeof Array.from + typeof Object.freeze + typeof Number.isInteger"),
      "undefined".repeat(7),
    );
    assert.equal(esp.run("typeof ''.concat + typeof [].lastIndexOf"), "undefinedundefined");
    assert.equal(esp.run("String.fromCharCode(0x263a).charCodeAt(0)"), 0x3a);
    assert.throws(() => esp.run("clearTimeout(undefined)"), /not allowed/);
    esp.run("var t = setTimeout(function () {}, 1000); setTimeout(function () {}, 1000)");
    assert.equal(esp.timers.pending(), 2);
    esp.run("clearTimeout()");
    assert.equal(esp.timers.pending(), 0);
    assert.equal(esp.run("setTimeout(function () {}, 10)"), 1, "numbers start again at 1");
    assert.throws(() => esp.run("clearWatch(undefined)"), /not allowed/);
    assert.throws(() => esp.run("digitalWrite('D99', 1)"), /Invalid pin/);
    assert.equal(esp.run("typeof process.memory().free"), "number");
    assert.equal(esp.run("E.toString(new Uint8Array([104, 105]))"), "hi");
  });

  it("runs a Storage file as a module, as require() does on the board", function () {
    const esp = createEspruinoContext({ mode: "esp32" });
    contexts.push(esp);
    esp.upload("greet", "exports.hello = function () { return 'hé'; };");
    assert.equal(esp.run('require("greet").hello().length'), 3, "8-bit strings: é is two bytes");
    assert.throws(() => esp.run('require("missing")'), /not found/);
  });
});
