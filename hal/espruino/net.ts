import { BOARD_TLS } from "board";
import {
  E_SOCKET_BAD_ARGUMENT,
  E_SOCKET_CLOSED,
  E_SOCKET_DNS,
  E_SOCKET_NO_MEMORY,
  E_SOCKET_NO_ROUTE,
  E_SOCKET_QUEUE_FULL,
  E_SOCKET_RESET,
  E_SOCKET_UNKNOWN,
} from "../../base/errors";
import { SEND_CONTROL_ROOM, WIFI_UP, type Net, type NetTarget, type Socket, type SocketHandlers } from "../types";
import type { EspNetModule, EspSocket } from "./api";
import { toEspruinoTls } from "./tls-options";

declare function require(name: string): EspNetModule;
declare function setTimeout(fn: (c: Conn, code: number) => void, ms: number, c: Conn, code: number): number;
declare const E: { toString(data: Uint8Array): string | undefined };

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

/** Bytes [start, end) as an 8-bit String (E.toString); undefined when Espruino is out of memory. */
function sliceText(data: Uint8Array | string, start: number, end: number): string | undefined {
  return typeof data === "string" ? data.substring(start, end) : E.toString(data.subarray(start, end));
}

/**
 * One connection: the Socket its owner holds, with the state the shared
 * functions below keep in it. Connections share their functions (Espruino
 * calls a listener with `this` = the socket, and the owner calls write/close
 * as methods): a connection costs one object, not a closure per handler.
 */
class Conn implements Socket {
  /** Espruino's socket; its `conn_` leads back here. */
  socket_: EspSocket & { conn_?: Conn };
  handlers_: SocketHandlers;
  net_: EspruinoNet;
  /**
   * 0 opening, 1 connected, 2 closed by the owner (silent from then on), 3
   * ended by the platform (the owner is told a turn later), 4 both: ended and
   * closed by the owner before it was told (it is not told).
   */
  phase_ = 0;
  /** An error was reported. */
  errored_ = false;
  /** Bytes handed to Espruino since its last `drain`: all, and those of packets of up to 4 bytes taken past the bound. */
  queued_ = 0;
  pastBound_ = 0;
  constructor(s: EspSocket & { conn_?: Conn }, h: SocketHandlers, n: EspruinoNet) {
    this.socket_ = s;
    this.handlers_ = h;
    this.net_ = n;
    s.conn_ = this;
  }
  write(data: Uint8Array | string, start: number, end: number): number {
    if (this.phase_ > 1 || this.errored_) return E_SOCKET_CLOSED;
    // The common packet: a whole String, the queue under its bound. The rest is writeAny's.
    if (typeof data !== "string" || start !== 0 || end !== data.length || this.queued_ >= this.net_.limit_) return writeAny(this, data, start, end);
    try {
      this.socket_.write(data);
    } catch (e) {
      // Espruino dropped the connection; its close event is on the way.
      return E_SOCKET_CLOSED;
    }
    this.queued_ += end;
    return 0;
  }
  close(): void {
    const st = this.phase_;
    if (st > 1) {
      if (st === 3) this.phase_ = 4;
      return;
    }
    this.phase_ = 2;
    // Offline, Espruino would only print an error and never close.
    const l = this.net_.link_;
    if (l && l.state() !== WIFI_UP) return cut(this, 0);
    try {
      this.socket_.end();
    } catch (e) {
      cut(this, 0);
    }
  }
}

/**
 * Conn.write() off its common case: bytes [start, end) of a Uint8Array or of
 * part of a String, or a queue at its bound, where packets of up to 4 bytes
 * (acks, PINGREQ) still go, from a budget of their own (SEND_CONTROL_ROOM).
 * Returns 0, E_SOCKET_QUEUE_FULL, E_SOCKET_NO_MEMORY or E_SOCKET_CLOSED.
 */
function writeAny(c: Conn, data: Uint8Array | string, start: number, end: number): number {
  const beyond = c.queued_ >= c.net_.limit_;
  if (beyond && (end - start > 4 || c.pastBound_ >= SEND_CONTROL_ROOM)) return E_SOCKET_QUEUE_FULL;
  const text = typeof data === "string" && start === 0 && end === data.length ? data : sliceText(data, start, end);
  if (typeof text !== "string") return E_SOCKET_NO_MEMORY;
  try {
    c.socket_.write(text);
  } catch (e) {
    return E_SOCKET_CLOSED;
  }
  if (beyond) c.pastBound_ += end - start;
  c.queued_ += end - start;
  return 0;
}

/** Ends every open socket of `n` with onError(code), onClose (the WiFi link went down). Never fails. */
export function cutSockets(n: EspruinoNet, code: number): void {
  const all = n.open_.slice();
  for (let i = 0; i < all.length; i++) cut(all[i], code);
}

type Listener = (this: { conn_: Conn }, arg?: any) => void;

function finish(c: Conn, code: number): void {
  if (c.phase_ === 4) return;
  if (!c.errored_ && code) c.handlers_.onError(code);
  c.handlers_.onClose();
}

/**
 * Ends the connection without waiting for Espruino: a turn later the owner
 * gets onError(code) unless one was given, then onClose; nothing when the
 * owner closed it.
 */
function cut(c: Conn, code: number): void {
  if (c.phase_ > 2) return;
  c.net_.open_.splice(c.net_.open_.indexOf(c), 1);
  if (c.phase_ === 2) {
    c.phase_ = 4;
    return;
  }
  c.phase_ = 3;
  setTimeout(finish, 0, c, code);
}

/**
 * Espruino's `connect`, `data` and `drain` events, one listener: onConnect
 * once, before any onData (Espruino can deliver data before `connect`); the
 * `connect` listener goes then (a listener costs a few variables as long as
 * the socket lives). `connect` and `drain` carry the socket, not a chunk:
 * one while opening is the connect (a drain comes first only when bytes
 * written while opening were all sent: connected too), one once open is a
 * drain (the bytes handed over are sent).
 */
const onEvent: Listener = function (chunk?: string) {
  const c = this.conn_;
  if (c.phase_ > 1) return;
  if (c.phase_ === 0) {
    c.phase_ = 1;
    c.socket_.removeAllListeners("connect");
    c.handlers_.onConnect();
    // The owner may have closed it in onConnect: then no onData.
    if (typeof chunk !== "string" || c.phase_ > 1) return;
  } else if (typeof chunk !== "string") {
    c.queued_ = c.pastBound_ = 0;
    return;
  }
  c.handlers_.onData(chunk);
};

const onError: Listener = function (e: { code?: number }) {
  const c = this.conn_;
  if (c.phase_ > 1 || c.errored_) return;
  c.errored_ = true;
  c.handlers_.onError(socketCode(e && (e.code as number)));
};

const onClose: Listener = function () {
  cut(this.conn_, 0);
};

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
 *   (Espruino's emit is asynchronous, and the HAL's own closes wait a turn),
 *   and none after the owner's close().
 * - Espruino's write() has no back-pressure: bytes handed over since the last
 *   `drain` are counted, and once `board.sendQueueBytes` wait, write() returns
 *   E_SOCKET_QUEUE_FULL and takes nothing. Packets of up to 4 bytes (acks,
 *   PINGREQ, DISCONNECT), which a client cannot hold back, still go past the
 *   bound, SEND_CONTROL_ROOM bytes of them until the drain.
 * - `link` down (WiFi): connect() gives E_SOCKET_NO_ROUTE at once;
 *   cutSockets() ends open sockets with onError(code), onClose.
 * - TLS: see tls-options.ts (DER material, no certificate verification). A
 *   board without the tls module gets E_SOCKET_BAD_ARGUMENT, and its bundle
 *   has no TLS code (BOARD_TLS is a constant of the build).
 */
export class EspruinoNet implements Net {
  /** board.sendQueueBytes. */
  limit_: number;
  /** Whether sockets may open (the WiFi link is up); the HAL sets it. */
  link_: { state(): number } | null = null;
  /** Connections not closed for their owner yet. */
  open_: Conn[] = [];
  constructor(board: { sendQueueBytes: number }) {
    this.limit_ = board.sendQueueBytes;
  }
  connect(target: NetTarget, h: SocketHandlers): Socket | number {
    if (!(target && target.host && target.port > 0)) return E_SOCKET_BAD_ARGUMENT;
    // The device's WiFi; the library gives none: sockets are its program's business.
    if (this.link_ && this.link_.state() !== WIFI_UP) return E_SOCKET_NO_ROUTE;
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
    const c = new Conn(s, h, this);
    this.open_.push(c);
    s.on("connect", onEvent);
    s.on("data", onEvent);
    s.on("drain", onEvent);
    s.on("error", onError);
    s.on("close", onClose);
    return c;
  }
}
