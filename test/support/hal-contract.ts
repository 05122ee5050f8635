/**
 * The HAL contract (hal/types.ts), one body of tests run against every HAL
 * implementation: test/hal/hal-contract.test.ts gives it hal/node and hal/espruino
 * (inside the Espruino stand-in, from the built board bundles). Peers are real:
 * a plain TCP server on 127.0.0.1 and a Debian mosquitto.
 */
import { strict as assert } from "node:assert";
import type { DeviceBoard } from "../../boards/types";
import * as E from "../../base/errors";
import type { Hal, Sensor, Socket, SocketHandlers } from "../../hal/types";
import { WIFI_DOWN, WIFI_UP } from "../../hal/types";
import { waitFor } from "../../scripts/support/live-client";
import { freePort } from "../../scripts/support/mosquitto";
import { createRandom } from "../../scripts/support/prng";
import { startTcpPeer, type TcpPeer } from "../../scripts/support/tcp-peer";

/** What a sensor is made to answer for one reading. */
export type SensorOutcome = { temp: number; rh?: number } | "checksum" | "timeout" | "absent";

/** One HAL under test with the controls its platform gives. */
export interface ContractRig {
  hal: Hal;
  board: DeviceBoard;
  /** How a refused connect shows: connect() returns the code ("sync"), or onError then onClose ("event"). */
  refusal: "sync" | "event";
  /** Whether the platform tells a reset connection from a closed one (Espruino on Linux and ESP32 does not). */
  resetReported: boolean;
  /** The access point the rig joined at the start. */
  ssid: string;
  password: string;
  /** Takes the access point away or brings it back. */
  setAccessPoint(on: boolean): void;
  setInput(pin: string, high: boolean): void;
  setAnalog(pin: string, value: number): void;
  /** The next reading of the sensor of `kind` on `pin` gives `outcome`. */
  arrangeSensor(kind: "dht22" | "ds18b20", pin: string, outcome: SensorOutcome): void;
  /** Exceptions that escaped into the platform (none may). */
  uncaught(): unknown[];
  dispose(): void;
}

/** Pins of the board for the tests: a plain I/O pin, an ADC pin, an input-only pin, a second I/O pin. */
function pinsOf(board: DeviceBoard) {
  const all = board.pins.trim().split(" ");
  const adc = board.adc.trim().split(" ")[0];
  const inputOnly = board.inputOnly.trim().split(" ")[0];
  // GPIO16 of an ESP8266 cannot be watched (no interrupt): not for watches or a DHT22.
  const io = all.filter(
    (p) => board.inputOnly.indexOf(" " + p + " ") < 0 && board.adc.indexOf(" " + p + " ") < 0 && !(board.chip === "esp8266" && p === "D16"),
  );
  return { io: io[0], io2: io[1], io3: io[2], adc, inputOnly };
}

/** Records a socket's events, checks the contract's order, and catches callbacks run inside a call of the owner. */
export class SocketLog {
  events: string[] = [];
  bytes: number[] = [];
  chunks: number[] = [];
  problems: string[] = [];
  private depth = 0;
  /** The owner closed the socket: no handler may run from then on. */
  private ownerClosed = false;
  handlers: SocketHandlers = {
    onConnect: () => this.note("connect"),
    onData: (chunk) => {
      this.note("data");
      if (typeof chunk === "string") {
        for (let i = 0; i < chunk.length; i++) {
          const c = chunk.charCodeAt(i);
          if (c > 255) this.problems.push("a data String holds character " + c);
          this.bytes.push(c & 255);
        }
      } else for (const b of chunk) this.bytes.push(b);
      this.chunks.push(chunk.length);
      if (chunk.length === 0) this.problems.push("an empty data chunk");
    },
    onError: (code) => this.note("error " + code),
    onClose: () => this.note("close"),
  };

  private note(event: string) {
    if (this.depth > 0) this.problems.push(event + " ran inside a call of the owner");
    if (this.ownerClosed) this.problems.push(event + " after the owner's close()");
    const last = this.events[this.events.length - 1];
    if (this.events.includes("close")) this.problems.push(event + " after close");
    else if (event === "connect" && this.events.length > 0) this.problems.push("connect after " + last);
    else if (event === "data" && !this.events.includes("connect")) this.problems.push("data before connect");
    else if (event === "data" && this.events.some((e) => e.startsWith("error"))) this.problems.push("data after error");
    else if (event.startsWith("error") && this.events.some((e) => e.startsWith("error"))) this.problems.push("a second error");
    if (event !== "data" || last !== "data") this.events.push(event);
  }

  /** Runs `f` as a call of the owner: no handler may run before it returns. */
  call<T>(f: () => T): T {
    this.depth++;
    try {
      return f();
    } finally {
      this.depth--;
    }
  }

  closed(): boolean {
    return this.events.includes("close");
  }

  /** The owner closes `s`, as a call of the owner; no handler may run after it. */
  close(s: Socket): void {
    this.call(() => s.close());
    this.ownerClosed = true;
  }
}

function tick(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Bytes i*step+offset (mod 256): every value 0..255 shows up, and a cut or shifted stream does not match. */
function pattern(n: number, seed: number): Uint8Array {
  const rnd = createRandom(seed);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.floor(rnd() * 256);
  return out;
}

/** A CONNECT packet (MQTT 3.1.1, clean session, keepalive 30) for `clientId`. */
function connectPacket(clientId: string): Uint8Array {
  const id = Buffer.from(clientId, "latin1");
  const body = [0, 4, 0x4d, 0x51, 0x54, 0x54, 4, 0x02, 0, 30, id.length >> 8, id.length & 255, ...id];
  return new Uint8Array([0x10, body.length, ...body]);
}

/**
 * Defines the contract's tests for the HAL `makeRig` makes (a fresh one per
 * test, WiFi already joined). `mosquittoPort()` is a running mosquitto's port.
 */
export function halContract(title: string, makeRig: () => Promise<ContractRig>, mosquittoPort: () => number): void {
  describe(title, function () {
    this.timeout(20000);
    let rig: ContractRig;
    let peer: TcpPeer;
    const logs: SocketLog[] = [];
    const sockets: Socket[] = [];

    /** Connects to `port` through the HAL, recording; returns the log and the socket (or the code). */
    const open = (port: number, host = "127.0.0.1") => {
      const log = new SocketLog();
      logs.push(log);
      const s = log.call(() => rig.hal.net.connect({ host, port }, log.handlers));
      if (typeof s !== "number") sockets.push(s);
      return { log, s };
    };
    const connected = async (port: number) => {
      const { log, s } = open(port);
      assert.equal(typeof s, "object", "connect() gave " + String(s));
      await waitFor(() => log.events.includes("connect") || log.closed(), "onConnect");
      assert.deepEqual(log.events, ["connect"]);
      return { log, s: s as Socket };
    };

    beforeEach(async function () {
      rig = await makeRig();
      peer = await startTcpPeer();
    });
    afterEach(async function () {
      for (const s of sockets.splice(0)) s.close();
      await tick(20);
      try {
        for (const log of logs) assert.deepEqual(log.problems, [], "the socket contract was broken");
        assert.deepEqual(rig.uncaught().map(String), [], "exceptions escaped into the platform");
      } finally {
        logs.length = 0;
        rig.dispose();
        await peer.close();
      }
    });

    describe("sockets", function () {
      it("connect, data both ways byte for byte (all 256 values), close(): the peer sees the end, the owner hears nothing more", async function () {
        const { log, s } = await connected(peer.port);
        const conn = await peer.next();
        const down = pattern(3000, 1);
        conn.send(down.subarray(0, 1000));
        conn.send(down.subarray(1000));
        await waitFor(() => log.bytes.length >= down.length, "3,000 bytes from the peer");
        assert.deepEqual(Buffer.from(log.bytes), Buffer.from(down));
        const up = pattern(700, 2);
        assert.equal(
          log.call(() => s.write(up, 0, 300)),
          0,
        );
        assert.equal(
          log.call(() => s.write(up, 300, 700)),
          0,
        );
        await waitFor(() => conn.received().length >= up.length, "700 bytes at the peer");
        assert.deepEqual(conn.received(), Buffer.from(up));
        log.close(s);
        log.close(s);
        await waitFor(() => conn.closed(), "the connection's end at the peer");
        await tick(100);
        assert.deepEqual(log.events, ["connect", "data"]);
      });

      it("64 KB sent in random pieces arrive whole whatever the chunks, and write() copies what it is given", async function () {
        const { log, s } = await connected(peer.port);
        const conn = await peer.next();
        const data = pattern(65536, 3);
        const rnd = createRandom(4);
        for (let at = 0; at < data.length;) {
          const n = 1 + Math.floor(rnd() * 3000);
          conn.send(data.subarray(at, at + n));
          at += n;
          if (rnd() < 0.3) await tick(1);
        }
        await waitFor(() => log.bytes.length >= data.length, "64 KB from the peer");
        assert.deepEqual(Buffer.from(log.bytes), Buffer.from(data));
        assert.ok(log.chunks.length > 1);
        const buf = pattern(200, 5);
        const copy = Buffer.from(buf);
        assert.equal(s.write(buf, 50, 150), 0);
        buf.fill(0);
        await waitFor(() => conn.received().length >= 100, "100 bytes at the peer");
        assert.deepEqual(conn.received(), copy.subarray(50, 150));
      });

      it("an 8-bit string is written as its bytes, one a character (whole, or from start to end)", async function () {
        const { log, s } = await connected(peer.port);
        const conn = await peer.next();
        const bytes = pattern(512, 6);
        let text = "";
        for (let i = 0; i < bytes.length; i++) text += String.fromCharCode(bytes[i]);
        assert.equal(
          log.call(() => s.write(text, 0, text.length)),
          0,
        );
        assert.equal(
          log.call(() => s.write(text, 100, 356)),
          0,
        );
        await waitFor(() => conn.received().length >= 768, "768 bytes at the peer");
        assert.deepEqual(conn.received(), Buffer.concat([Buffer.from(bytes), Buffer.from(bytes.subarray(100, 356))]));
      });

      it("a peer that speaks first: onConnect still comes before its data", async function () {
        const greeter = await startTcpPeer(new Uint8Array([0x47, 0x00, 0xff, 0x0a]));
        try {
          const { log } = open(greeter.port);
          await waitFor(() => log.bytes.length >= 4, "the greeting");
          assert.deepEqual(log.events, ["connect", "data"]);
          assert.deepEqual(log.bytes, [0x47, 0x00, 0xff, 0x0a]);
        } finally {
          await greeter.close();
        }
      });

      it("write after close() and after onClose returns E_SOCKET_CLOSED", async function () {
        const mine = await connected(peer.port);
        await peer.next();
        mine.log.close(mine.s);
        assert.equal(
          mine.log.call(() => mine.s.write(new Uint8Array([1, 2, 3]), 0, 3)),
          E.E_SOCKET_CLOSED,
        );
        const theirs = await connected(peer.port);
        (await peer.next()).end();
        await waitFor(() => theirs.log.closed(), "onClose");
        assert.equal(theirs.s.write(new Uint8Array([1, 2, 3]), 0, 3), E.E_SOCKET_CLOSED);
      });

      it("a full send queue refuses a whole write with E_SOCKET_QUEUE_FULL; the peer gets exactly the writes taken", async function () {
        const { log, s } = await connected(peer.port);
        const conn = await peer.next();
        const sent: Buffer[] = [];
        let refused = 0;
        for (let i = 0; i < 2000 && refused === 0; i++) {
          const piece = Buffer.from(pattern(500, 100 + i));
          const r = log.call(() => s.write(piece, 0, piece.length));
          if (r === 0) sent.push(piece);
          else {
            assert.equal(r, E.E_SOCKET_QUEUE_FULL);
            refused++;
          }
        }
        assert.equal(refused, 1, "no write was refused after " + sent.length + " writes of 500 bytes");
        // A queue that refuses data still takes an ack (4 bytes): the room kept for control packets.
        const ack = Buffer.from([0x40, 2, 0, 1]);
        assert.equal(
          log.call(() => s.write(ack, 0, 4)),
          0,
          "a 4-byte ack after the queue refused data",
        );
        sent.push(ack);
        const all = Buffer.concat(sent);
        await waitFor(() => conn.received().length >= all.length, all.length + " bytes at the peer");
        await tick(50);
        assert.deepEqual(conn.received(), all);
        // Once the queue has drained, writes are taken again.
        await tick(50);
        assert.equal(
          log.call(() => s.write(new Uint8Array([7]), 0, 1)),
          0,
        );
        await waitFor(() => conn.received().length === all.length + 1, "one more byte");
      });

      it("a refused connect gives E_SOCKET_RESET, and onClose once if a socket was returned", async function () {
        const port = await freePort();
        const { log, s } = open(port);
        if (rig.refusal === "sync") {
          assert.equal(s, E.E_SOCKET_RESET);
          await tick(100);
          assert.deepEqual(log.events, []);
        } else {
          assert.equal(typeof s, "object");
          await waitFor(() => log.closed(), "onClose");
          assert.deepEqual(log.events, ["error " + E.E_SOCKET_RESET, "close"]);
        }
      });

      it("the peer resets the connection: onError(E_SOCKET_RESET) where the platform tells, then onClose", async function () {
        const { log, s } = await connected(peer.port);
        const conn = await peer.next();
        conn.send(new Uint8Array([1, 2, 3]));
        await waitFor(() => log.bytes.length === 3, "3 bytes");
        conn.reset();
        await waitFor(() => log.closed(), "onClose");
        assert.deepEqual(log.events, rig.resetReported ? ["connect", "data", "error " + E.E_SOCKET_RESET, "close"] : ["connect", "data", "close"]);
        assert.equal(s.write(new Uint8Array([1]), 0, 1), E.E_SOCKET_CLOSED);
      });

      it("the peer closes: onClose without onError", async function () {
        const { log } = await connected(peer.port);
        (await peer.next()).end();
        await waitFor(() => log.closed(), "onClose");
        assert.deepEqual(log.events, ["connect", "close"]);
      });

      it("close() while connecting: no handler runs, inside the call or after", async function () {
        const { log, s } = open(peer.port);
        log.close(s as Socket);
        await waitFor(() => peer.connections.length > 0 && peer.connections[peer.connections.length - 1].closed(), "the connection's end at the peer");
        await tick(100);
        assert.deepEqual(log.events, []);
      });

      it("a real mosquitto answers a CONNECT with CONNACK 0", async function () {
        const { log, s } = await connected(mosquittoPort());
        const packet = connectPacket("hal-contract-" + process.pid);
        assert.equal(
          log.call(() => s.write(packet, 0, packet.length)),
          0,
        );
        await waitFor(() => log.bytes.length >= 4, "CONNACK");
        assert.deepEqual(log.bytes, [0x20, 0x02, 0x00, 0x00]);
      });
    });

    describe("timers", function () {
      it("fire in order of their time, every() repeats until cancelled", async function () {
        const t = rig.hal.timers;
        const seen: string[] = [];
        t.after(60, () => seen.push("a60"));
        t.after(20, () => seen.push("b20"));
        t.after(40, () => seen.push("c40"));
        const rep = t.every(25, () => seen.push("r"));
        await waitFor(() => seen.includes("a60"), "the 60 ms timer");
        t.cancel(rep);
        const reps = seen.filter((x) => x === "r").length;
        assert.deepEqual(
          seen.filter((x) => x !== "r"),
          ["b20", "c40", "a60"],
        );
        assert.ok(reps >= 2, "every(25) ran " + reps + " times in 60 ms");
        await tick(80);
        assert.equal(seen.filter((x) => x === "r").length, reps, "every() ran after cancel()");
      });

      it("cancel(0), cancel() of a fired or unknown handle change nothing; a cancelled timer never runs", async function () {
        const t = rig.hal.timers;
        const seen: string[] = [];
        const first = t.after(5, () => seen.push("first"));
        await waitFor(() => seen.includes("first"), "the first timer");
        // Espruino reuses timer numbers: a stale handle must not cancel the new timer.
        t.after(30, () => seen.push("second"));
        const gone = t.after(10, () => seen.push("cancelled"));
        t.cancel(first);
        t.cancel(0);
        t.cancel(987654);
        t.cancel(undefined as unknown as number);
        t.cancel(gone);
        t.cancel(gone);
        await waitFor(() => seen.includes("second"), "the second timer");
        await tick(20);
        assert.deepEqual(seen, ["first", "second"]);
      });
    });

    describe("storage", function () {
      it("round trip: every byte value, a 28-character name, overwrite and erase", function () {
        const st = rig.hal.storage;
        let text = "";
        for (let i = 0; i < 256; i++) text += String.fromCharCode(i);
        const name = "n".repeat(28);
        assert.equal(st.write(name, text), 0);
        assert.equal(st.read(name), text);
        assert.equal(st.write(name, "second"), 0);
        assert.equal(st.read(name), "second");
        st.erase(name);
        assert.equal(st.read(name), null);
        st.erase(name);
        assert.equal(st.read("never-written"), null);
      });

      it("names of 0 or 29 characters are refused with E_STORAGE_NAME and do not reach a 28-character file", function () {
        const st = rig.hal.storage;
        const long = "x".repeat(28);
        assert.equal(st.write(long, "kept"), 0);
        assert.equal(st.write(long + "y", "other"), E.E_STORAGE_NAME);
        assert.equal(st.write("", "other"), E.E_STORAGE_NAME);
        assert.equal(st.read(long + "y"), null);
        assert.equal(st.read(""), null);
        assert.equal(st.read(long), "kept");
      });
    });

    describe("gpio", function () {
      it("an output reads back what was written", function () {
        const g = rig.hal.gpio;
        const { io } = pinsOf(rig.board);
        assert.equal(g.mode(io, "output"), 0);
        assert.equal(g.write(io, true), 0);
        assert.equal(g.read(io), 1);
        assert.equal(g.write(io, false), 0);
        assert.equal(g.read(io), 0);
      });

      it("a pin the board does not have gives E_PIN_INVALID everywhere, and nothing throws", function () {
        const g = rig.hal.gpio;
        for (const pin of ["D99", "B3", "", "D2 D4", "toString", undefined as unknown as string]) {
          assert.equal(g.mode(pin, "output"), E.E_PIN_INVALID, "mode " + pin);
          assert.equal(g.write(pin, true), E.E_PIN_INVALID, "write " + pin);
          assert.equal(g.read(pin), E.E_PIN_INVALID, "read " + pin);
          assert.equal(g.analogRead(pin), E.E_PIN_INVALID, "analogRead " + pin);
          assert.equal(g.pwm(pin, 0.5, 1000), E.E_PIN_INVALID, "pwm " + pin);
          assert.equal(
            g.watch(pin, 10, () => undefined),
            E.E_PIN_INVALID,
            "watch " + pin,
          );
        }
      });

      it("analog: an ADC pin reads 0..1, a pin without ADC gives E_PIN_UNSUPPORTED; an input-only pin takes no output", function () {
        const g = rig.hal.gpio;
        const { io, adc, inputOnly } = pinsOf(rig.board);
        rig.setAnalog(adc, 0.25);
        assert.equal(g.analogRead(adc), 0.25);
        assert.equal(g.analogRead(io), E.E_PIN_UNSUPPORTED);
        assert.equal(g.write(inputOnly, true), E.E_PIN_UNSUPPORTED);
        assert.equal(g.mode(inputOnly, "output"), E.E_PIN_UNSUPPORTED);
        assert.equal(g.pwm(inputOnly, 0.5, 1000), E.E_PIN_UNSUPPORTED);
      });

      it("pwm takes a duty of 0..1 and refuses 1.5 with E_INVALID_ARGUMENT", function () {
        const g = rig.hal.gpio;
        const { io2 } = pinsOf(rig.board);
        assert.equal(g.pwm(io2, 0.3, 1000), 0);
        assert.equal(g.pwm(io2, 1.5, 1000), E.E_INVALID_ARGUMENT);
      });

      it("watch reports a debounced change once, not a bounce; unwatch stops it and is safe twice", async function () {
        const g = rig.hal.gpio;
        const { io3 } = pinsOf(rig.board);
        assert.equal(g.mode(io3, "input_pullup"), 0);
        rig.setInput(io3, false);
        const seen: boolean[] = [];
        const id = g.watch(io3, 30, (high) => seen.push(high));
        assert.ok(id > 0, "watch gave " + id);
        rig.setInput(io3, true);
        await tick(5);
        rig.setInput(io3, false);
        await tick(5);
        rig.setInput(io3, true);
        await waitFor(() => seen.length > 0, "the watch");
        await tick(60);
        assert.deepEqual(seen, [true]);
        g.unwatch(id);
        g.unwatch(id);
        g.unwatch(0);
        rig.setInput(io3, false);
        await tick(60);
        assert.deepEqual(seen, [true]);
      });
    });

    describe("sensors", function () {
      const read = (s: Sensor) =>
        new Promise<[number, number, number]>((resolve) => {
          let inside = true;
          s.read((code, a, b) => {
            assert.equal(inside, false, "done() ran inside read()");
            resolve([code, a, b]);
          });
          inside = false;
        });
      const open = (kind: "dht22" | "ds18b20" | "analog" | "digital", pin: string) => {
        const s = rig.hal.sensors.open({ kind, pin });
        assert.equal(typeof s, "object", kind + " on " + pin + " gave " + String(s));
        return s as Sensor;
      };

      it("dht22: a good reading (°C, %RH), a negative temperature, a bad checksum, no answer", async function () {
        const { io } = pinsOf(rig.board);
        const s = open("dht22", io);
        rig.arrangeSensor("dht22", io, { temp: 21.5, rh: 45.2 });
        assert.deepEqual(await read(s), [0, 21.5, 45.2]);
        rig.arrangeSensor("dht22", io, { temp: -3.4, rh: 99.9 });
        assert.deepEqual(await read(s), [0, -3.4, 99.9]);
        rig.arrangeSensor("dht22", io, "checksum");
        assert.equal((await read(s))[0], E.E_SENSOR_CHECKSUM);
        rig.arrangeSensor("dht22", io, "timeout");
        assert.equal((await read(s))[0], E.E_SENSOR_TIMEOUT);
      });

      it("ds18b20: a good reading, a bad CRC, no device on the pin", async function () {
        const { io2 } = pinsOf(rig.board);
        const s = open("ds18b20", io2);
        rig.arrangeSensor("ds18b20", io2, { temp: 19.0625 });
        assert.deepEqual(await read(s), [0, 19.0625, 0]);
        rig.arrangeSensor("ds18b20", io2, { temp: -10.125 });
        assert.deepEqual(await read(s), [0, -10.125, 0]);
        rig.arrangeSensor("ds18b20", io2, "checksum");
        assert.equal((await read(s))[0], E.E_SENSOR_CHECKSUM);
        rig.arrangeSensor("ds18b20", io2, "absent");
        assert.equal((await read(s))[0], E.E_SENSOR_NOT_FOUND);
      });

      it("a read while one is under way gives E_SENSOR_BUSY; the first still ends", async function () {
        const { io } = pinsOf(rig.board);
        const s = open("dht22", io);
        rig.arrangeSensor("dht22", io, { temp: 20, rh: 50 });
        const first = read(s);
        const second = read(s);
        assert.equal((await second)[0], E.E_SENSOR_BUSY);
        assert.deepEqual(await first, [0, 20, 50]);
      });

      it("analog and digital sensors read their pins", async function () {
        const { adc, io3 } = pinsOf(rig.board);
        rig.setAnalog(adc, 0.75);
        assert.deepEqual(await read(open("analog", adc)), [0, 0.75, 0]);
        rig.setInput(io3, true);
        assert.deepEqual(await read(open("digital", io3)), [0, 1, 0]);
        rig.setInput(io3, false);
        assert.deepEqual(await read(open("digital", io3)), [0, 0, 0]);
      });

      it("open() refuses an unknown kind, an unknown pin, analog without ADC", function () {
        const { io } = pinsOf(rig.board);
        assert.equal(rig.hal.sensors.open({ kind: "bme280" as "dht22", pin: io }), E.E_SENSOR_KIND);
        assert.equal(rig.hal.sensors.open({ kind: "dht22", pin: "D99" }), E.E_PIN_INVALID);
        assert.equal(rig.hal.sensors.open({ kind: "analog", pin: io }), E.E_PIN_UNSUPPORTED);
      });
    });

    describe("wifi", function () {
      const join = (ssid: string, password: string) => {
        const seen: string[] = [];
        let inside = true;
        const r = rig.hal.wifi.join(ssid, password, {
          onUp: (ip) => {
            if (inside) seen.push("inside");
            seen.push("up " + ip);
          },
          onDown: (code) => {
            if (inside) seen.push("inside");
            seen.push("down " + code);
          },
        });
        inside = false;
        assert.equal(r, 0);
        return seen;
      };

      it("the access point goes: onDown with a WiFi code, sockets close, connect gives E_SOCKET_NO_ROUTE; it comes back: join again, up", async function () {
        const seen = join(rig.ssid, rig.password);
        await waitFor(() => seen.length > 0, "join");
        const { log } = await connected(peer.port);
        assert.equal(rig.hal.wifi.state(), WIFI_UP);
        assert.ok(rig.hal.wifi.ip().length > 0);
        rig.setAccessPoint(false);
        await waitFor(() => seen.some((e) => e.startsWith("down")), "onDown");
        const code = Number(seen.find((e) => e.startsWith("down"))!.split(" ")[1]);
        assert.ok(code === E.E_WIFI_NO_AP || code === E.E_WIFI_FAILED, "onDown(" + code + ")");
        assert.equal(rig.hal.wifi.state(), WIFI_DOWN);
        await waitFor(() => log.closed(), "the socket's onClose");
        assert.equal(open(peer.port).s, E.E_SOCKET_NO_ROUTE);
        rig.setAccessPoint(true);
        const again = join(rig.ssid, rig.password);
        await waitFor(() => again.some((e) => e.startsWith("up")), "onUp");
        assert.ok(!again.includes("inside") && !seen.includes("inside"), "a WiFi handler ran inside join()");
        await connected(peer.port);
      });

      it("a wrong password gives E_WIFI_WRONG_PASSWORD, an unknown network E_WIFI_NO_AP", async function () {
        rig.hal.wifi.leave();
        await tick(30);
        const wrong = join(rig.ssid, rig.password + "-wrong");
        await waitFor(() => wrong.length > 0, "an answer");
        assert.deepEqual(wrong, ["down " + E.E_WIFI_WRONG_PASSWORD]);
        const unknown = join("no-such-network", rig.password);
        await waitFor(() => unknown.length > 0, "an answer");
        assert.deepEqual(unknown, ["down " + E.E_WIFI_NO_AP]);
        assert.equal(rig.hal.wifi.state(), WIFI_DOWN);
      });

      it("leave() brings the link down and tells onDown", async function () {
        const seen = join(rig.ssid, rig.password);
        await waitFor(() => seen.length > 0, "join");
        rig.hal.wifi.leave();
        assert.equal(rig.hal.wifi.state(), WIFI_DOWN);
        assert.equal(rig.hal.wifi.ip(), "");
        await waitFor(() => seen.length > 1, "onDown");
        assert.ok(seen[1].startsWith("down "), seen.join());
      });
    });
  });
}
