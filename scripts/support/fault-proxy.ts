/**
 * A fault-injecting TCP proxy on 127.0.0.1, between a client and a real
 * broker, that does to the byte stream what a FabLab's WiFi does:
 *
 * - resets: each MQTT packet crossing the proxy (either way) is, with
 *   probability `resetPerPacket`, the one where the connection dies: a random
 *   prefix of it (often mid-frame, sometimes nothing) still goes through, then
 *   nothing more in that direction, and `resetGraceMs` later both sides get a
 *   TCP RST. Until then the other direction still flows, so what the peer
 *   answered to the prefix can arrive, as on a link that dies at a moment in
 *   time rather than at a packet;
 * - 1-byte writes: a share of the chunks go out one byte per write;
 * - merged writes: a share of the chunks are held and sent as one write with
 *   what follows them within `mergeMs`;
 * - delays: a share of the chunks wait up to `delayMs` (order is kept);
 * - a black hole: blackHoleOpen() makes the connections open at that moment
 *   drop everything both ways without closing (a half-open connection, as when
 *   the access point vanishes); connections made afterwards are healthy.
 *
 * The proxy frames the stream itself (fixed header and remaining length only:
 * an independent count, not the project's framer). Decisions come from a
 * seeded generator per connection and direction, so a seed replays the same
 * decisions for the same packet sequence; the network's own timing still
 * varies from run to run.
 */
import net from "node:net";
import { createRandom } from "./prng";

export interface FaultPlan {
  /** Probability that a given packet is the one cut by a reset (0 = never). */
  resetPerPacket: number;
  /** Share of chunks written one byte per write. */
  byteWrites: number;
  /** Share of chunks held and merged with what follows within mergeMs. */
  merge: number;
  mergeMs: number;
  /** Share of chunks delayed by up to delayMs. */
  delay: number;
  delayMs: number;
  /** Time from the end of a reset's cut prefix to the RST, ms (default 2). */
  resetGraceMs?: number;
}

/** No faults: a plain forwarder. */
export const NO_FAULTS: FaultPlan = { resetPerPacket: 0, byteWrites: 0, merge: 0, mergeMs: 0, delay: 0, delayMs: 0 };

export interface FaultStats {
  connections: number;
  /** Packets seen, both directions. */
  packets: number;
  bytes: number;
  resets: number;
  /** Resets whose cut fell strictly inside a packet. */
  resetsMidFrame: number;
  byteWrites: number;
  merges: number;
  delays: number;
  blackHoled: number;
  /** Connections whose upstream (the broker) could not be reached or went away. */
  upstreamFailures: number;
}

export interface FaultProxy {
  /** The port clients connect to. */
  readonly port: number;
  readonly seed: number;
  /** The plan in force; may be replaced at any time (applies to the next decisions). */
  plan: FaultPlan;
  readonly stats: FaultStats;
  /** Turns the connections open now into black holes; returns how many. */
  blackHoleOpen(): number;
  /** Resets every open connection at once; returns how many. */
  resetAll(): number;
  /** Connections open now (black holes included). */
  openConnections(): number;
  /** Stops listening and destroys every connection. */
  close(): Promise<void>;
}

const UP = 0; // client -> broker
const DOWN = 1; // broker -> client

/** Where MQTT packets end in a stream: fixed header byte, remaining length, body. */
interface PacketScanner {
  phase: number; // 0 type byte, 1 length bytes, 2 body
  remaining: number;
  multiplier: number;
  lengthBytes: number;
  /** Offset in the stream where the current packet started. */
  packetStart: number;
  /** Bytes seen so far in this direction. */
  offset: number;
}

/**
 * The packets completed by `chunk`, as stream offsets: starts[k] (where the
 * packet began, maybe in an earlier chunk) and ends[k] (exclusive).
 */
function scanPackets(s: PacketScanner, chunk: Buffer, starts: number[], ends: number[]): void {
  starts.length = 0;
  ends.length = 0;
  let i = 0;
  while (i < chunk.length) {
    if (s.phase === 0) {
      s.packetStart = s.offset + i;
      s.phase = 1;
      s.remaining = 0;
      s.multiplier = 1;
      s.lengthBytes = 0;
      i++;
    } else if (s.phase === 1) {
      const b = chunk[i++];
      s.remaining += (b & 0x7f) * s.multiplier;
      s.multiplier *= 128;
      s.lengthBytes++;
      if ((b & 0x80) === 0 || s.lengthBytes === 4) {
        s.phase = 2;
        if (s.remaining === 0) {
          s.phase = 0;
          starts.push(s.packetStart);
          ends.push(s.offset + i);
        }
      }
    } else {
      const take = Math.min(s.remaining, chunk.length - i);
      i += take;
      s.remaining -= take;
      if (s.remaining === 0) {
        s.phase = 0;
        starts.push(s.packetStart);
        ends.push(s.offset + i);
      }
    }
  }
  s.offset += chunk.length;
}

/** A chunk waiting in the proxy: sent at `at` (ms, performance.now()), or a reset when data is null. */
interface Item {
  data: Buffer | null;
  at: number;
  bytewise: boolean;
}

interface Direction {
  /** Per packet: reset or not, and where (so a seed gives the same cuts for the same packets). */
  resetRandom: () => number;
  /** Per chunk: how it is written. */
  writeRandom: () => number;
  scanner: PacketScanner;
  queue: Item[];
  /** Release time of the last queued item: order is kept, a held chunk holds those behind it. */
  lastAt: number;
  busy: boolean;
  /** The sending side closed cleanly (FIN): the other side gets FIN once the queue is sent. */
  ended: boolean;
  to: net.Socket;
}

interface Conn {
  client: net.Socket;
  upstream: net.Socket;
  dirs: Direction[];
  blackHole: boolean;
  dead: boolean;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function nextTurn(): Promise<void> {
  return new Promise((r) => setImmediate(r));
}

/** Writes `data`; resolves once the socket took it (after 'drain' when its buffer is full). */
function writeAll(sock: net.Socket, data: Buffer): Promise<void> {
  if (sock.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    if (sock.write(data)) resolve();
    else {
      const done = () => {
        sock.off("drain", done);
        sock.off("close", done);
        resolve();
      };
      sock.on("drain", done);
      sock.on("close", done);
    }
  });
}

/**
 * Starts a proxy on 127.0.0.1 (a free port) forwarding to 127.0.0.1:`targetPort`
 * with faults as `plan` says, decisions seeded by `seed`. Rejects when it
 * cannot listen.
 */
export function startFaultProxy(targetPort: number, plan: FaultPlan, seed: number): Promise<FaultProxy> {
  const conns = new Set<Conn>();
  const stats: FaultStats = {
    connections: 0,
    packets: 0,
    bytes: 0,
    resets: 0,
    resetsMidFrame: 0,
    byteWrites: 0,
    merges: 0,
    delays: 0,
    blackHoled: 0,
    upstreamFailures: 0,
  };
  let connectionIndex = 0;
  const starts: number[] = [];
  const ends: number[] = [];

  const proxy: FaultProxy = {
    port: 0,
    seed,
    plan,
    stats,
    blackHoleOpen() {
      let n = 0;
      for (const c of conns) {
        if (c.dead || c.blackHole) continue;
        c.blackHole = true;
        for (const d of c.dirs) d.queue.length = 0;
        n++;
      }
      stats.blackHoled += n;
      return n;
    },
    resetAll() {
      let n = 0;
      for (const c of conns) {
        if (c.dead) continue;
        kill(c);
        n++;
      }
      return n;
    },
    openConnections: () => conns.size,
    close() {
      for (const c of conns) kill(c);
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };

  /** Both sockets get a TCP RST. */
  function kill(c: Conn): void {
    if (c.dead) return;
    c.dead = true;
    for (const d of c.dirs) d.queue.length = 0;
    for (const s of [c.client, c.upstream]) if (!s.destroyed) s.resetAndDestroy();
    conns.delete(c);
  }

  /**
   * Sends the queue of one direction in order, each item at its release time;
   * items due together leave in one write (so a held chunk and those that
   * queued behind it arrive merged), 1-byte items one byte per write.
   */
  async function pump(c: Conn, d: Direction): Promise<void> {
    if (d.busy) return;
    d.busy = true;
    try {
      while (d.queue.length > 0 && !c.dead && !c.blackHole) {
        const wait = d.queue[0].at - performance.now();
        if (wait > 0) {
          await sleep(wait);
          continue;
        }
        const head = d.queue.shift()!;
        if (head.data === null) {
          // Let the cut prefix reach the peer, and its answers come back, before the RST.
          await sleep(proxy.plan.resetGraceMs ?? 2);
          kill(c);
          return;
        }
        if (head.bytewise) {
          for (let i = 0; i < head.data.length && !c.dead && !c.blackHole; i++) {
            await writeAll(d.to, head.data.subarray(i, i + 1));
            await nextTurn();
          }
          continue;
        }
        const parts: Buffer[] = [head.data];
        const now = performance.now();
        while (d.queue.length > 0 && d.queue[0].data !== null && !d.queue[0].bytewise && d.queue[0].at <= now) parts.push(d.queue.shift()!.data!);
        await writeAll(d.to, parts.length === 1 ? parts[0] : Buffer.concat(parts));
      }
    } finally {
      d.busy = false;
    }
    if (d.ended && d.queue.length === 0 && !c.dead && !c.blackHole) d.to.end();
  }

  /** One side sent FIN: so does the proxy to the other side, after what is queued for it. */
  function finish(c: Conn, dirIndex: number): void {
    if (c.dead || c.blackHole) return;
    const d = c.dirs[dirIndex];
    d.ended = true;
    if (!d.busy && d.queue.length === 0) d.to.end();
  }

  /** Queues a chunk (or a reset, data null) with the write fault the plan draws for it. */
  function enqueue(d: Direction, data: Buffer | null): void {
    const p = proxy.plan;
    const now = performance.now();
    let at = now;
    let bytewise = false;
    if (data !== null) {
      const roll = d.writeRandom();
      if (roll < p.merge) {
        stats.merges++;
        at = now + p.mergeMs;
      } else if (roll < p.merge + p.delay) {
        stats.delays++;
        at = now + d.writeRandom() * p.delayMs;
      } else if (roll < p.merge + p.delay + p.byteWrites) {
        stats.byteWrites++;
        bytewise = true;
      }
    }
    at = Math.max(at, d.lastAt);
    d.lastAt = at;
    d.queue.push({ data, at, bytewise });
  }

  /** Takes a chunk read from one side: counts packets, maybe cuts it for a reset, queues it. */
  function onChunk(c: Conn, dirIndex: number, chunk: Buffer): void {
    if (c.dead || c.blackHole) return;
    const d = c.dirs[dirIndex];
    const chunkStart = d.scanner.offset;
    scanPackets(d.scanner, chunk, starts, ends);
    stats.bytes += chunk.length;
    let cutAt = -1;
    for (let k = 0; k < ends.length; k++) {
      stats.packets++;
      if (proxy.plan.resetPerPacket > 0 && d.resetRandom() < proxy.plan.resetPerPacket) {
        // Anywhere in the packet; bytes already forwarded in an earlier chunk cannot be taken back.
        cutAt = Math.max(chunkStart, starts[k] + Math.floor(d.resetRandom() * (ends[k] - starts[k])));
        stats.resets++;
        if (cutAt > starts[k]) stats.resetsMidFrame++;
        break;
      }
    }
    if (cutAt < 0) enqueue(d, chunk);
    else {
      if (cutAt > chunkStart) enqueue(d, chunk.subarray(0, cutAt - chunkStart));
      enqueue(d, null);
      // Nothing more in this direction; the other one flows until the RST.
      (dirIndex === UP ? c.client : c.upstream).pause();
    }
    void pump(c, d);
  }

  const server = net.createServer((client) => {
    const index = connectionIndex++;
    stats.connections++;
    client.setNoDelay(true);
    const upstream = net.connect({ host: "127.0.0.1", port: targetPort });
    upstream.setNoDelay(true);
    const dir = (k: number, to: net.Socket): Direction => ({
      resetRandom: createRandom((seed ^ Math.imul(index + 1, 0x9e3779b1) ^ Math.imul(k + 1, 0x85ebca6b)) >>> 0),
      writeRandom: createRandom((seed ^ Math.imul(index + 1, 0xc2b2ae35) ^ Math.imul(k + 1, 0x27d4eb2f)) >>> 0),
      scanner: { phase: 0, remaining: 0, multiplier: 1, lengthBytes: 0, packetStart: 0, offset: 0 },
      queue: [],
      lastAt: 0,
      busy: false,
      ended: false,
      to,
    });
    const c: Conn = { client, upstream, dirs: [dir(UP, upstream), dir(DOWN, client)], blackHole: false, dead: false };
    conns.add(c);
    client.on("data", (chunk: Buffer) => onChunk(c, UP, chunk));
    upstream.on("data", (chunk: Buffer) => onChunk(c, DOWN, chunk));
    // A clean close (FIN) is passed on after the data before it; a reset is
    // passed on as a reset. A black hole passes on nothing.
    client.on("end", () => finish(c, UP));
    upstream.on("end", () => finish(c, DOWN));
    client.on("error", () => undefined);
    upstream.on("error", () => {
      if (!c.blackHole) stats.upstreamFailures++;
    });
    let closed = 0;
    const onClose = (hadError: boolean, side: net.Socket) => {
      if (c.dead) return;
      // The client went: nothing is left to keep for a black hole either.
      if (c.blackHole && side === upstream) return;
      if (hadError || c.blackHole) return kill(c);
      if (++closed === 2) {
        c.dead = true;
        conns.delete(c);
      } else {
        // The other side has a moment to finish cleanly, then goes.
        const other = side === client ? upstream : client;
        setTimeout(() => {
          if (!other.destroyed) other.destroy();
        }, 2000).unref();
      }
    };
    client.on("close", (hadError) => onClose(hadError, client));
    upstream.on("close", (hadError) => onClose(hadError, upstream));
  });

  return new Promise((resolve, reject) => {
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      (proxy as { port: number }).port = (server.address() as net.AddressInfo).port;
      resolve(proxy);
    });
  });
}
