/**
 * A fake Espruino board console on 127.0.0.1 (a free port), for testing the
 * flashing path without a board: it answers like a board's telnet console
 * (echo, `=result`, the `>` prompt, 0x10 echo-off lines), evaluates what it
 * is sent (fake-espruino/runtime.ts), keeps the Storage files the espruino
 * CLI writes (fake-espruino/storage.ts), and records every byte received.
 *
 * What espruino 0.1.67 sends for `--storage name:file ... -e expr` (captured
 * from this console's input log): "\n" (it waits for "=undefined\r\n>"),
 * then "\x10print()\n", then per 384-byte chunk of each file
 * `\x10require("Storage").write("name",atob("<base64>"),<offset>[,<size>])\n`
 * (the size with the first chunk only), then "\x10" + expr + "\n\n". With
 * `--board` it asks nothing else; without, it first sends
 * `\x10print("<","<<",JSON.stringify(process.env),">>",">")\n`.
 */
import net from "node:net";
import vm from "node:vm";
import { LineEditor } from "./fake-espruino/line-editor";
import { createRuntime, espruinoText, type FakeChip } from "./fake-espruino/runtime";
import { FakeStorage } from "./fake-espruino/storage";

export interface FakeEspruinoOptions {
  chip?: FakeChip;
  /** Whether E.CRC32 exists (default true). */
  crc32?: boolean;
  /** Echo every line, even those sent with 0x10 (a console that shows what it gets). */
  echoAll?: boolean;
  /** Print a line every this many ms while connected, as a running program might (0: never). */
  chatterMs?: number;
  /** Flip one bit in the first Storage write at offset > 0 to this file (a link that corrupts). */
  corrupt?: string;
  /** Ignore all input (a board stuck in a loop; with chatterMs, one that only prints). */
  deaf?: boolean;
  /** Storage files the board already has. */
  files?: Record<string, string>;
}

export interface FakeEspruino {
  port: number;
  storage: FakeStorage;
  /** Every byte received, all connections, one character per byte. */
  input(): string;
  /** Every byte sent back. */
  output(): string;
  connections(): number;
  close(): Promise<void>;
}

const BANNER =
  "\r\n ____                 _ \r\n|  __|___ ___ ___ _ _|_|___ ___ \r\n|  __|_ -| . |  _| | | |   | . |\r\n|____|___|  _|_| |___|_|_|_|___|\r\n         |_| espruino.com\r\n 2v29 (c) 2025 G.Williams\r\n\r\n";

/** Starts the fake board. */
export function startFakeEspruino(options: FakeEspruinoOptions = {}): Promise<FakeEspruino> {
  const chip = options.chip || "esp8266";
  const storage = new FakeStorage(chip === "esp8266" ? 196608 : 917504);
  for (const [name, text] of Object.entries(options.files || {})) storage.write(name, Buffer.from(text, "latin1"));
  let received = "";
  let sent = "";
  let connections = 0;
  let corrupted = false;
  const sockets = new Set<net.Socket>();

  const server = net.createServer((socket) => {
    connections++;
    sockets.add(socket);
    let echo = true;
    const send = (text: string) => {
      sent += text;
      if (!socket.destroyed) socket.write(Buffer.from(text, "latin1"));
    };
    let printed = "";
    let context: vm.Context;
    const restart = (how: "reset" | "load") => {
      context = createRuntime(
        {
          chip,
          storage,
          crc32: options.crc32 !== false,
          onWrite: (name, data, offset) => {
            if (options.corrupt !== name || corrupted || !offset || data.length === 0) return data;
            corrupted = true;
            const bad = Buffer.from(data);
            bad[0] ^= 0x01;
            return bad;
          },
        },
        { print: (t) => (printed += t), restart, setEcho: (on) => (echo = on) },
      );
      if (how === "reset" || how === "load") printed += BANNER;
    };
    restart("load");
    printed = "";
    const editor = new LineEditor(
      {
        echo: (t) => send(t),
        interrupt: () => {
          if (echo) send("\r\n>");
        },
        execute: (code, echoOffLine) => {
          const shown = echo && (!echoOffLine || !!options.echoAll);
          if (shown) {
            if (options.echoAll && echoOffLine) send(code.replace(/\n/g, "\r\n:"));
            send("\r\n");
          }
          printed = "";
          let result: unknown;
          let error: unknown = null;
          try {
            result = code.trim() === "" ? undefined : vm.runInContext(code, context, { timeout: 2000 });
          } catch (e) {
            error = e;
          }
          let out = printed.replace(/\r?\n/g, "\r\n");
          if (error !== null) {
            const e = error as Error;
            const first = code.split("\n")[0];
            out +=
              "Uncaught " +
              (e && e.name ? e.name : "Error") +
              ": " +
              (e && e.message !== undefined ? e.message : String(e)) +
              "\r\n at line 1 col 1\r\n" +
              (first.length > 60 ? first.slice(0, 60) + "..." : first) +
              "\r\n^\r\n";
          }
          if (shown) out += "=" + espruinoText(result, true) + "\r\n";
          if (shown || out) out += ">";
          if (out) send(out);
        },
      },
      () => echo,
    );
    let chatter: NodeJS.Timeout | null = null;
    if (options.chatterMs) {
      let n = 0;
      chatter = setInterval(() => send("\r\nfabmqtt: telemetry " + n++ + "\r\n>"), options.chatterMs);
    }
    socket.on("data", (d) => {
      const text = d.toString("latin1");
      received += text;
      if (!options.deaf) editor.feed(text);
    });
    socket.on("error", () => undefined);
    socket.on("close", () => {
      if (chatter) clearInterval(chatter);
      sockets.delete(socket);
    });
  });

  return new Promise((resolve, reject) => {
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as net.AddressInfo).port;
      resolve({
        port,
        storage,
        input: () => received,
        output: () => sent,
        connections: () => connections,
        close: () =>
          new Promise<void>((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}
