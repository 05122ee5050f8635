import net from "node:net";
import tls from "node:tls";
import * as E from "../../base/errors";
import { SEND_CONTROL_ROOM, type Net, type NetTarget, type Socket, type SocketHandlers } from "../types";

/**
 * TCP and TLS sockets on Node behind the HAL's Net interface.
 *
 * - Events follow the contract of hal/types.ts: onConnect once (after the TLS
 *   handshake for TLS), onData, at most one onError, then exactly one onClose;
 *   none runs inside connect(), write() or close(), and none after close().
 * - TLS verifies the broker's certificate and name by default; `verify: false`
 *   (broker.insecure) must be asked for, and `warn` is told, once per host
 *   and port, that the connection is then not authenticated.
 * - write() copies the bytes and bounds what waits unsent: once
 *   `maxQueuedBytes` wait, E_SOCKET_QUEUE_FULL and nothing is queued (so the
 *   queue never holds more than that plus one write).
 * - `splitReads` re-cuts incoming data into pieces of the sizes it returns, to
 *   deliver data as arbitrarily as Espruino does (536 bytes at most there).
 */
export interface NodeNetOptions {
  maxQueuedBytes?: number;
  splitReads?: (() => number) | null;
  /** Where warnings go (a TLS connection without verification); default stderr. */
  warn?: (text: string) => void;
}

/** Bytes [start, end) of what a Socket.write was given, as a Buffer of their own (a string is 8-bit). Never fails. */
export function writtenBytes(data: Uint8Array | string, start: number, end: number): Buffer {
  return typeof data === "string" ? Buffer.from(data.substring(start, end), "latin1") : Buffer.from(data.subarray(start, end));
}

/** A Node error (errno code or TLS code) as a platform code from base/errors.ts; E_SOCKET_UNKNOWN when unknown. */
export function nodeErrorCode(err: { code?: string } | null | undefined): number {
  const code = (err && err.code) || "";
  switch (code) {
    case "ECONNREFUSED":
    case "ECONNRESET":
    case "EPIPE":
    case "ECONNABORTED":
      return E.E_SOCKET_RESET;
    case "ETIMEDOUT":
      return E.E_SOCKET_TIMEOUT;
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return E.E_SOCKET_DNS;
    case "EHOSTUNREACH":
    case "ENETUNREACH":
      return E.E_SOCKET_NO_ROUTE;
    case "ENOMEM":
      return E.E_SOCKET_NO_MEMORY;
    case "EMFILE":
    case "ENFILE":
      return E.E_SOCKET_MAX;
  }
  if (
    code.indexOf("CERT") >= 0 ||
    code.indexOf("ERR_SSL") === 0 ||
    code.indexOf("ERR_TLS") === 0 ||
    code === "UNABLE_TO_VERIFY_LEAF_SIGNATURE" ||
    code === "UNABLE_TO_GET_ISSUER_CERT_LOCALLY" ||
    code === "HOSTNAME_MISMATCH"
  )
    return E.E_TLS_HANDSHAKE;
  return E.E_SOCKET_UNKNOWN;
}

/** A Net on Node sockets. Never fails; connect() reports failures as the contract says. */
export function createNodeNet(options: NodeNetOptions = {}): Net {
  const maxQueued = options.maxQueuedBytes ?? 64 * 1024;
  const split = options.splitReads || null;
  const warn = options.warn ?? ((text: string) => process.stderr.write(text + "\n"));
  const unverified = new Set<string>();
  return {
    connect(target: NetTarget, handlers: SocketHandlers): Socket | number {
      let sock: net.Socket;
      try {
        if (target.tls) {
          const t = target.tls;
          const servername = t.servername ?? (net.isIP(target.host) ? undefined : target.host);
          const where = target.host + ":" + target.port;
          if (t.verify === false && !unverified.has(where)) {
            unverified.add(where);
            warn(
              "warning: TLS to " +
                where +
                " without verifying the certificate (broker.insecure): anyone on the path can pose as the broker and read what is sent, passwords included",
            );
          }
          sock = tls.connect({
            host: target.host,
            port: target.port,
            ca: t.ca,
            cert: t.cert,
            key: t.key,
            servername,
            rejectUnauthorized: t.verify !== false,
            checkServerIdentity: t.verify === false ? () => undefined : (host, cert) => tls.checkServerIdentity(servername ?? host, cert),
          });
        } else sock = net.connect({ host: target.host, port: target.port });
      } catch {
        return E.E_SOCKET_BAD_ARGUMENT;
      }
      sock.setNoDelay(true);
      /** Closed (the socket's close event, or the owner's close()): no handler is called and writes are refused from then on. */
      let quiet = false;
      let failed = false;
      // Writes made in one turn of the event loop are copied into one staging
      // buffer and leave as one socket write (one allocation and one stream
      // write per turn, not per packet).
      let staged: Buffer | null = null;
      let used = 0;
      const flush = () => {
        const b = staged;
        staged = null;
        if (b && used > 0 && !sock.destroyed) sock.write(b.subarray(0, used));
        used = 0;
      };
      sock.on(target.tls ? "secureConnect" : "connect", () => {
        if (!quiet) handlers.onConnect();
      });
      sock.on("data", (data: Buffer) => {
        if (quiet) return;
        if (!split) return handlers.onData(new Uint8Array(data.buffer, data.byteOffset, data.length));
        let at = 0;
        while (at < data.length && !quiet) {
          const size = Math.max(1, split());
          handlers.onData(new Uint8Array(data.buffer, data.byteOffset + at, Math.min(size, data.length - at)));
          at += size;
        }
      });
      sock.on("error", (err: NodeJS.ErrnoException) => {
        if (failed || quiet) return;
        failed = true;
        handlers.onError(nodeErrorCode(err));
      });
      sock.on("close", () => {
        if (quiet) return;
        quiet = true;
        handlers.onClose();
      });
      let controlBeyond = 0;
      return {
        write(data: Uint8Array | string, start: number, end: number): number {
          if (quiet || failed || sock.destroyed) return E.E_SOCKET_CLOSED;
          const n = end - start;
          // Writes of up to 4 bytes (acks) still go past the bound: SEND_CONTROL_ROOM bytes of them until it is not reached.
          const beyond = sock.writableLength + used >= maxQueued;
          if (!beyond) controlBeyond = 0;
          else if (n > 4 || controlBeyond >= SEND_CONTROL_ROOM) return E.E_SOCKET_QUEUE_FULL;
          else controlBeyond += n;
          if (!staged) {
            staged = Buffer.allocUnsafe(Math.max(16384, n));
            process.nextTick(flush);
          } else if (used + n > staged.length) {
            // Grown, not sent: what waits is bounded by maxQueued like the socket's own queue.
            const bigger = Buffer.allocUnsafe(Math.max(2 * staged.length, used + n));
            staged.copy(bigger, 0, 0, used);
            staged = bigger;
          }
          // A string is 8-bit: its characters go in as bytes, with no Buffer of their own first.
          if (typeof data === "string") staged.write(data.substring(start, end), used, n, "latin1");
          else if (n <= 64) for (let i = 0; i < n; i++) staged[used + i] = data[start + i];
          else staged.set(data.subarray(start, end), used);
          used += n;
          return 0;
        },
        close(): void {
          if (quiet) return;
          quiet = true;
          if (sock.destroyed) return;
          flush();
          // What was written (a DISCONNECT, say) still leaves; then the socket goes.
          sock.end();
          setTimeout(() => sock.destroy(), 2000).unref();
        },
      };
    },
  };
}

/**
 * A Net over `inner` whose open sockets can all be cut at once, as a link
 * going down cuts them: cutAll() closes each (its owner hears nothing more
 * from it, as after its own close()) and tells each owner onClose a turn
 * later. A socket leaves the list at its onClose or its owner's close().
 * Never fails; connect() fails as `inner` does.
 */
export function cuttableNet(inner: Net): { net: Net; cutAll(): void } {
  const open = new Map<Socket, SocketHandlers>();
  return {
    net: {
      connect(target: NetTarget, handlers: SocketHandlers): Socket | number {
        let sock: Socket | number = 0;
        sock = inner.connect(target, {
          onConnect: () => handlers.onConnect(),
          onData: (d) => handlers.onData(d),
          onError: (c) => handlers.onError(c),
          onClose: () => {
            if (typeof sock !== "number") open.delete(sock);
            handlers.onClose();
          },
        });
        if (typeof sock === "number") return sock;
        const inside = sock;
        open.set(inside, handlers);
        return {
          write: (data, start, end) => inside.write(data, start, end),
          close: () => {
            open.delete(inside);
            inside.close();
          },
        };
      },
    },
    cutAll(): void {
      for (const [s, h] of [...open]) {
        open.delete(s);
        s.close();
        setImmediate(() => h.onClose());
      }
    },
  };
}
