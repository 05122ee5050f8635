import { BOARD_TLS } from "board";
import type { DeviceBoard } from "../../boards/types";
import { E_SOCKET_BAD_ARGUMENT, E_SOCKET_CLOSED, E_SOCKET_DNS, E_SOCKET_NO_MEMORY, E_SOCKET_NO_ROUTE, E_SOCKET_QUEUE_FULL, E_SOCKET_RESET, E_SOCKET_UNKNOWN } from "../../firmware/errors";
import type { Net, NetTarget, Socket, SocketHandlers } from "../types";
import type { EspNetModule, EspSocket } from "./api";
import { toEspruinoTls } from "./tls-options";

declare function require(name: string): EspNetModule;
declare function setTimeout(fn: (c: Conn, code: number) => void, ms: number, c: Conn, code: number): number;
declare const E: { toString(data: Uint8Array): string | undefined };

/** Net with a way to cut every open socket (the WiFi link went down). */
export interface EspruinoNet extends Net {
  cut(code: number): void;
}

/**
 * Espruino's socket error code (`error` event: -1 closed .. -14 invalid SSL
 * data) as a platform code: -300 + the code where firmware/errors.ts has it,
 * E_SOCKET_CLOSED for -8 (closed with data unsent), E_SOCKET_RESET for -11
 * (no connection: how ESP8266's espconn can report a refused connect),
 * E_SOCKET_UNKNOWN otherwise.
 */
export function socketCode(code: number): number {
  if (code === -8) return E_SOCKET_CLOSED;
  if (code === -11) return E_SOCKET_RESET;
  return code < 0 && code > -15 && code !== -5 ? -300 + code : E_SOCKET_UNKNOWN;
}

/** What the shared socket functions need of the Net a connection belongs to. */
interface NetState {
  limit: number;
  online: () => boolean;
  /** Connections not closed for their owner yet. */
  open: Conn[];
}

/**
 * One connection: the Socket its owner holds, with the state the shared
 * functions below keep in it. Connections share their functions (Espruino
 * calls a listener with `this` = the socket, and the owner calls write/close
 * as methods): a connection costs one object, not a closure per handler.
 */
interface Conn extends Socket {
  /** Espruino's socket; its `c` leads back here. */
  s: EspSocket & { c?: Conn };
  h: SocketHandlers;
  /** 0 opening, 1 connected, 2 closing (close() called), 3 closed for the owner. */
  st: number;
  /** An error was reported. */
  e: boolean;
  /** Bytes handed to Espruino since its last `drain`. */
  q: number;
  n: NetState;
}

type Listener = (this: { c: Conn }, arg?: any) => void;

function up(c: Conn): void {
  if (c.st !== 0) return;
  c.st = 1;
  c.h.onConnect();
}

function finish(c: Conn, code: number): void {
  if (!c.e && code) c.h.onError(code);
  c.h.onClose();
}

/** Ends the connection for its owner without waiting for Espruino: onError(code) unless one was given, then onClose, a turn later. */
function cut(c: Conn, code: number): void {
  if (c.st === 3) return;
  c.st = 3;
  c.n.open.splice(c.n.open.indexOf(c), 1);
  setTimeout(finish, 0, c, code);
}

const onConnect: Listener = function () {
  up(this.c);
};

const onData: Listener = function (chunk: string) {
  const c = this.c;
  if (c.st > 1) return;
  // Espruino can deliver data before `connect`.
  up(c);
  c.h.onData(chunk);
};

const onDrain: Listener = function () {
  this.c.q = 0;
};

const onError: Listener = function (e: { code?: number }) {
  const c = this.c;
  if (c.st === 3 || c.e) return;
  c.e = true;
  c.h.onError(socketCode(e && (e.code as number)));
};

const onClose: Listener = function () {
  cut(this.c, 0);
};

function write(this: Conn, data: Uint8Array, start: number, end: number): number {
  if (this.st > 1 || this.e) return E_SOCKET_CLOSED;
  if (this.q >= this.n.limit) return E_SOCKET_QUEUE_FULL;
  const text = E.toString(data.subarray(start, end));
  if (typeof text !== "string") return E_SOCKET_NO_MEMORY;
  try {
    this.s.write(text);
  } catch (e) {
    // Espruino dropped the connection; its close event is on the way.
    return E_SOCKET_CLOSED;
  }
  this.q += end - start;
  return 0;
}

function close(this: Conn): void {
  if (this.st > 1) return;
  this.st = 2;
  // Offline, Espruino would only print an error and never close.
  if (!this.n.online()) return cut(this, 0);
  try {
    this.s.end();
  } catch (e) {
    cut(this, 0);
  }
}

/**
 * Sockets over `require("net")` / `require("tls")`, Strings both ways: writes
 * go out as 8-bit Strings (E.toString), incoming chunks (at most 536 bytes, 268
 * on ESP8266) go to onData as the Strings they are. write() and close() are
 * called as methods of the socket.
 *
 * - A refused connection throws inside net.connect on Linux and ESP32 and is
 *   an `error` event on ESP8266: connect() returns E_SOCKET_RESET (or
 *   E_SOCKET_DNS) for the first, the second ends as onError then onClose. A
 *   reset connection is an `error` on ESP8266 and a plain close on Linux and
 *   ESP32 (their recv() failures all read as "closed").
 * - Events keep the contract of hal/types.ts whatever Espruino does: onConnect
 *   once and before any onData (Espruino can deliver data before `connect`),
 *   at most one onError, then one onClose; none inside a call of the owner
 *   (Espruino's emit is asynchronous, and the HAL's own closes wait a turn).
 * - Espruino's write() has no back-pressure: bytes handed over since the last
 *   `drain` are counted, and once `board.sendQueueBytes` wait, write() returns
 *   E_SOCKET_QUEUE_FULL and takes nothing.
 * - `online()` false (WiFi down): connect() gives E_SOCKET_NO_ROUTE at once;
 *   cut() ends open sockets with onError(code), onClose.
 * - TLS: see tls-options.ts (DER material, no certificate verification). A
 *   board without the tls module gets E_SOCKET_BAD_ARGUMENT, and its bundle
 *   has no TLS code (BOARD_TLS is a constant of the build).
 */
export function createEspruinoNet(board: DeviceBoard, online: () => boolean): EspruinoNet {
  const state: NetState = { limit: board.sendQueueBytes, online: online, open: [] };
  return {
    cut: function (code) {
      const all = state.open.slice();
      for (let i = 0; i < all.length; i++) cut(all[i], code);
    },
    connect: function (target: NetTarget, h: SocketHandlers): Socket | number {
      if (!(target && target.host && target.port > 0)) return E_SOCKET_BAD_ARGUMENT;
      if (!online()) return E_SOCKET_NO_ROUTE;
      let s: EspSocket;
      try {
        if (!target.tls) s = require("net").connect(target);
        else {
          if (!BOARD_TLS) return E_SOCKET_BAD_ARGUMENT;
          // The caller's target is not written to: TLS material goes into options of the HAL's own.
          const o: { host: string; port: number; ca?: string; key?: string; cert?: string } = { host: target.host, port: target.port };
          if (!toEspruinoTls(o, target.tls)) return E_SOCKET_BAD_ARGUMENT;
          s = require("tls").connect(o);
        }
      } catch (e) {
        // Linux and ESP32 connect at once: "Unable to locate host", "Unable to create socket" (refused).
        return String(e && (e as { message?: string }).message).indexOf("host") >= 0 ? E_SOCKET_DNS : E_SOCKET_RESET;
      }
      const c: Conn = { write: write, close: close, s: s, h: h, st: 0, e: false, q: 0, n: state };
      c.s.c = c;
      state.open.push(c);
      s.on("connect", onConnect);
      s.on("data", onData);
      s.on("drain", onDrain);
      s.on("error", onError);
      s.on("close", onClose);
      return c;
    },
  };
}
