/**
 * The HAL contract (hal/types.ts), one body of tests run against every HAL
 * implementation: test/hal/hal-contract.test.ts gives it hal/node and hal/espruino
 * (inside the Espruino stand-in, from the built board bundles). Peers are real:
 * a plain TCP server on 127.0.0.1 and a Debian mosquitto.
 */
import { strict as assert } from "node:assert";
import crypto from "node:crypto";
import zlib from "node:zlib";
import type { DeviceBoard } from "../../boards/types";
import * as E from "../../base/errors";
import type { Hal, Socket, SocketHandlers } from "../../hal/types";
import { WIFI_DOWN, WIFI_UP } from "../../hal/types";
import { waitFor } from "../../scripts/support/live-client";
import { createRandom } from "../../scripts/support/prng";
import { startTcpPeer, type TcpPeer } from "../../scripts/support/tcp-peer";
import { socketContract } from "./hal-contract-sockets";
import { pinContract } from "./hal-contract-pins";

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
export function pinsOf(board: DeviceBoard) {
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

export function tick(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Bytes i*step+offset (mod 256): every value 0..255 shows up, and a cut or shifted stream does not match. */
export function pattern(n: number, seed: number): Uint8Array {
  const rnd = createRandom(seed);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.floor(rnd() * 256);
  return out;
}

/** A CONNECT packet (MQTT 3.1.1, clean session, keepalive 30) for `clientId`. */
export function connectPacket(clientId: string): Uint8Array {
  const id = Buffer.from(clientId, "latin1");
  const body = [0, 4, 0x4d, 0x51, 0x54, 0x54, 4, 0x02, 0, 30, id.length >> 8, id.length & 255, ...id];
  return new Uint8Array([0x10, body.length, ...body]);
}

/** This test's platform and TCP peer, and the helpers that open sockets through the platform, for parts of the contract in other files. */
export interface ContractContext {
  readonly rig: ContractRig;
  readonly peer: TcpPeer;
  open(port: number, host?: string): { log: SocketLog; s: Socket | number };
  connected(port: number): Promise<{ log: SocketLog; s: Socket }>;
  mosquittoPort(): number;
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

    /** What the socket half (hal-contract-sockets.ts) uses; rig and peer are this test's. */
    const ctx: ContractContext = {
      get rig() {
        return rig;
      },
      get peer() {
        return peer;
      },
      open,
      connected,
      mosquittoPort,
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

    socketContract(ctx);

    describe("timers", function () {
      it("fire in order of their time, every() repeats until cancelled", async function () {
        const t = rig.hal.timers;
        const seen: string[] = [];
        t.after(60, () => seen.push("a60"));
        t.after(20, () => seen.push("b20"));
        t.after(40, () => seen.push("c40"));
        const rep = t.every(25, () => seen.push("r"));
        const repeats = () => seen.filter((x) => x === "r").length;
        await waitFor(() => seen.includes("a60"), "the 60 ms timer");
        // A loaded machine may hold the event loop past a firing: the second one is waited for, not assumed before 60 ms.
        await waitFor(() => repeats() >= 2, "every(25) to fire twice");
        t.cancel(rep);
        const reps = repeats();
        assert.deepEqual(
          seen.filter((x) => x !== "r"),
          ["b20", "c40", "a60"],
        );
        assert.ok(reps >= 2, "every(25) ran " + reps + " times");
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

      it("an update's files: written in pieces, read in parts, their CRC-32 and SHA1 as zlib and node:crypto give them", function () {
        const files = rig.hal.updateFiles!();
        let image = "";
        for (let i = 0; i < 700; i++) image += String.fromCharCode((i * 7) & 255);
        assert.equal(files.writeAt("img", image.substr(0, 300), 0, 700), 0);
        assert.equal(files.readAt("img", 0, 300), image.substr(0, 300));
        assert.equal(files.readAt("img", 300, 2), "\xff\xff", "bytes not yet written");
        assert.equal(files.writeAt("img", image.substr(300, 300), 300, 700), 0);
        assert.equal(files.writeAt("img", image.substr(600), 600, 700), 0);
        assert.equal(rig.hal.storage.read("img"), image);
        assert.equal(files.readAt("img", 650, 100), image.substr(650), "a part at the end is shorter");
        assert.equal(files.readAt("none", 0, 10), null);
        assert.equal(files.crc32("img"), zlib.crc32(Buffer.from(image, "latin1")));
        assert.equal(files.crc32("none"), -1);
        assert.equal(files.digest("sha1", image), crypto.createHash("sha1").update(Buffer.from(image, "latin1")).digest().toString("latin1"));
        assert.equal(files.digest("md5", image), null);
        // At offset 0 the file is made anew.
        assert.equal(files.writeAt("img", "ab", 0, 4), 0);
        assert.equal(rig.hal.storage.read("img"), "ab\xff\xff");
        rig.hal.storage.erase("img");
      });
    });

    pinContract(ctx);

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
