/**
 * A plain TCP server on 127.0.0.1 (a free port) as the far end of a socket
 * under test: it keeps what each connection received and can send, end or
 * reset it.
 */
import net from "node:net";

export interface PeerConnection {
  socket: net.Socket;
  /** Everything received so far. */
  received(): Buffer;
  send(bytes: Uint8Array): void;
  /** Ends the connection gracefully (FIN). */
  end(): void;
  /** Resets the connection (RST). */
  reset(): void;
  closed(): boolean;
}

export interface TcpPeer {
  port: number;
  connections: PeerConnection[];
  /** The next connection (one that already came and was not taken yet, or the next to come). */
  next(ms?: number): Promise<PeerConnection>;
  close(): Promise<void>;
}

/** Starts a peer; `greeting` is sent on every new connection at once. */
export function startTcpPeer(greeting: Uint8Array | null = null): Promise<TcpPeer> {
  const connections: PeerConnection[] = [];
  let taken = 0;
  const waiting: ((c: PeerConnection) => void)[] = [];
  const server = net.createServer((socket) => {
    const parts: Buffer[] = [];
    let closed = false;
    socket.on("data", (d) => parts.push(d));
    socket.on("error", () => undefined);
    socket.on("close", () => {
      closed = true;
    });
    const c: PeerConnection = {
      socket,
      received: () => Buffer.concat(parts),
      send: (b) => {
        socket.write(Buffer.from(b));
      },
      end: () => socket.end(),
      reset: () => socket.resetAndDestroy(),
      closed: () => closed,
    };
    connections.push(c);
    if (greeting) socket.write(Buffer.from(greeting));
    const w = waiting.shift();
    if (w) {
      taken++;
      w(c);
    }
  });
  return new Promise((resolve, reject) => {
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      resolve({
        port: (server.address() as net.AddressInfo).port,
        connections,
        next(ms = 5000) {
          if (taken < connections.length) return Promise.resolve(connections[taken++]);
          return new Promise((res, rej) => {
            const t = setTimeout(() => rej(new Error("no connection came to the peer within " + ms + " ms")), ms);
            waiting.push((c) => {
              clearTimeout(t);
              res(c);
            });
          });
        },
        close() {
          for (const c of connections) c.socket.destroy();
          return new Promise((res) => server.close(() => res()));
        },
      });
    });
  });
}
