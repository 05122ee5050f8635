/**
 * The fault-injecting proxy itself, between a plain TCP client and a plain TCP
 * server on 127.0.0.1: bytes arrive whole and in order through 1-byte, merged
 * and delayed writes; resets cut the stream at random points, mid-frame
 * included, and both sides see a reset; a black hole goes silent both ways
 * without closing; a seed replays the same decisions.
 */
import { strict as assert } from "node:assert";
import net from "node:net";
import { NO_FAULTS, startFaultProxy, type FaultPlan, type FaultProxy } from "../../scripts/support/fault-proxy";
import { createRandom } from "../../scripts/support/prng";
import { waitFor } from "../../scripts/support/live-client";

/** Packets framed as MQTT (type byte, remaining length, body) with random bodies of 0..`max` bytes. */
function framedPackets(count: number, max: number, seed: number): Buffer[] {
  const random = createRandom(seed);
  const out: Buffer[] = [];
  for (let k = 0; k < count; k++) {
    const len = Math.floor(random() * (max + 1));
    const head = [0x30];
    let x = len;
    do {
      let b = x % 128;
      x = Math.floor(x / 128);
      if (x > 0) b |= 0x80;
      head.push(b);
    } while (x > 0);
    const body = Buffer.alloc(len);
    for (let i = 0; i < len; i++) body[i] = Math.floor(random() * 256);
    out.push(Buffer.concat([Buffer.from(head), body]));
  }
  return out;
}

/** Packet boundaries (cumulative ends) of a list of packets. */
function boundaries(packets: Buffer[]): Set<number> {
  const set = new Set<number>([0]);
  let at = 0;
  for (const p of packets) set.add((at += p.length));
  return set;
}

interface Side {
  socket: net.Socket;
  chunks: Buffer[];
  error: string | null;
  closed: Promise<void>;
  bytes(): Buffer;
}

function watch(socket: net.Socket): Side {
  const side: Side = {
    socket,
    chunks: [],
    error: null,
    closed: new Promise((resolve) => socket.on("close", () => resolve())),
    bytes: () => Buffer.concat(side.chunks),
  };
  socket.on("data", (d: Buffer) => side.chunks.push(Buffer.from(d)));
  socket.on("error", (e: NodeJS.ErrnoException) => (side.error = e.code || e.message));
  return side;
}

/** A TCP server that records each accepted connection. */
async function startSink(): Promise<{ port: number; accepted: Side[]; next(): Promise<Side>; close(): Promise<void> }> {
  const accepted: Side[] = [];
  const waiting: ((s: Side) => void)[] = [];
  const server = net.createServer((socket) => {
    socket.setNoDelay(true);
    const side = watch(socket);
    accepted.push(side);
    const w = waiting.shift();
    if (w) w(side);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  let taken = 0;
  return {
    port: (server.address() as net.AddressInfo).port,
    accepted,
    next: () => (taken < accepted.length ? Promise.resolve(accepted[taken++]) : new Promise<Side>((r) => waiting.push((s) => (taken++, r(s))))),
    close: () => {
      for (const s of accepted) s.socket.destroy();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}

async function connectThrough(proxy: FaultProxy): Promise<Side> {
  const socket = net.connect({ host: "127.0.0.1", port: proxy.port });
  socket.setNoDelay(true);
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", () => resolve());
    socket.once("error", reject);
  });
  return watch(socket);
}

/** waitFor with this file's default of 5 s. */
function until(check: () => boolean, what: string, ms = 5000): Promise<void> {
  return waitFor(check, what, ms);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("fault-injecting proxy", function () {
  this.timeout(30000);
  let sink: Awaited<ReturnType<typeof startSink>>;
  let proxy: FaultProxy | null = null;

  beforeEach(async () => {
    sink = await startSink();
  });
  afterEach(async () => {
    if (proxy) await proxy.close();
    proxy = null;
    await sink.close();
  });

  it("forwards both ways unchanged with no faults", async () => {
    proxy = await startFaultProxy(sink.port, NO_FAULTS, 1);
    const client = await connectThrough(proxy);
    const server = await sink.next();
    const up = Buffer.concat(framedPackets(200, 300, 2));
    const down = Buffer.concat(framedPackets(200, 300, 3));
    client.socket.write(up);
    server.socket.write(down);
    await until(() => server.bytes().length === up.length && client.bytes().length === down.length, "all bytes");
    assert.ok(server.bytes().equals(up));
    assert.ok(client.bytes().equals(down));
    assert.equal(proxy.stats.packets, 400);
    assert.equal(proxy.stats.resets, 0);
  });

  it("passes a clean close on after the bytes written before it, also through delays", async () => {
    proxy = await startFaultProxy(sink.port, { ...NO_FAULTS, delay: 1, delayMs: 50 }, 5);
    const client = await connectThrough(proxy);
    const server = await sink.next();
    const data = Buffer.concat(framedPackets(50, 100, 8));
    client.socket.end(data);
    await Promise.race([server.closed, sleep(3000)]);
    assert.ok(server.bytes().equals(data), "bytes before the FIN were lost");
    assert.equal(server.error, null, "the close arrived as a reset");
  });

  it("keeps every byte in order through 1-byte, merged and delayed writes", async () => {
    const plan: FaultPlan = { ...NO_FAULTS, byteWrites: 0.3, merge: 0.3, mergeMs: 5, delay: 0.3, delayMs: 5 };
    proxy = await startFaultProxy(sink.port, plan, 7);
    const client = await connectThrough(proxy);
    const server = await sink.next();
    const upPackets = framedPackets(150, 40, 4);
    const downPackets = framedPackets(150, 40, 5);
    // One write per packet, spread over time, so the proxy sees many chunks.
    for (let k = 0; k < upPackets.length; k++) {
      client.socket.write(upPackets[k]);
      server.socket.write(downPackets[k]);
      if (k % 10 === 0) await sleep(1);
    }
    const up = Buffer.concat(upPackets);
    const down = Buffer.concat(downPackets);
    await until(() => server.bytes().length === up.length && client.bytes().length === down.length, "all bytes", 15000);
    assert.ok(server.bytes().equals(up), "client -> server bytes differ");
    assert.ok(client.bytes().equals(down), "server -> client bytes differ");
    const s = proxy.stats;
    assert.ok(s.byteWrites > 0 && s.merges > 0 && s.delays > 0, JSON.stringify(s));
    // The receivers saw single bytes and chunks larger than any one write.
    const sizes = [...client.chunks, ...server.chunks].map((c) => c.length);
    assert.ok(sizes.filter((n) => n === 1).length > 20, "few 1-byte reads");
    const largest = Math.max(...upPackets.map((p) => p.length), ...downPackets.map((p) => p.length));
    assert.ok(Math.max(...sizes) > largest, "no merged read");
  });

  it("resets at random points, mid-frame included: both sides see a reset, the bytes before it arrive intact", async () => {
    proxy = await startFaultProxy(sink.port, { ...NO_FAULTS, resetPerPacket: 0.05 }, 11);
    const packets = framedPackets(400, 60, 6);
    const stream = Buffer.concat(packets);
    const ends = boundaries(packets);
    let midFrame = 0;
    for (let round = 0; round < 12; round++) {
      const client = await connectThrough(proxy);
      const server = await sink.next();
      for (const p of packets) {
        if (client.socket.destroyed) break;
        client.socket.write(p);
        await new Promise((r) => setImmediate(r));
      }
      await Promise.race([Promise.all([client.closed, server.closed]), sleep(3000)]);
      assert.ok(client.socket.destroyed && server.socket.destroyed, `round ${round}: connection not reset`);
      assert.equal(client.error, "ECONNRESET", `round ${round}: client saw ${client.error}`);
      const got = server.bytes();
      assert.ok(got.length < stream.length, `round ${round}: everything arrived`);
      assert.ok(got.equals(stream.subarray(0, got.length)), `round ${round}: the prefix differs`);
      if (!ends.has(got.length)) midFrame++;
    }
    assert.ok(midFrame > 0, "no reset fell inside a packet");
    assert.ok(proxy.stats.resetsMidFrame > 0);
    assert.equal(proxy.stats.resets, 12);
  });

  it("turns open connections into a black hole: silent both ways, not closed; new connections work", async () => {
    proxy = await startFaultProxy(sink.port, NO_FAULTS, 3);
    const client = await connectThrough(proxy);
    const server = await sink.next();
    client.socket.write("before");
    await until(() => server.bytes().toString() === "before", "the first bytes");
    assert.equal(proxy.blackHoleOpen(), 1);
    client.socket.write("lost-up");
    server.socket.write("lost-down");
    await sleep(300);
    assert.equal(server.bytes().toString(), "before");
    assert.equal(client.chunks.length, 0);
    assert.ok(!client.socket.destroyed, "the client's side was closed");
    // Even the server going away is not passed on: the client's side stays half-open.
    server.socket.destroy();
    await sleep(200);
    assert.ok(!client.socket.destroyed && client.error === null);
    const again = await connectThrough(proxy);
    const server2 = await sink.next();
    again.socket.write("after");
    await until(() => server2.bytes().toString() === "after", "bytes on a new connection");
    client.socket.destroy();
  });

  it("makes the same decisions from the same seed", async () => {
    const cutsFor = async (seed: number) => {
      const p = await startFaultProxy(sink.port, { ...NO_FAULTS, resetPerPacket: 0.05 }, seed);
      const packets = framedPackets(300, 30, 9);
      const cuts: number[] = [];
      for (let round = 0; round < 3; round++) {
        const client = await connectThrough(p);
        const server = await sink.next();
        // One packet per chunk: the decisions then depend on the packets only.
        for (const pk of packets) {
          if (client.socket.destroyed) break;
          client.socket.write(pk);
          await sleep(1);
        }
        await Promise.race([server.closed, sleep(3000)]);
        cuts.push(server.bytes().length);
      }
      await p.close();
      return cuts;
    };
    const a = await cutsFor(42);
    const b = await cutsFor(42);
    const c = await cutsFor(43);
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
  });
});
