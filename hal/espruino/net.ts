import { BOARD_TLS } from "board";
import type { DeviceBoard } from "../../boards/types";
import { E_SOCKET_BAD_ARGUMENT, E_SOCKET_CLOSED, E_SOCKET_DNS, E_SOCKET_NO_MEMORY, E_SOCKET_NO_ROUTE, E_SOCKET_QUEUE_FULL, E_SOCKET_RESET, E_SOCKET_UNKNOWN } from "../../firmware/errors";
import type { Net, NetTarget, Socket, SocketHandlers } from "../types";
import type { EspNetModule, EspSocket } from "./api";
import { toEspruinoTls } from "./tls-options";

declare function require(name: string): EspNetModule;
declare function setTimeout(fn: () => void, ms: number): number;
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

/**
 * Sockets over `require("net")` / `require("tls")`, Strings both ways: writes
 * go out as 8-bit Strings (E.toString), incoming chunks (at most 536 bytes, 268
 * on ESP8266) go to onData as the Strings they are.
 *
 * - A refused connection throws inside net.connect on Linux and ESP32 and is
 *   an `error` event on ESP8266: connect() returns E_SOCKET_RESET (or
 *   E_SOCKET_DNS) for the first, the second ends as onError then onClose.
 * - Events keep the contract of hal/types.ts whatever Espruino does: onConnect
 *   once and before any onData (Espruino can deliver data before `connect`),
 *   at most one onError, then one onClose; none inside a call of the owner
 *   (Espruino's emit is asynchronous, and the HAL's own closes wait a turn).
 * - Espruino's write() has no back-pressure: bytes handed over since the last
 *   `drain` are counted, and once `board.sendQueueBytes` wait, write() returns
 *   E_SOCKET_QUEUE_FULL and takes nothing.
 * - `online()` false (WiFi down): connect() gives E_SOCKET_NO_ROUTE at once, as
 *   Espruino would only print an error and return a socket that never
 *   connects; cut() ends open sockets with onError(code), onClose.
 * - TLS: see tls-options.ts (DER material, no certificate verification). A
 *   board without the tls module gets E_SOCKET_BAD_ARGUMENT, and its bundle
 *   has no TLS code (BOARD_TLS is a constant of the build).
 */
export function createEspruinoNet(board: DeviceBoard, online: () => boolean): EspruinoNet {
  const limit = board.sendQueueBytes;
  /** cut() of every open socket. */
  const open: ((code: number) => void)[] = [];
  return {
    cut: function (code) {
      const all = open.slice();
      for (let i = 0; i < all.length; i++) all[i](code);
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
      /** 0 opening, 1 connected, 2 closing (close() called), 3 closed for the owner. */
      let state = 0;
      let failed = false;
      let queued = 0;
      const up = function () {
        if (state !== 0) return;
        state = 1;
        h.onConnect();
      };
      /** Ends the socket for the owner without waiting for Espruino: onError(code) unless one was given, then onClose, a turn later. */
      const cut = function (code: number) {
        if (state === 3) return;
        state = 3;
        open.splice(open.indexOf(cut), 1);
        setTimeout(function () {
          if (!failed && code) h.onError(code);
          h.onClose();
        }, 0);
      };
      open.push(cut);
      s.on("connect", up);
      s.on("data", function (chunk: string) {
        if (state > 1) return;
        up();
        h.onData(chunk);
      });
      s.on("drain", function () {
        queued = 0;
      });
      s.on("error", function (e: { code?: number }) {
        if (state === 3 || failed) return;
        failed = true;
        h.onError(socketCode(e && (e.code as number)));
      });
      s.on("close", function () {
        cut(0);
      });
      return {
        write: function (data: Uint8Array, start: number, end: number): number {
          if (state > 1 || failed) return E_SOCKET_CLOSED;
          if (queued >= limit) return E_SOCKET_QUEUE_FULL;
          const text = E.toString(data.subarray(start, end));
          if (typeof text !== "string") return E_SOCKET_NO_MEMORY;
          try {
            s.write(text);
          } catch (e) {
            // Espruino dropped the connection; its close event is on the way.
            return E_SOCKET_CLOSED;
          }
          queued += end - start;
          return 0;
        },
        close: function () {
          if (state > 1) return;
          state = 2;
          // Offline, Espruino would only print an error and never close.
          if (!online()) return cut(0);
          try {
            s.end();
          } catch (e) {
            cut(0);
          }
        },
      };
    },
  };
}
