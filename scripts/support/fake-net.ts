/**
 * An in-memory Net whose far end the test plays: the broker side reads what
 * the client sent (parsed by mqtt-packet, an independent codec) and answers
 * with packets or raw bytes, through fault injection: split into chunks, merged
 * into one chunk, held back (delay), dropped (black hole), or reset mid-frame.
 * Events reach the client only in flush(), never inside the client's own call,
 * as the HAL contract says.
 */
import mqtt from "mqtt-packet";
import { E_SOCKET_CLOSED, E_SOCKET_QUEUE_FULL, E_SOCKET_RESET } from "../../base/errors";
import { writtenBytes } from "../../hal/node/net";
import type { Net, NetTarget, Socket, SocketHandlers } from "../../hal/types";

export type ParsedPacket = Record<string, any> & { cmd: string };

export class FakeConnection {
  readonly received: ParsedPacket[] = [];
  readonly rawReceived: number[] = [];
  closedByClient = false;
  closed = false;
  /** Drop everything both ways (a half-open connection). */
  blackHole = false;
  /** Chunk sizes for what the broker sends; undefined = one chunk per send. */
  split: number[] | undefined;
  private held: Uint8Array[] = [];
  private holding = false;
  private parser = mqtt.parser({ protocolVersion: 4 });

  constructor(
    readonly net: FakeNet,
    readonly target: NetTarget,
    readonly handlers: SocketHandlers,
  ) {
    this.parser.on("packet", (p: any) => this.received.push(p as ParsedPacket));
    this.parser.on("error", (e: Error) => this.received.push({ cmd: "parse-error", message: e.message }));
  }

  /** Completes the TCP connect. */
  accept(): void {
    this.net.queue(() => !this.closedByClient && !this.closed && this.handlers.onConnect());
  }

  /** Sends raw bytes to the client (split per `split`, held while holding). */
  sendBytes(bytes: Uint8Array | number[]): void {
    if (this.closed || this.blackHole) return;
    const data = Uint8Array.from(bytes as ArrayLike<number>);
    if (this.holding) {
      this.held.push(data);
      return;
    }
    const sizes = this.split;
    let at = 0;
    let k = 0;
    while (at < data.length) {
      const size = sizes && sizes.length ? sizes[k++ % sizes.length] : data.length;
      const chunk = data.slice(at, at + size);
      at += size;
      this.net.queue(() => !this.closed && this.handlers.onData(chunk));
    }
  }

  /** Sends one packet, given as mqtt-packet's object. */
  send(packet: Record<string, unknown>): void {
    this.sendBytes(new Uint8Array(mqtt.generate(packet as any)));
  }

  /** Holds what the broker sends until release(), which sends it merged as one chunk. */
  hold(): void {
    this.holding = true;
  }
  release(): void {
    this.holding = false;
    const total = this.held.reduce((n, c) => n + c.length, 0);
    const merged = new Uint8Array(total);
    let at = 0;
    for (const c of this.held) {
      merged.set(c, at);
      at += c.length;
    }
    this.held = [];
    if (total) this.sendBytes(merged);
  }

  /** The connection breaks: error, then close. */
  reset(): void {
    if (this.closed) return;
    this.closed = true;
    this.net.queue(() => {
      if (this.closedByClient) return;
      this.handlers.onError(E_SOCKET_RESET);
      this.handlers.onClose();
    });
  }

  /** The broker closes cleanly. */
  end(): void {
    if (this.closed) return;
    this.closed = true;
    this.net.queue(() => !this.closedByClient && this.handlers.onClose());
  }

  /** What the client sent, parsed, from index `from`; by command. */
  packets(cmd: string, from = 0): ParsedPacket[] {
    return this.received.slice(from).filter((p) => p.cmd === cmd);
  }

  socket(): Socket {
    return {
      write: (data, start, end) => {
        if (this.closed || this.closedByClient) return E_SOCKET_CLOSED;
        const copy = writtenBytes(data, start, end);
        if (this.net.writeLimit !== null && copy.length > this.net.writeLimit) return -305;
        const bound = this.net.sendQueueBytes;
        if (bound !== null) {
          if (this.net.queuedBytes >= bound) return E_SOCKET_QUEUE_FULL;
          this.net.queuedBytes += copy.length;
        }
        if (!this.blackHole) {
          for (const b of copy) this.rawReceived.push(b);
          this.parser.parse(copy);
        }
        return 0;
      },
      close: () => {
        // The contract: nothing reaches the client after its own close().
        this.closedByClient = true;
        this.closed = true;
      },
    };
  }
}

export class FakeNet implements Net {
  readonly connections: FakeConnection[] = [];
  /** When set, connect() fails at once with this code. */
  refuseWith: number | null = null;
  /** When set, write() of more bytes than this answers E_SOCKET_QUEUE_FULL. */
  writeLimit: number | null = null;
  /**
   * When set, a send queue like Espruino's (hal/espruino/net.ts): once this
   * many bytes were written since the network last took them, write() answers
   * E_SOCKET_QUEUE_FULL and takes nothing. The network takes them (the
   * queue's `drain`) before each event it delivers.
   */
  sendQueueBytes: number | null = null;
  /** Bytes written since the last drain. */
  queuedBytes = 0;
  /** Called for each new connection (e.g. to accept it and play a broker). */
  onConnection: ((c: FakeConnection) => void) | null = null;
  private events: (() => unknown)[] = [];

  connect(target: NetTarget, handlers: SocketHandlers): Socket | number {
    if (this.refuseWith !== null) return this.refuseWith;
    const c = new FakeConnection(this, target, handlers);
    this.connections.push(c);
    if (this.onConnection) this.onConnection(c);
    return c.socket();
  }

  queue(event: () => unknown): void {
    this.events.push(event);
  }

  /** Runs queued events (and those they queue) until none is left. */
  flush(): void {
    for (let guard = 0; this.events.length > 0; guard++) {
      if (guard > 100000) throw new Error("FakeNet.flush: events keep coming");
      const e = this.events.shift()!;
      this.queuedBytes = 0;
      e();
    }
  }

  get last(): FakeConnection {
    return this.connections[this.connections.length - 1];
  }
}
