/**
 * `npm run fuzz` at a smaller count: random and mutated frames through the
 * decoders, the framer and a client over a fake net, with no exception, no
 * hang and a flat heap. FABMQTT_FUZZ_RUN_FRAMES sets the count (20,000 by
 * default), FABMQTT_SEED replays a run.
 */
import { strict as assert } from "node:assert";
import { runFuzz, HEAP_GROWTH_LIMIT } from "../../scripts/fuzz/run";
import { runSeed } from "../../scripts/support/prng";

const FRAMES = Number(process.env.FABMQTT_FUZZ_RUN_FRAMES || 20000);

describe(`npm run fuzz, ${FRAMES} frames`, () => {
  it("throws nowhere, never hangs, keeps the heap flat, and reaches the client's paths", function () {
    this.timeout(60000 + FRAMES);
    const seed = runSeed();
    const r = runFuzz({ frames: FRAMES, seed, hangMs: 200, progressEvery: 0 }, () => undefined);
    const where = `FABMQTT_SEED=${seed} (npm run fuzz -- --seed ${seed} --frames ${FRAMES})`;
    console.log(
      `      ${Math.round(r.framesPerSecond)} frames/s, heap ${(r.heapBefore / 1048576).toFixed(2)} -> ${(r.heapAfter / 1048576).toFixed(2)} MB, ${r.client.connections} client connections`,
    );
    assert.deepEqual(r.exceptions, { decode: 0, framer: 0, client: 0 }, `exceptions with ${where}: ${JSON.stringify(r.failures)}`);
    assert.equal(r.hangs, 0, `frames over 200 ms with ${where}`);
    assert.ok(r.heapAfter - r.heapBefore < HEAP_GROWTH_LIMIT, `heap grew ${r.heapAfter - r.heapBefore} bytes with ${where}`);
    // The frames reach the decoders' success paths and many distinct errors, and the client's delivery and failure paths.
    assert.ok((r.decodeCodes["0"] || 0) > FRAMES / 100, `only ${r.decodeCodes["0"]} frames decoded`);
    assert.ok(Object.keys(r.decodeCodes).length >= 10, `only ${Object.keys(r.decodeCodes).length} distinct decoder results`);
    assert.ok(r.client.connections > FRAMES / 2, `the client reconnected only ${r.client.connections} times`);
    assert.ok(r.client.delivered > 0, "no fuzzed PUBLISH reached the client's handler");
    assert.ok(Object.keys(r.client.disconnectCodes).length >= 8, `only ${Object.keys(r.client.disconnectCodes).length} distinct disconnect codes`);
  });
});
