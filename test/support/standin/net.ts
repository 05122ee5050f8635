import fs from "node:fs";
import net from "node:net";
import tls from "node:tls";
import { makeEmitter, type Emitter, type Loop } from "./loop";

export type StandinMode = "linux" | "esp32" | "esp8266";

export interface StandinNetOptions {
  mode: StandinMode;
  /** Largest `data` chunk: 536 bytes (268 on ESP8266). */
  chunkSize: number;
  /** Whether require("tls") exists. */
  tls: boolean;
  /** Whether the network is up (WiFi joined, or a Linux board). */
  online: () => boolean;
  /** `connect` comes 20 ms after the connection, so that data the peer sends at once comes first. */
  connectLate: boolean;
}

/** The stand-in's `net`/`tls` modules and what a test can see and do to them. */
export interface StandinNet {
  net: object;
  tls: object | null;
  /** Connections not closed yet. */
  open(): number;
  /** Holds what is written (no `drain`) until released, as Espruino does while the network does not take data. */
  stall(on: boolean): void;
  /** Writes given something other than a String (Espruino sends its text, such as "0,1,2"). */
  nonStringWrites(): number;
  /** Largest `data` chunk delivered so far. */
  maxChunk(): number;
  /** The options each tls.connect() got (ca, key and cert must be DER Strings). */
  tlsOptions: Array<Record<string, unknown>>;
  /** The link went down: connections go silent (writes are kept) until linkUp(), then end with an error. */
  linkDown(): void;
  linkUp(): void;
  dispose(): void;
}

/** Espruino's socket error codes (libs/network/socketerrors.h) for Node's errors. */
function espruinoCode(err: NodeJS.ErrnoException | null, mode: StandinMode): number {
  switch (err?.code) {
    case "ECONNREFUSED":
      // espconn reports a refused connect through its reset callback, code passed through (ESPCONN_CONN).
      return mode === "esp8266" ? -11 : -9;
    case "ECONNRESET":
    case "EPIPE":
      // Linux and ESP32 read every recv() failure as "closed" (no error event, measured on 2v29 for
      // Linux); ESP8266's espconn reports the reset.
      return mode === "esp8266" ? -9 : -1;
    case "ETIMEDOUT":
      return -3;
    case "EHOSTUNREACH":
    case "ENETUNREACH":
      return -4;
  }
  if (err && /SSL|TLS|ssl|tls/.test(String(err.code) + err.message)) return -13;
  return -10;
}

const MESSAGES: Record<number, string> = {
  [-1]: "socket closed",
  [-3]: "timeout",
  [-4]: "no route",
  [-6]: "not found",
  [-8]: "unsent data",
  [-9]: "connection reset",
  [-10]: "unknown error",
  [-11]: "no connection",
  [-13]: "SSL handshake failed",
};

/** The IPv4 address as /proc/net/tcp writes it ("127.0.0.1" -> "0100007F"). */
function procHex(ip: string): string {
  return ip
    .split(".")
    .reverse()
    .map((b) => Number(b).toString(16).toUpperCase().padStart(2, "0"))
    .join("");
}

/**
 * Whether something listens on ip:port, read from /proc/net/tcp(6) without
 * connecting: how the stand-in refuses at once, as a blocking connect on
 * Linux and ESP32 does. null when /proc cannot tell (the refusal then comes as
 * an event).
 */
export function isListening(ip: string, port: number): boolean | null {
  const hexPort = port.toString(16).toUpperCase().padStart(4, "0");
  try {
    for (const file of ["/proc/net/tcp", "/proc/net/tcp6"]) {
      if (!fs.existsSync(file)) continue;
      for (const line of fs.readFileSync(file, "utf8").split("\n").slice(1)) {
        const f = line.trim().split(/\s+/);
        if (f.length < 4 || f[3] !== "0A") continue;
        const [addr, p] = f[1].split(":");
        if (p !== hexPort) continue;
        if (/^0+$/.test(addr) || addr === procHex(ip)) return true;
      }
    }
    return false;
  } catch {
    return null;
  }
}

/**
 * `require("net")` and `require("tls")` as Espruino has them, over real Node
 * sockets: data as 8-bit Strings of at most `chunkSize` bytes, events
 * asynchronous (error, then end, then close), write() taking String(data)
 * with no back-pressure and throwing "This socket is closed" once the
 * connection is gone, `drain` when all written data has left; a reset
 * connection is an `error` (-9) on ESP8266 only, a plain close elsewhere. A refused
 * connection throws "Unable to create socket" from connect() on Linux and
 * ESP32 (a blocking connect) and is an `error` event on ESP8266; an unknown
 * host throws "Unable to locate host" (an `error` -6 on ESP8266). TLS: ca, key
 * and cert must be DER Strings, certificates are never verified, no SNI, TLS
 * 1.2 with RSA or DHE-RSA key exchange only.
 */
export function createStandinNet(loop: Loop, o: StandinNetOptions): StandinNet {
  const live = new Set<{ sever(): void; restore(): void; flush(): void; kill(): void }>();
  let stalled = false;
  let nonString = 0;
  let biggest = 0;
  const tlsOptions: Array<Record<string, unknown>> = [];
  const blocking = o.mode !== "esp8266";

  function connect(options: unknown, callback: unknown, secure: boolean): Emitter {
    if (typeof options === "string") {
      const [h, p] = options.split(":");
      options = { host: h, port: Number(p) };
    }
    if (!options || typeof options !== "object") throw new Error("Expecting Options to be an Object but it was " + typeof options);
    if (callback !== undefined && typeof callback !== "function") throw new Error("Expecting Callback Function but got " + typeof callback);
    const opt = options as Record<string, unknown>;
    const host = opt.host === undefined ? "127.0.0.1" : String(opt.host);
    const port = Number(opt.port) | 0;
    let alive = true;
    let ending = false;
    let connected = false;
    let severed = false;
    let pending = "";
    let error: number | 0 = 0;
    let node: net.Socket | null = null;
    const sock = makeEmitter(loop, {
      write(data: unknown): boolean {
        if (!alive) throw new Error("This socket is closed");
        if (typeof data !== "string") nonString++;
        pending += String(data);
        entry.flush();
        return false;
      },
      end(): void {
        if (!alive || ending) return;
        ending = true;
        entry.flush();
      },
    });
    if (callback !== undefined) sock.on("connect", callback);
    const finish = (code: number) => {
      if (!alive) return;
      alive = false;
      live.delete(entry);
      if (code === 0 && pending !== "" && !ending) code = -8;
      if (code !== 0 && code !== -1) sock.emit("error", { code, message: MESSAGES[code] ?? "error" });
      sock.emit("end");
      sock.emit("close", code !== 0 && code !== -1);
    };
    const entry = {
      flush() {
        if (!node || !connected || severed || stalled) return;
        if (pending !== "") {
          const buf = Buffer.from(pending, "latin1");
          pending = "";
          const n = node;
          n.write(buf, () => {
            if (alive && !ending && pending === "" && n.writableLength === 0) sock.emit("drain");
          });
        }
        if (ending) node.end(() => node?.destroy());
      },
      sever() {
        severed = true;
        node?.destroy();
      },
      restore() {
        if (!severed) return;
        finish(-9);
      },
      kill() {
        node?.destroy();
        alive = false;
      },
    };
    const fail = (code: number) => {
      live.add(entry);
      setTimeout(() => finish(code), 5);
      return sock;
    };
    const ip = host === "localhost" ? "127.0.0.1" : net.isIPv4(host) ? host : null;
    if (!ip) {
      if (blocking) throw new Error("Unable to locate host");
      return fail(-6);
    }
    if (!o.online()) {
      if (blocking) throw new Error("Unable to create socket");
      return fail(-4);
    }
    if (blocking && isListening(ip, port) === false) throw new Error("Unable to create socket");
    if (secure) {
      tlsOptions.push({ ...opt });
      for (const k of ["ca", "key", "cert"]) {
        const v = opt[k];
        if (v === undefined) continue;
        if (typeof v !== "string" || v.charCodeAt(0) !== 0x30) {
          if (blocking) throw new Error("Unable to create socket");
          return fail(-13);
        }
      }
    }
    live.add(entry);
    node = secure
      ? tls.connect({
          host: ip,
          port,
          servername: "",
          rejectUnauthorized: false,
          minVersion: "TLSv1.2",
          maxVersion: "TLSv1.2",
          ciphers: "AES128-GCM-SHA256:AES256-GCM-SHA384:AES128-SHA256:AES256-SHA256:AES128-SHA:AES256-SHA:DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384",
        })
      : net.connect({ host: ip, port });
    node.setNoDelay(true);
    node.on(secure ? "secureConnect" : "connect", () => {
      connected = true;
      const announce = () => {
        if (!alive) return;
        sock.emit("connect");
        if (pending === "") sock.emit("drain");
      };
      if (o.connectLate) setTimeout(announce, 20);
      else announce();
      entry.flush();
    });
    node.on("data", (buf: Buffer) => {
      if (!alive || ending || severed) return;
      const text = buf.toString("latin1");
      for (let at = 0; at < text.length; at += o.chunkSize) {
        const piece = text.substring(at, at + o.chunkSize);
        biggest = Math.max(biggest, piece.length);
        sock.emit("data", piece);
      }
    });
    node.on("error", (err: NodeJS.ErrnoException) => {
      if (!error) error = espruinoCode(err, o.mode);
    });
    node.on("close", () => {
      // Espruino drops the connection at once (writes throw from here on); its events follow, queued.
      if (!severed) finish(error || -1);
    });
    return sock;
  }

  return {
    net: { connect: (options: unknown, callback?: unknown) => connect(options, callback, false) },
    tls: o.tls ? { connect: (options: unknown, callback?: unknown) => connect(options, callback, true) } : null,
    open: () => live.size,
    stall(on) {
      stalled = on;
      if (!on) for (const e of [...live]) e.flush();
    },
    nonStringWrites: () => nonString,
    maxChunk: () => biggest,
    tlsOptions,
    linkDown() {
      for (const e of live) e.sever();
    },
    linkUp() {
      for (const e of [...live]) e.restore();
    },
    dispose() {
      for (const e of [...live]) e.kill();
      live.clear();
    },
  };
}
