/**
 * The sockets' part of the HAL contract (test/support/hal-contract.ts): a
 * plain TCP peer on 127.0.0.1 and a Debian mosquitto.
 */
import { strict as assert } from "node:assert";
import * as E from "../../base/errors";
import type { Socket } from "../../hal/types";
import { waitFor } from "../../scripts/support/live-client";
import { freePort } from "../../scripts/support/mosquitto";
import { createRandom } from "../../scripts/support/prng";
import { startTcpPeer } from "../../scripts/support/tcp-peer";
import { connectPacket, pattern, tick, type ContractContext } from "./hal-contract";

/** The socket half of the platform contract (hal-contract.ts), run inside its describe(). */
export function socketContract(ctx: ContractContext): void {
  describe("sockets", function () {
    it("connect, data both ways byte for byte (all 256 values), close(): the peer sees the end, the owner hears nothing more", async function () {
      const { log, s } = await ctx.connected(ctx.peer.port);
      const conn = await ctx.peer.next();
      const down = pattern(3000, 1);
      conn.send(down.subarray(0, 1000));
      conn.send(down.subarray(1000));
      await waitFor(() => log.bytes.length >= down.length, "3,000 bytes from the peer");
      assert.deepEqual(Buffer.from(log.bytes), Buffer.from(down));
      const up = pattern(700, 2);
      assert.equal(
        log.call(() => s.write(up, 0, 300)),
        0,
      );
      assert.equal(
        log.call(() => s.write(up, 300, 700)),
        0,
      );
      await waitFor(() => conn.received().length >= up.length, "700 bytes at the peer");
      assert.deepEqual(conn.received(), Buffer.from(up));
      log.close(s);
      log.close(s);
      await waitFor(() => conn.closed(), "the connection's end at the peer");
      await tick(100);
      assert.deepEqual(log.events, ["connect", "data"]);
    });

    it("64 KB sent in random pieces arrive whole whatever the chunks, and write() copies what it is given", async function () {
      const { log, s } = await ctx.connected(ctx.peer.port);
      const conn = await ctx.peer.next();
      const data = pattern(65536, 3);
      const rnd = createRandom(4);
      for (let at = 0; at < data.length;) {
        const n = 1 + Math.floor(rnd() * 3000);
        conn.send(data.subarray(at, at + n));
        at += n;
        if (rnd() < 0.3) await tick(1);
      }
      await waitFor(() => log.bytes.length >= data.length, "64 KB from the peer");
      assert.deepEqual(Buffer.from(log.bytes), Buffer.from(data));
      assert.ok(log.chunks.length > 1);
      const buf = pattern(200, 5);
      const copy = Buffer.from(buf);
      assert.equal(s.write(buf, 50, 150), 0);
      buf.fill(0);
      await waitFor(() => conn.received().length >= 100, "100 bytes at the peer");
      assert.deepEqual(conn.received(), copy.subarray(50, 150));
    });

    it("an 8-bit string is written as its bytes, one a character (whole, or from start to end)", async function () {
      const { log, s } = await ctx.connected(ctx.peer.port);
      const conn = await ctx.peer.next();
      const bytes = pattern(512, 6);
      let text = "";
      for (let i = 0; i < bytes.length; i++) text += String.fromCharCode(bytes[i]);
      assert.equal(
        log.call(() => s.write(text, 0, text.length)),
        0,
      );
      assert.equal(
        log.call(() => s.write(text, 100, 356)),
        0,
      );
      await waitFor(() => conn.received().length >= 768, "768 bytes at the peer");
      assert.deepEqual(conn.received(), Buffer.concat([Buffer.from(bytes), Buffer.from(bytes.subarray(100, 356))]));
    });

    it("a peer that speaks first: onConnect still comes before its data", async function () {
      const greeter = await startTcpPeer(new Uint8Array([0x47, 0x00, 0xff, 0x0a]));
      try {
        const { log } = ctx.open(greeter.port);
        await waitFor(() => log.bytes.length >= 4, "the greeting");
        assert.deepEqual(log.events, ["connect", "data"]);
        assert.deepEqual(log.bytes, [0x47, 0x00, 0xff, 0x0a]);
      } finally {
        await greeter.close();
      }
    });

    it("write after close() and after onClose returns E_SOCKET_CLOSED", async function () {
      const mine = await ctx.connected(ctx.peer.port);
      await ctx.peer.next();
      mine.log.close(mine.s);
      assert.equal(
        mine.log.call(() => mine.s.write(new Uint8Array([1, 2, 3]), 0, 3)),
        E.E_SOCKET_CLOSED,
      );
      const theirs = await ctx.connected(ctx.peer.port);
      (await ctx.peer.next()).end();
      await waitFor(() => theirs.log.closed(), "onClose");
      assert.equal(theirs.s.write(new Uint8Array([1, 2, 3]), 0, 3), E.E_SOCKET_CLOSED);
    });

    it("a full send queue refuses a whole write with E_SOCKET_QUEUE_FULL; the peer gets exactly the writes taken", async function () {
      const { log, s } = await ctx.connected(ctx.peer.port);
      const conn = await ctx.peer.next();
      const sent: Buffer[] = [];
      let refused = 0;
      for (let i = 0; i < 2000 && refused === 0; i++) {
        const piece = Buffer.from(pattern(500, 100 + i));
        const r = log.call(() => s.write(piece, 0, piece.length));
        if (r === 0) sent.push(piece);
        else {
          assert.equal(r, E.E_SOCKET_QUEUE_FULL);
          refused++;
        }
      }
      assert.equal(refused, 1, "no write was refused after " + sent.length + " writes of 500 bytes");
      // A queue that refuses data still takes an ack (4 bytes): the room kept for control packets.
      const ack = Buffer.from([0x40, 2, 0, 1]);
      assert.equal(
        log.call(() => s.write(ack, 0, 4)),
        0,
        "a 4-byte ack after the queue refused data",
      );
      sent.push(ack);
      const all = Buffer.concat(sent);
      await waitFor(() => conn.received().length >= all.length, all.length + " bytes at the peer");
      await tick(50);
      assert.deepEqual(conn.received(), all);
      // Once the queue has drained, writes are taken again.
      await tick(50);
      assert.equal(
        log.call(() => s.write(new Uint8Array([7]), 0, 1)),
        0,
      );
      await waitFor(() => conn.received().length === all.length + 1, "one more byte");
    });

    it("a refused connect gives E_SOCKET_RESET, and onClose once if a socket was returned", async function () {
      const port = await freePort();
      const { log, s } = ctx.open(port);
      if (ctx.rig.refusal === "sync") {
        assert.equal(s, E.E_SOCKET_RESET);
        await tick(100);
        assert.deepEqual(log.events, []);
      } else {
        assert.equal(typeof s, "object");
        await waitFor(() => log.closed(), "onClose");
        assert.deepEqual(log.events, ["error " + E.E_SOCKET_RESET, "close"]);
      }
    });

    it("the peer resets the connection: onError(E_SOCKET_RESET) where the platform tells, then onClose", async function () {
      const { log, s } = await ctx.connected(ctx.peer.port);
      const conn = await ctx.peer.next();
      conn.send(new Uint8Array([1, 2, 3]));
      await waitFor(() => log.bytes.length === 3, "3 bytes");
      conn.reset();
      await waitFor(() => log.closed(), "onClose");
      assert.deepEqual(log.events, ctx.rig.resetReported ? ["connect", "data", "error " + E.E_SOCKET_RESET, "close"] : ["connect", "data", "close"]);
      assert.equal(s.write(new Uint8Array([1]), 0, 1), E.E_SOCKET_CLOSED);
    });

    it("the peer closes: onClose without onError", async function () {
      const { log } = await ctx.connected(ctx.peer.port);
      (await ctx.peer.next()).end();
      await waitFor(() => log.closed(), "onClose");
      assert.deepEqual(log.events, ["connect", "close"]);
    });

    it("close() while connecting: no handler runs, inside the call or after", async function () {
      const { log, s } = ctx.open(ctx.peer.port);
      log.close(s as Socket);
      await waitFor(
        () => ctx.peer.connections.length > 0 && ctx.peer.connections[ctx.peer.connections.length - 1].closed(),
        "the connection's end at the peer",
      );
      await tick(100);
      assert.deepEqual(log.events, []);
    });

    it("a real mosquitto answers a CONNECT with CONNACK 0", async function () {
      const { log, s } = await ctx.connected(ctx.mosquittoPort());
      const packet = connectPacket("hal-contract-" + process.pid);
      assert.equal(
        log.call(() => s.write(packet, 0, packet.length)),
        0,
      );
      await waitFor(() => log.bytes.length >= 4, "CONNACK");
      assert.deepEqual(log.bytes, [0x20, 0x02, 0x00, 0x00]);
    });
  });
}
