/**
 * The device's telemetry schedule and its answers to what it refuses, on the
 * Node HAL with a manual clock (test/support/device-rig.ts): readings keep
 * their period when the tick comes late, and an oversized command gets an
 * answer on the error topic.
 */
import assert from "node:assert/strict";
import { TICK_MS } from "../../firmware/app/device";
import { ST_CONNECTED } from "../../firmware/session/client";
import { startDevice } from "../support/device-rig";
import * as E from "../../base/errors";

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
    assert.deepEqual(
      r.got("error").map((t) => JSON.parse(t)),
      [{ source: "command", code: E.E_PACKET_TOO_LARGE }],
    );
    assert.equal(r.device.client.state(), ST_CONNECTED);
    assert.equal(r.net.connections.length, 1);
    assert.equal(r.hal.gpio.level("D5"), 0, "the relay is left alone");
    r.send("lab/dev1/set/relay", "ON");
    r.run(TICK_MS);
    assert.deepEqual(r.got("state/relay"), ["OFF", "ON"], "the next command is obeyed");
  });
});

describe("app: report on change", () => {
  /** A ds18b20 on D4 read every second whose readings are `values`, one a second. */
  const readings = (values: number[]) => values.map((a) => ({ a, ms: 10 }));

  it("with delta, publishes a reading only when it moved at least delta since the last one published", () => {
    const r = startDevice(
      {},
      { sensors: [{ name: "t", kind: "ds18b20", pin: "D4", period: 1, delta: 0.5 }] },
      { before: (hal) => hal.sensors.script("D4", readings([20, 20.2, 20.4, 20.5, 20.6, 20.1, 19.9, 19.4].concat(new Array(20).fill(19.4)))) },
    );
    r.run(12000);
    assert.ok(r.hal.sensors.reads("D4") >= 12, "read every second: " + r.hal.sensors.reads("D4"));
    assert.deepEqual(
      r.got("telemetry/t").map((t) => JSON.parse(t).temperature),
      [20, 20.5, 19.9, 19.4],
    );
  });

  it("with maxPeriod, publishes an unchanged reading once maxPeriod has passed since the last one published", () => {
    const r = startDevice(
      {},
      { sensors: [{ name: "t", kind: "ds18b20", pin: "D4", period: 1, delta: 1, maxPeriod: 5 }] },
      { before: (hal) => hal.sensors.script("D4", readings(new Array(16).fill(21))) },
    );
    r.run(13000);
    const times = r.times("telemetry/t");
    assert.equal(times.length, 3, "the first reading, then one every 5 s: " + times.join());
    assert.ok(Math.abs(times[1] - times[0] - 5000) <= 20 && Math.abs(times[2] - times[1] - 5000) <= 20, times.join());
  });

  it("a DHT22 publishes when either value moved by delta", () => {
    const r = startDevice(
      {},
      { sensors: [{ name: "c", kind: "dht22", pin: "D4", period: 2, delta: 1 }] },
      {
        before: (hal) =>
          hal.sensors.script("D4", [
            { a: 20, b: 40, ms: 5 },
            { a: 20.5, b: 40.5, ms: 5 },
            { a: 20.5, b: 41.2, ms: 5 },
            { a: 21.6, b: 41.2, ms: 5 },
            { a: 21.6, b: 41.2, ms: 5 },
            { a: 21.6, b: 41.2, ms: 5 },
          ]),
      },
    );
    r.run(9000);
    assert.deepEqual(
      r.got("telemetry/c").map((t) => JSON.parse(t)),
      [
        { temperature: 20, humidity: 40 },
        { temperature: 20.5, humidity: 41.2 },
        { temperature: 21.6, humidity: 41.2 },
      ],
    );
  });

  it("a digital input with delta 1 publishes its debounced edges and no reading in between", async () => {
    const r = startDevice({}, { sensors: [{ name: "door", kind: "digital", pin: "D4", period: 1, delta: 1 }] });
    // A digital reading ends a turn of the event loop later (setImmediate): run in steps, letting each end.
    const run = async (ms: number) => {
      for (let t = 0; t < ms; t += 100) {
        r.run(100);
        await new Promise(setImmediate);
      }
    };
    await run(3000);
    r.hal.gpio.setInput("D4", true);
    await run(3000);
    r.hal.gpio.setInput("D4", false);
    await run(3000);
    assert.ok(r.hal.sensors.reads("D4") >= 9, "read every second: " + r.hal.sensors.reads("D4"));
    assert.deepEqual(r.got("telemetry/door"), ['{"state":0}', '{"state":1}', '{"state":0}']);
  });
});

describe("app: a digital input's edges while offline", () => {
  for (const offline of ["skip", "queue"] as const) {
    it(`follow offline "${offline}" as readings do: ${offline === "skip" ? "left out" : "queued, published after the reconnect"}`, async () => {
      const r = startDevice({}, { qos: 1, offline, sensors: [{ name: "door", kind: "digital", pin: "D4", period: 600, delta: 1 }] });
      const run = async (ms: number) => {
        for (let t = 0; t < ms; t += 100) {
          r.run(100);
          await new Promise(setImmediate);
        }
      };
      await run(2000);
      assert.deepEqual(r.got("telemetry/door"), ['{"state":0}'], "the first reading after the connect");
      r.net.refuseWith = E.E_SOCKET_RESET;
      r.net.connections[r.net.connections.length - 1].reset();
      await run(500);
      assert.notEqual(r.device.client.state(), ST_CONNECTED);
      r.hal.gpio.setInput("D4", true);
      await run(500);
      r.net.refuseWith = null;
      await run(70000);
      assert.equal(r.device.client.state(), ST_CONNECTED);
      assert.deepEqual(r.got("telemetry/door"), offline === "skip" ? ['{"state":0}'] : ['{"state":0}', '{"state":1}']);
    });
  }
});

describe("app: diagnostics on <root>diag", () => {
  it("publishes them retained at connect and every diagPeriod, with uptime, RSSI, reconnects, the last error's code and name and the messages sent and dropped", () => {
    const r = startDevice({}, { diagPeriod: 10 });
    r.run(TICK_MS);
    const first = r.broker.published.filter((p) => p.topic === "lab/dev1/diag");
    assert.equal(first.length, 1, "one at connect");
    assert.equal(first[0].retain, true);
    const d = JSON.parse(first[0].payload.toString());
    assert.deepEqual(Object.keys(d), ["fw", "board", "up", "rssi", "reconnects", "error", "errorName", "sent", "dropped"]);
    assert.deepEqual([d.error, d.errorName], [0, "E_OK"]);
    assert.equal(d.fw, "0.1.0+dev", "the package's version; no commit on the host");
    assert.equal(d.board, "esp8266-nodemcu");
    assert.equal(d.rssi, -58);
    assert.equal(d.reconnects, 0);
    assert.ok(d.up >= 0 && d.up <= 3, "uptime " + d.up);
    r.send("lab/dev1/set/heater", "ON");
    r.run(25000);
    const later = r.got("diag").map((t) => JSON.parse(t));
    assert.equal(later.length, 3, "then one every 10 s");
    assert.equal(later[2].error, E.E_COMMAND_UNKNOWN_ACTUATOR, "the last error");
    assert.equal(later[2].errorName, "E_COMMAND_UNKNOWN_ACTUATOR");
    assert.ok(later[2].sent >= 2 && later[2].dropped === 0, JSON.stringify(later[2]));
    assert.ok(later[2].up - later[1].up === 10, "uptime moves with the clock");
  });

  it("counts a reconnect, and sends nothing with diagPeriod 0", () => {
    const r = startDevice({}, { diagPeriod: 0 });
    r.net.last.reset();
    r.run(5000);
    assert.equal(r.device.client.state(), ST_CONNECTED);
    assert.deepEqual(r.got("diag"), []);
    const on = startDevice({}, {});
    on.net.last.reset();
    on.run(5000);
    const last = JSON.parse(on.got("diag")[on.got("diag").length - 1]);
    assert.equal(last.reconnects, 1);
    assert.ok(last.error < 0, "the connection's error: " + last.error);
  });
});
