/**
 * The device's telemetry schedule and its answers to what it refuses, on the
 * Node HAL with a manual clock (test/support/device-rig.ts): readings keep
 * their period when the tick comes late, and an oversized command gets an
 * answer on the error topic.
 */
import assert from "node:assert/strict";
import { TICK_MS } from "../firmware/app/device";
import { ST_CONNECTED } from "../firmware/session/client";
import { startDevice } from "./support/device-rig";
import * as E from "../firmware/errors";

/** The mean of the gaps between consecutive times. */
function meanInterval(times: number[]): number {
  return (times[times.length - 1] - times[0]) / (times.length - 1);
}

describe("app: telemetry on schedule", () => {
  it("keeps a 2 s period to within 1% over 180 s when every tick comes 13 ms late (90 readings, not 85)", () => {
    const r = startDevice({}, { sensors: [{ name: "t", kind: "ds18b20", pin: "D4", period: 2 }] }, { lateTickMs: 13 });
    const from = r.time.clock.now();
    r.run(180000);
    const times = r.times("telemetry/t").filter((t) => t >= from);
    assert.ok(times.length >= 89 && times.length <= 91, times.length + " readings in 180 s");
    const mean = meanInterval(times);
    assert.ok(Math.abs(mean - 2000) <= 20, "mean interval " + mean + " ms");
  });

  it("after a stall longer than a period, takes one reading and keeps the period from there (no burst of catch-up readings)", () => {
    const r = startDevice({}, { sensors: [{ name: "t", kind: "ds18b20", pin: "D4", period: 2 }] });
    r.run(5000);
    const before = r.got("telemetry/t").length;
    // The clock jumps 9 s with no tick in between (a long blocking call on the board).
    r.time.clock.set(r.time.clock.now() + 9000);
    r.run(TICK_MS * 2);
    assert.equal(r.got("telemetry/t").length, before + 1, "one reading after the stall");
    r.run(10000);
    const after = r.times("telemetry/t").slice(before);
    assert.equal(after.length, 6, "then one every 2 s: " + after.join());
  });
});

describe("app: answers to refused commands", () => {
  it("answers a 10,000-byte command on error with the code, and stays connected", () => {
    const r = startDevice();
    r.send("lab/dev1/set/relay", Buffer.alloc(10000, 0x41));
    r.run(TICK_MS);
    assert.deepEqual(r.got("error").map((t) => JSON.parse(t)), [{ source: "command", code: E.E_PACKET_TOO_LARGE }]);
    assert.equal(r.device.client.state(), ST_CONNECTED);
    assert.equal(r.net.connections.length, 1);
    assert.equal(r.hal.gpio.level("D5"), 0, "the relay is left alone");
    r.send("lab/dev1/set/relay", "ON");
    r.run(TICK_MS);
    assert.deepEqual(r.got("state/relay"), ["OFF", "ON"], "the next command is obeyed");
  });
});
