/**
 * An Espruino stand-in for Node: a `vm` context whose globals are Espruino's
 * API with Espruino's behaviours, so that device code (hal/espruino, whole
 * board bundles) runs as it would on a board, against real sockets on
 * 127.0.0.1 and simulated WiFi, pins, sensors and Storage. The parts live in
 * test/support/standin/ (one file each); builtins.ts says what the context
 * cannot take away.
 *
 *   const esp = createEspruinoContext({ mode: "esp8266" });
 *   esp.upload("fabmqtt", fs.readFileSync("dist/esp8266-nodemcu/fabmqtt.min.js", "utf8"));
 *   const bundle = esp.run('require("fabmqtt")');   // as on the board: a Storage module
 *   const hal = bundle.createEspruinoHal(board);
 *   ... esp.wifi.setAvailable(false); esp.pins.setInput("D4", true); ...
 *   esp.dispose();
 */
import crypto from "node:crypto";
import vm from "node:vm";
import zlib from "node:zlib";
import { REMOVE_BUILTINS } from "./standin/builtins";
import { createLoop, type Loop } from "./standin/loop";
import { createStandinNet, type StandinMode, type StandinNet } from "./standin/net";
import { createOneWireClass, type Ds18b20 } from "./standin/onewire";
import { createStandinPins, type PinControl } from "./standin/pins";
import { createStandinStorage } from "./standin/storage";
import { createStandinTimers, type StandinTimers } from "./standin/timers";
import { createStandinTelnet, type TelnetControl } from "./standin/telnet";
import { createStandinWifi, type WifiControl } from "./standin/wifi";

export type { StandinMode } from "./standin/net";
export type { Dht22Answer, PinControl, PinEvent } from "./standin/pins";
export type { Ds18b20 } from "./standin/onewire";

export interface EspruinoOptions {
  /** linux and esp32: a refused connect throws; esp8266: it is an `error` event, chunks are 268 bytes, no tls module. */
  mode: StandinMode;
  /** Largest `data` chunk; default 536, 268 for esp8266. */
  chunkSize?: number;
  /** Whether require("tls") exists; default: not on esp8266. */
  tls?: boolean;
  /** 8-bit strings: Espruino's ESP32, ESP8266 and Linux builds have no Unicode (String.fromCharCode(0x263a) is ":" on 2v29 for Linux); default true. */
  eightBit?: boolean;
  /** `connect` 20 ms late, so that data can come first; default false. */
  connectLate?: boolean;
  /** The simulated access point. */
  ssid?: string;
  password?: string;
  /** Storage kept in this file (JSON) across contexts; memory only by default. */
  storageFile?: string | null;
  /** Storage bytes in all; default 192 KB (ESP8266 4 MB). */
  storageBytes?: number;
  /** Console lines are also given to this (none by default). */
  echo?: ((line: string) => void) | null;
}

/** A context and the stand-in's controls. */
export interface EspruinoContext {
  context: vm.Context;
  /** Runs code in the context (as its UTF-8 bytes when strings are 8-bit) and returns its value; exceptions are thrown. */
  run(code: string, filename?: string): any;
  /** Writes `code` to Storage as `name` (its UTF-8 bytes), as the Espruino CLI's --storage does: require(name) then runs it as a module. */
  upload(name: string, code: string): void;
  /** Console lines. */
  console: string[];
  /** Exceptions that callbacks threw into the "idle loop" (Espruino prints them as Uncaught). */
  uncaught: unknown[];
  net: StandinNet;
  wifi: WifiControl;
  /** require("TelnetServer"): the board's remote console. */
  telnet: TelnetControl;
  pins: PinControl;
  /** Puts a DS18B20 on a pin (or changes it). */
  ds18b20(pin: string, device: Ds18b20): void;
  storage: Map<string, string>;
  timers: StandinTimers;
  /** Makes the next E.toString() give undefined, as Espruino does out of memory. */
  failNextToString(): void;
  /**
   * Makes require("crypto")'s hashes give undefined, as Espruino's do when no
   * run of free variables holds their result ("Not enough memory for
   * result"): "untilDefrag" until E.defrag() runs, "always", or "never" (the default).
   */
  failHashes(how: "untilDefrag" | "always" | "never"): void;
  /** How many times E.defrag() ran. */
  defrags(): number;
  /**
   * How many times load() ran. Espruino's load() is a soft reset: the stand-in
   * stops timers and sockets as it does, but does not run the boot code again
   * (a test boots a new context on the same storageFile).
   */
  loads(): number;
  /**
   * The deep sleeps asked for (ESP8266.deepSleep / ESP32.deepSleep), in
   * microseconds. Each stops timers and sockets, as the chip does; the wake
   * is a new context on the same storageFile.
   */
  sleeps(): number[];
  /** Stops timers, sockets and everything queued. */
  dispose(): void;
}

/** Bytes as an 8-bit String, from anything E.toString takes: Strings, numbers (one byte), arrays and typed arrays. */
function bytesOf(args: unknown[]): string {
  let out = "";
  const add = (v: unknown) => {
    if (typeof v === "string") out += v;
    else if (typeof v === "number") out += String.fromCharCode(v & 255);
    else if (ArrayBuffer.isView(v)) out += Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("latin1");
    else if (v instanceof ArrayBuffer || Object.prototype.toString.call(v) === "[object ArrayBuffer]") out += Buffer.from(v as ArrayBuffer).toString("latin1");
    else if (v && typeof v === "object" && typeof (v as { length?: unknown }).length === "number") for (const x of Array.prototype.slice.call(v)) add(x);
  };
  for (const a of args) add(a);
  return out;
}

/** A fresh Espruino stand-in. Never fails. */
export function createEspruinoContext(options: EspruinoOptions): EspruinoContext {
  const mode = options.mode;
  const eightBit = options.eightBit ?? true;
  const loop: Loop = createLoop(options.echo ?? null);
  const timers = createStandinTimers(loop);
  const started = performance.now();
  const getTime = () => (performance.now() - started) / 1000 + 1;
  let net: StandinNet;
  const wifi = createStandinWifi(loop, mode, options.ssid ?? "fablab", options.password ?? "", (up) => (up ? net.linkUp() : net.linkDown()));
  net = createStandinNet(loop, {
    mode,
    chunkSize: options.chunkSize ?? (mode === "esp8266" ? 268 : 536),
    tls: options.tls ?? mode !== "esp8266",
    online: mode === "linux" ? () => true : wifi.online,
    connectLate: !!options.connectLate,
  });
  const pins = createStandinPins(loop, mode, getTime);
  const telnet = createStandinTelnet(mode);
  const storage = createStandinStorage(options.storageFile ?? null, options.storageBytes ?? 192 * 1024);
  const devices = new Map<string, Ds18b20>();
  let toStringFails = false;
  let hashesFail: "untilDefrag" | "always" | "never" = "never";
  let defrags = 0;
  const print = (...args: unknown[]) => loop.print(args.map((a) => (typeof a === "string" ? a : JSON.stringify(a))).join(" "));
  const globals: Record<string, unknown> = {
    ...pins.globals,
    setTimeout: timers.setTimeout,
    setInterval: timers.setInterval,
    clearTimeout: timers.clearTimeout,
    clearInterval: timers.clearInterval,
    changeInterval: timers.changeInterval,
    getTime,
    console: { log: print },
    print,
    atob: (s: unknown) => Buffer.from(String(s), "base64").toString("latin1"),
    btoa: (s: unknown) => Buffer.from(String(s), "latin1").toString("base64"),
    process: {
      version: "2v29",
      env: { VERSION: "2v29", BOARD: mode.toUpperCase() },
      // A plausible stub: Espruino counts variables, not bytes.
      memory: () => {
        const total = mode === "esp8266" ? 1600 : 16000;
        const usage = 400 + timers.pending() * 4 + net.open() * 40;
        return { free: total - usage, usage, total, history: 0, gc: 0, gctime: 0, blocksize: mode === "esp8266" ? 12 : 16 };
      },
    },
  };
  const context = vm.createContext(globals);
  const vmUint8Array = vm.runInContext("Uint8Array", context) as Uint8ArrayConstructor;
  const vmArray = vm.runInContext("(function (list) { var a = []; for (var i = 0; i < list.length; i++) a.push(list[i]); return a; })", context) as (
    v: unknown[],
  ) => unknown;
  globals.E = {
    toString: (...args: unknown[]) => {
      if (toStringFails) {
        toStringFails = false;
        return undefined;
      }
      return args.length === 1 && typeof args[0] === "string" ? args[0] : bytesOf(args);
    },
    toUint8Array: (...args: unknown[]) => {
      const s = bytesOf(args);
      const u = new vmUint8Array(s.length);
      for (let i = 0; i < s.length; i++) u[i] = s.charCodeAt(i) & 255;
      return u;
    },
    getErrorFlags: () => vmArray([]),
    CRC32: (data: unknown) => zlib.crc32(Buffer.from(bytesOf([data]), "latin1")),
    defrag: () => {
      defrags++;
      if (hashesFail === "untilDefrag") hashesFail = "never";
    },
  };
  // require("crypto"): one-shot hashes giving an ArrayBuffer; the ESP8266's build has SHA1 alone.
  const hashing = (hash: string) => (data: unknown) => {
    if (hashesFail !== "never") {
      loop.lines.push("ERROR: Not enough memory for result");
      return undefined;
    }
    const digest = crypto
      .createHash(hash)
      .update(Buffer.from(bytesOf([data]), "latin1"))
      .digest();
    return digest.buffer.slice(digest.byteOffset, digest.byteOffset + digest.byteLength);
  };
  const cryptoModule = mode === "esp8266" ? { SHA1: hashing("sha1") } : { SHA1: hashing("sha1"), SHA256: hashing("sha256") };
  globals.global = vm.runInContext("this", context);
  const resolvePin = (pin: unknown) => {
    const name = typeof pin === "string" ? pin : pin && typeof pin === "object" ? String(pin) : "";
    if (!/^[DA][0-9]+$/.test(name) || !(name in pins.globals)) throw new Error("Invalid pin: " + String(pin));
    return name;
  };
  globals.OneWire = createOneWireClass(resolvePin, devices, vmArray);
  let loads = 0;
  globals.load = () => {
    loads++;
    timers.dispose();
    net.dispose();
  };
  const sleeps: number[] = [];
  const chip = {
    deepSleep: (us: number) => {
      sleeps.push(us);
      timers.dispose();
      net.dispose();
    },
  };
  if (mode === "esp8266") globals.ESP8266 = chip;
  if (mode === "esp32") globals.ESP32 = chip;
  const modules = new Map<string, unknown>();
  globals.require = (name: unknown) => {
    if (name === "net") return net.net;
    if (name === "tls" && net.tls) return net.tls;
    if (name === "Wifi" && mode !== "linux") return wifi.module;
    if (name === "TelnetServer") return telnet.module;
    if (name === "Storage") return storage.module;
    if (name === "crypto") return cryptoModule;
    const key = String(name);
    if (modules.has(key)) return modules.get(key);
    const text = storage.files.get(key);
    if (text === undefined) throw new Error('Module "' + key + '" not found');
    // A Storage file runs as a module: `exports` and `module` in scope, its exports cached.
    const module = { exports: vm.runInContext("({})", context) as unknown };
    const source = eightBit ? text : Buffer.from(text, "latin1").toString("utf8");
    const body = vm.runInContext("(function (exports, module) {\n" + source + "\n})", context, { filename: key }) as (e: unknown, m: unknown) => void;
    body(module.exports, module);
    modules.set(key, module.exports);
    return module.exports;
  };
  for (const [k, v] of Object.entries(globals)) (context as Record<string, unknown>)[k] = v;
  vm.runInContext(REMOVE_BUILTINS(mode, eightBit), context);
  return {
    context,
    run(code, filename = "standin.js") {
      const text = eightBit ? Buffer.from(code, "utf8").toString("latin1") : code;
      return vm.runInContext(text, context, { filename });
    },
    upload(name, code) {
      storage.files.set(name, Buffer.from(code, "utf8").toString("latin1"));
      modules.delete(name);
    },
    console: loop.lines,
    uncaught: loop.uncaught,
    net,
    wifi: wifi.control,
    telnet: telnet.control,
    pins: pins.control,
    ds18b20(pin, device) {
      devices.set(pin, device);
    },
    storage: storage.files,
    timers,
    failNextToString() {
      toStringFails = true;
    },
    failHashes(how) {
      hashesFail = how;
    },
    defrags: () => defrags,
    loads: () => loads,
    sleeps: () => sleeps.slice(),
    dispose() {
      loop.dispose();
      timers.dispose();
      net.dispose();
      wifi.dispose();
      pins.dispose();
    },
  };
}
