/**
 * What the fake board evaluates console lines in: a Node `vm` context with
 * the part of Espruino's API that the espruino CLI and fabmqtt's scripts
 * use: print/console.log, require("Storage") (FakeStorage), atob/btoa on
 * 8-bit strings, E.CRC32 (when the board has it), process.env and
 * process.memory(), reset(), load(), echo(). Anything else is a
 * ReferenceError, printed as Espruino prints an uncaught error.
 */
import vm from "node:vm";
import zlib from "node:zlib";
import type { FakeStorage } from "./storage";

export type FakeChip = "esp8266" | "esp32" | "linux";

/** process.env as each chip's Espruino 2v29 firmware answers it (the fields the Web IDE and the CLI read). */
export function boardEnv(chip: FakeChip): Record<string, unknown> {
  const common = { VERSION: "2v29", GIT_COMMIT: "4e4ff9a5c", BUILD_DATE: "Oct 13 2025", BUILD_TIME: "10:21:07", EXPTR: 1073643636 };
  if (chip === "esp8266")
    return {
      ...common,
      BOARD: "ESP8266_4MB",
      RAM: 81920,
      FLASH: 0,
      SPIFLASH: 4194304,
      STORAGE: 196608,
      SERIAL: "5ccf7f00aabb",
      CONSOLE: "Telnet",
      MODULES: "Flash,Storage,heatshrink,net,dgram,http,NetworkJS,Wifi,ESP8266,TelnetServer,crypto,neopixel",
    };
  if (chip === "esp32")
    return {
      ...common,
      BOARD: "ESP32",
      RAM: 524288,
      FLASH: 0,
      SPIFLASH: 4194304,
      STORAGE: 917504,
      SERIAL: "30aea4001122",
      CONSOLE: "Telnet",
      MODULES: "Flash,Storage,heatshrink,net,dgram,http,tls,NetworkJS,Wifi,ESP32,TelnetServer,crypto,neopixel",
    };
  return {
    ...common,
    BOARD: "LINUX",
    RAM: 0,
    FLASH: 0,
    STORAGE: 1048576,
    SERIAL: "",
    CONSOLE: "Telnet",
    MODULES: "Flash,Storage,heatshrink,net,dgram,http,tls,crypto,fs",
  };
}

/** Espruino's text for a value after `=` and in print(). */
export function espruinoText(v: unknown, quoteStrings: boolean): string {
  if (v === undefined) return "undefined";
  if (typeof v === "string") return quoteStrings ? JSON.stringify(v) : v;
  if (typeof v === "function") return "function () { [native code] }";
  if (typeof v === "object" && v !== null) {
    try {
      return JSON.stringify(v);
    } catch {
      return String(v);
    }
  }
  return String(v);
}

export interface RuntimeHooks {
  /** Text the program prints (newlines as "\n"). */
  print(text: string): void;
  /** reset() or load(): the interpreter restarts. */
  restart(how: "reset" | "load"): void;
  setEcho(on: boolean): void;
}

export interface RuntimeOptions {
  chip: FakeChip;
  storage: FakeStorage;
  /** Whether E.CRC32 exists (left out of firmware built to save flash). */
  crc32: boolean;
  /** Called with each Storage write's name and bytes before it is stored; may return other bytes (a corrupting link). */
  onWrite?: (name: string, data: Buffer, offset: number | undefined) => Buffer;
}

/** Bytes from what a program passes as data: a String one byte per character, or an array of numbers. */
function toBytes(data: unknown): Buffer {
  if (typeof data === "string") return Buffer.from(data, "latin1");
  if (data instanceof Uint8Array) return Buffer.from(data);
  if (Array.isArray(data)) return Buffer.from(data.map((n) => Number(n) & 0xff));
  return Buffer.from(String(data), "latin1");
}

function crc32(s: string): number {
  const bytes = Buffer.from(s, "latin1");
  return zlib.crc32 ? zlib.crc32(bytes) >>> 0 : -1;
}

/** A fresh context (a reset board) whose globals are the fake API. */
export function createRuntime(o: RuntimeOptions, hooks: RuntimeHooks): vm.Context {
  const print = (...args: unknown[]): undefined => {
    hooks.print(args.map((a) => espruinoText(a, false)).join(" ") + "\n");
    return undefined;
  };
  const storage = {
    write: (name: string, data: unknown, offset?: number, size?: number) => {
      let bytes = toBytes(data);
      if (o.onWrite) bytes = o.onWrite(name, bytes, offset);
      return o.storage.write(name, bytes, offset, size);
    },
    read: (name: string, offset?: number, length?: number) => o.storage.read(name, offset, length),
    readJSON: (name: string) => {
      const t = o.storage.read(name);
      return t === undefined ? undefined : JSON.parse(t);
    },
    erase: (name: string) => o.storage.erase(name),
    list: () => o.storage.list(),
    getFree: () => o.storage.getFree(),
  };
  const E: Record<string, unknown> = { toString: (...a: unknown[]) => a.map((x) => (typeof x === "string" ? x : toBytes(x).toString("latin1"))).join("") };
  if (o.crc32) E.CRC32 = crc32;
  return vm.createContext({
    print,
    console: { log: print },
    require: (name: string) => {
      if (name === "Storage") return storage;
      throw new Error("Module " + name + " not found");
    },
    atob: (s: string) => Buffer.from(String(s), "base64").toString("latin1"),
    btoa: (s: string) => Buffer.from(String(s), "latin1").toString("base64"),
    E,
    process: { env: boardEnv(o.chip), version: "2v29", memory: () => ({ free: 1400, usage: 200, total: 1600, history: 0 }) },
    reset: () => hooks.restart("reset"),
    load: () => hooks.restart("load"),
    echo: (on: unknown) => hooks.setEcho(!!on),
    getTime: () => Date.now() / 1000,
    setTime: () => undefined,
  });
}
