/**
 * aedes 1.x (the npm dependency) in this process for `npm run interop`: a TCP
 * server on a free port of 127.0.0.1, one user checked by the authenticate
 * hook, in-memory persistence (a restart forgets sessions and retained
 * messages, as an aedes without a persistence module does).
 */
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { Aedes } from "aedes";
import { listen } from "../simulator/embedded-broker";
import { INTEROP_PASSWORD, INTEROP_USER, type BrokerLauncher, type InteropBroker } from "./broker";
import { createRequire } from "node:module";

interface Running {
  aedes: Aedes;
  server: net.Server;
  sockets: Set<net.Socket>;
}

/** aedes on 127.0.0.1:`port` (0: a free one) with the interop user; rejects when the port cannot be had. */
async function open(port: number): Promise<Running & { port: number }> {
  const aedes = await Aedes.createBroker();
  aedes.authenticate = (_client, username, password, done) => {
    const ok = username === INTEROP_USER && password !== undefined && password.toString("utf8") === INTEROP_PASSWORD;
    if (ok) return done(null, true);
    // Documented by aedes: returnCode chooses the CONNACK code (5 when absent).
    const err = Object.assign(new Error("bad user name or password"), { returnCode: 4 as const });
    done(err, false);
  };
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    aedes.handle(socket);
  });
  const bound = await listen(server, port);
  return { aedes, server, sockets, port: bound };
}

function close(r: Running): Promise<void> {
  return new Promise((resolve) => {
    // aedes.close() ends its clients; sockets still opening are destroyed so that server.close() returns.
    r.aedes.close(() => {
      for (const s of r.sockets) s.destroy();
      r.server.close(() => resolve());
    });
  });
}

export const aedesLauncher: BrokerLauncher = {
  name: "aedes",
  packages: "",
  missing: () => null,
  version() {
    try {
      const file = path.join(path.dirname(createRequire(import.meta.url).resolve("aedes")), "package.json");
      return JSON.parse(fs.readFileSync(file, "utf8")).version as string;
    } catch {
      return "?";
    }
  },
  async start(): Promise<InteropBroker> {
    let running = await open(0);
    const port = running.port;
    let closed = false;
    return {
      port,
      username: INTEROP_USER,
      password: INTEROP_PASSWORD,
      async restart() {
        await close(running);
        running = await open(port);
      },
      async stop() {
        if (closed) return;
        closed = true;
        await close(running);
      },
      pids: () => [],
      logTail: () => "",
    };
  },
  deviations: {},
};
