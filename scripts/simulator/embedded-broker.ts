import net from "node:net";
import { Aedes } from "aedes";

/** An in-process aedes broker on 127.0.0.1. */
export interface EmbeddedBroker {
  port: number;
  /** The port asked for was taken: `port` is another, free one. */
  portTaken: boolean;
  close(): Promise<void>;
}

/** Listens on 127.0.0.1:`port` (0: any free port); resolves with the port, rejects with the listen error. */
export function listen(server: net.Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", reject);
      resolve((server.address() as net.AddressInfo).port);
    });
  });
}

/**
 * Starts aedes on 127.0.0.1:`port` (1883 by default); when that port is
 * taken (a mosquitto already running, say) it takes a free one. Rejects only
 * when no port can be had.
 */
export async function startEmbeddedBroker(port = 1883): Promise<EmbeddedBroker> {
  const aedes = await Aedes.createBroker();
  const server = net.createServer(aedes.handle);
  let bound: number;
  let taken = false;
  try {
    bound = await listen(server, port);
  } catch {
    taken = true;
    bound = await listen(server, 0);
  }
  return {
    port: bound,
    portTaken: taken,
    close: () =>
      new Promise<void>((resolve) => {
        // aedes.close() ends the connected clients, which would otherwise hold server.close().
        aedes.close(() => server.close(() => resolve()));
      }),
  };
}
