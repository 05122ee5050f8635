/**
 * Seeded random and mutated frames through the decoders and the framer: no
 * exception, no read outside the packet, a code for every frame, a bounded
 * buffer. FABMQTT_FUZZ_FRAMES sets the count (100,000 by default),
 * FABMQTT_SEED replays a run; the seed is printed on failure.
 */
import { strict as assert } from "node:assert";
import { decodePacket } from "../../firmware/mqtt/decode";
import { createFramer, framerPush, framerReset } from "../../firmware/mqtt/framer";
import { createPacket } from "../../firmware/mqtt/packet";
import { guardedBytes } from "../../scripts/support/guarded";
import { createRandom, runSeed } from "../../scripts/support/prng";
import { checkDecode, makeFrame, pushInChunks } from "../../scripts/support/fuzz-frames";

const FRAMES = Number(process.env.FABMQTT_FUZZ_FRAMES || 100000);

describe(`codec fuzzing (${FRAMES} frames)`, () => {
  it("decodes random and mutated frames without throwing or reading outside them", function () {
    this.timeout(Math.max(60000, FRAMES));
    const seed = runSeed();
    const random = createRandom(seed);
    const p = createPacket();
    const counts = new Map<number, number>();
    let frame = 0;
    try {
      for (frame = 0; frame < FRAMES; frame++) {
        const bytes = makeFrame(random);
        // Place the frame inside a larger buffer so a read past its end would find bytes.
        const offset = Math.floor(random() * 4);
        const host = new Uint8Array(offset + bytes.length + 4).fill(0xff);
        host.set(bytes, offset);
        const code = decodePacket(p, guardedBytes(host, offset, offset + bytes.length), offset, bytes.length);
        checkDecode(p, code, offset, offset + bytes.length);
        counts.set(code, (counts.get(code) || 0) + 1);
      }
    } catch (e) {
      throw new Error(`fuzz failed at frame ${frame} with FABMQTT_SEED=${seed}: ${(e as Error).message}`);
    }
    // The frames must reach the decoders' success paths and many distinct errors.
    assert.ok((counts.get(0) || 0) > FRAMES / 100, `only ${counts.get(0)} frames decoded`);
    assert.ok(counts.size >= 10, `only ${counts.size} distinct results`);
  });

  it("frames mutated packets cut into random chunks without throwing or growing", function () {
    this.timeout(Math.max(60000, FRAMES));
    const seed = runSeed();
    const random = createRandom(seed);
    const p = createPacket();
    let delivered = 0;
    const framer = createFramer(256, {
      onPacket: (buf, start, length, total) => {
        if (length < total) {
          decodePacket(p, guardedBytes(buf, start, start + length), start, length);
          return;
        }
        delivered++;
        checkDecode(p, decodePacket(p, guardedBytes(buf, start, start + length), start, length), start, start + length);
      },
    });
    const buffer = framer.buf;
    let frame = 0;
    try {
      for (frame = 0; frame < FRAMES / 4; frame++) {
        // A frame whose length field was mutated swallows what follows, as on a real
        // stream; a new connection (reset) most of the time keeps frames meaningful.
        if (random() < 0.9) framerReset(framer);
        pushInChunks(framer, makeFrame(random), random);
        assert.equal(framer.buf, buffer);
      }
    } catch (e) {
      throw new Error(`fuzz failed at frame ${frame} with FABMQTT_SEED=${seed}: ${(e as Error).message}`);
    }
    assert.ok(delivered > FRAMES / 100, `only ${delivered} packets delivered`);
  });
});

describe("the out-of-range guard used by the fuzzer", () => {
  it("throws on a read past the range it was given", () => {
    const bytes = Uint8Array.from([0x40, 2, 0, 1]);
    assert.throws(() => decodePacket(createPacket(), guardedBytes(bytes, 0, 3), 0, 4), RangeError);
    assert.equal(decodePacket(createPacket(), guardedBytes(bytes, 0, 4), 0, 4), 0);
  });
});
