/** The framer turns a byte stream cut and glued anyhow into the same packets. */
import { strict as assert } from "node:assert";
import * as E from "../../base/errors";
import { decodeOversizedPublish } from "../../firmware/mqtt/decode";
import { createFramer, framerPush, framerReset, type Framer } from "../../firmware/mqtt/framer";
import { createPacket } from "../../firmware/mqtt/packet";
import { byteString, hex, str, u16 } from "../../scripts/support/bytes";
import { createRandom, runSeed } from "../../scripts/support/prng";
import { VECTORS } from "../../scripts/support/vectors";

interface Collected {
  framer: Framer;
  packets: string[];
  oversized: { kept: number; total: number; prefix: Uint8Array }[];
}

function collector(maxPacketSize: number): Collected {
  const c: Collected = { framer: undefined as unknown as Framer, packets: [], oversized: [] };
  c.framer = createFramer(maxPacketSize, {
    onPacket: (buf, start, length, total) => {
      if (length === total) c.packets.push(hex(buf.subarray(start, start + length)));
      else c.oversized.push({ kept: length, total, prefix: buf.slice(start, start + length) });
    },
  });
  return c;
}

function push(c: Collected, chunk: Uint8Array | string): void {
  assert.equal(framerPush(c.framer, chunk), 0);
}

const asText = (bytes: Uint8Array) => byteString(bytes);

describe("framer", () => {
  for (const form of ["Uint8Array", "8-bit String"] as const) {
    const chunkOf = (bytes: Uint8Array): Uint8Array | string => (form === "Uint8Array" ? bytes : asText(bytes));

    describe(`fed ${form} chunks`, () => {
      it("yields every vector split in two at every byte boundary", function () {
        this.timeout(120000);
        for (const v of VECTORS) {
          const bytes = Uint8Array.from(v.bytes);
          const text = asText(bytes);
          let got: Buffer[] = [];
          const f = createFramer(32768, {
            onPacket: (buf, start, length, total) => {
              assert.equal(length, total, "oversize");
              got.push(Buffer.from(buf.subarray(start, start + length)));
            },
          });
          for (let cut = 0; cut <= bytes.length; cut++) {
            got = [];
            framerReset(f);
            const parts = form === "Uint8Array" ? [bytes.subarray(0, cut), bytes.subarray(cut)] : [text.slice(0, cut), text.slice(cut)];
            for (const part of parts) assert.equal(framerPush(f, part), 0);
            assert.equal(got.length, 1, `${v.name}, cut at ${cut}`);
            assert.ok(got[0].equals(bytes), `${v.name}, cut at ${cut}`);
          }
        }
      });

      it("yields every vector fed one byte at a time", () => {
        for (const v of VECTORS) {
          const c = collector(32768);
          for (const b of v.bytes) push(c, chunkOf(Uint8Array.of(b)));
          assert.deepEqual(c.packets, [hex(v.bytes)], v.name);
        }
      });

      it("yields all vectors concatenated, in one chunk and in random chunks", () => {
        const all = Uint8Array.from(VECTORS.flatMap((v) => v.bytes));
        const expected = VECTORS.map((v) => hex(v.bytes));
        const whole = collector(32768);
        push(whole, chunkOf(all));
        assert.deepEqual(whole.packets, expected);
        const seed = runSeed();
        const random = createRandom(seed);
        for (let round = 0; round < 50; round++) {
          const c = collector(32768);
          let at = 0;
          while (at < all.length) {
            const size = 1 + Math.floor(random() * (random() < 0.5 ? 8 : 600));
            push(c, chunkOf(all.subarray(at, at + size)));
            at += size;
          }
          assert.deepEqual(c.packets, expected, `seed ${seed}, round ${round}`);
        }
      });

      it("skips an oversized PUBLISH, keeps its prefix, and frames the packets after it", () => {
        const payload = new Array(300).fill(0x5a);
        const big = [0x32, 0xb3, 0x02, ...str("t/x"), ...u16(42), ...payload]; // remaining length 307 = 5 + 2 + 300
        const ack = [0x40, 2, 0, 9];
        const stream = Uint8Array.from([...ack, ...big, ...ack]);
        for (let cut = 0; cut <= stream.length; cut++) {
          const c = collector(64);
          push(c, chunkOf(stream.subarray(0, cut)));
          push(c, chunkOf(stream.subarray(cut)));
          assert.deepEqual(c.packets, [hex(ack), hex(ack)], `cut at ${cut}`);
          assert.equal(c.oversized.length, 1);
          assert.equal(c.oversized[0].kept, 64);
          assert.equal(c.oversized[0].total, big.length);
          const p = createPacket();
          assert.equal(decodeOversizedPublish(p, c.oversized[0].prefix, 0, 64), E.E_PACKET_TOO_LARGE);
          assert.equal(p.packetId, 42);
          assert.equal(c.framer.buf.length, 64, "the buffer never grows");
        }
      });
    });
  }

  it("fails on a reserved packet type and stays failed until reset", () => {
    const c = collector(64);
    assert.equal(framerPush(c.framer, Uint8Array.of(0x40, 2, 0, 1, 0xf0, 0)), E.E_UNKNOWN_TYPE);
    assert.equal(c.packets.length, 1, "the packet before the bad byte is delivered");
    assert.equal(framerPush(c.framer, Uint8Array.of(0xd0, 0)), E.E_UNKNOWN_TYPE);
    framerReset(c.framer);
    push(c, Uint8Array.of(0xd0, 0));
    assert.deepEqual(c.packets, ["40 02 00 01", "d0 00"]);
    assert.equal(framerPush(c.framer, "\u0000"), E.E_UNKNOWN_TYPE);
  });

  it("fails on a remaining length over 4 bytes as soon as the 4th byte says more follow", () => {
    const c = collector(64);
    assert.equal(framerPush(c.framer, Uint8Array.of(0x30, 0xff, 0xff, 0xff, 0xff)), E.E_BAD_REMAINING_LENGTH);
    const d = collector(64);
    assert.equal(framerPush(d.framer, "\u0030\u00ff\u00ff\u00ff"), 0);
    assert.equal(framerPush(d.framer, "\u00ff"), E.E_BAD_REMAINING_LENGTH);
  });

  it("accepts a packet of exactly the maximum size and skips one a byte larger", () => {
    const exact = [0x30, 62, ...str("a"), ...new Array(59).fill(1)]; // 64 bytes in all
    const over = [0x30, 63, ...str("a"), ...new Array(60).fill(1)]; // 65 bytes
    const c = collector(64);
    push(c, Uint8Array.from([...exact, ...over, ...exact]));
    assert.equal(c.packets.length, 2);
    assert.deepEqual(
      c.oversized.map((o) => [o.kept, o.total]),
      [[64, 65]],
    );
  });

  it("stops feeding when a callback resets it, and starts clean", () => {
    let f: Framer;
    const seen: number[] = [];
    f = createFramer(64, {
      onPacket: (buf) => {
        seen.push(buf[0]);
        framerReset(f);
      },
    });
    assert.equal(framerPush(f, Uint8Array.of(0x40, 2, 0, 1, 0x50, 2, 0, 1)), 0);
    assert.deepEqual(seen, [0x40]);
    assert.equal(framerPush(f, Uint8Array.of(0xd0, 0)), 0);
    assert.deepEqual(seen, [0x40, 0xd0]);
  });
});
