/**
 * Battery mode (`sleep`) on the Node HAL with a manual clock and a scripted
 * broker: each wake reads every sensor once, publishes at QoS 1, waits for the
 * acknowledgements (or its bound), and deep-sleeps; the Node HAL's deep sleep
 * boots the device again from Storage after the time, as a wake does.
 */
import assert from "node:assert/strict";
import { toDeviceBoard } from "../../boards/device-view";
import { CONFIG_FILE, type Config } from "../../firmware/app/config";
import { boot } from "../../firmware/app/boot";
import { AWAKE_MAX_MS, type Device } from "../../firmware/app/device";
import { createNodeHal, type NodeHal } from "../../hal/node/index";
import { createManualTime, type ManualTime } from "../../hal/node/timers";
import { FakeNet } from "../../scripts/support/fake-net";
import { ScriptedBroker } from "../support/scripted-broker";
import { RIG_BOARD } from "../support/device-rig";
import * as E from "../../base/errors";

interface Sleeper {
  time: ManualTime;
  broker: ScriptedBroker;
  hal: NodeHal;
  /** The device of the current wake (null while asleep, after the last). */
  device: () => Device | null;
  wakes: () => number;
  /** Moves the clock `ms` forward in steps of 10 ms, the broker answering and Node's own turn (the analog driver's) after each. */
  run(ms: number): Promise<void>;
  got(path: string): string[];
  /** Manual-clock times at which the broker accepted each message on <root><path>. */
  times(path: string): number[];
}

function startSleeper(over: Partial<Config> = {}): Sleeper {
  const time = createManualTime(1000);
  const net = new FakeNet();
  net.sendQueueBytes = RIG_BOARD.sendQueueBytes;
  const broker = new ScriptedBroker(net);
  let device: Device | null = null;
  let wakes = 0;
  const wake = () => {
    wakes++;
    const d = boot(hal, toDeviceBoard(RIG_BOARD), { random: () => 0 });
    assert.equal(typeof d, "object", hal.log.lines.join("\n"));
    device = d as Device;
  };
  const hal: NodeHal = createNodeHal(RIG_BOARD, { clock: time.clock, timers: time.timers, net, ssid: "fablab", password: "pw", restart: wake });
  const config: Config = {
    wifi: { ssid: "fablab", password: "pw" },
    broker: { host: "127.0.0.1", port: 1883, keepalive: 60 },
    device: "dev1",
    base: "lab",
    qos: 1,
    discovery: "",
    diagPeriod: 0,
    sleep: 60,
    sensors: [
      { name: "climate", kind: "dht22", pin: "D4", period: 10 },
      { name: "light", kind: "analog", pin: "A0", period: 10 },
    ],
    ...over,
  };
  hal.storage.write(CONFIG_FILE, JSON.stringify(config));
  hal.gpio.setAnalog("A0", 0.5);
  wake();
  const stamps: { topic: string; at: number }[] = [];
  return {
    time,
    broker,
    hal,
    device: () => device,
    wakes: () => wakes,
    async run(ms) {
      for (let t = 0; t < ms; t += 10) {
        await new Promise((resolve) => setImmediate(resolve));
        time.advance(10);
        broker.run();
        while (stamps.length < broker.published.length) stamps.push({ topic: broker.published[stamps.length].topic, at: time.clock.now() });
      }
    },
    got: (path) => broker.published.filter((p) => p.topic === "lab/dev1/" + path).map((p) => p.payload.toString()),
    times: (path) => stamps.filter((s) => s.topic === "lab/dev1/" + path).map((s) => s.at),
  };
}

describe("app: battery mode (sleep), on the Node HAL", () => {
  it("each wake: every sensor read once at QoS 1, acknowledged, then deep sleep for `sleep` s; no offline, the awake time logged", async () => {
    const r = startSleeper();
    await r.run(5000);
    assert.equal(r.got("telemetry/climate").length, 1);
    assert.equal(r.got("telemetry/light").length, 1);
    assert.ok(r.broker.published.filter((p) => p.topic.includes("/telemetry/")).every((p) => p.qos === 1));
    const awake = /awake (\d+) ms, sleeping 60 s/.exec(r.hal.log.lines.join("\n"));
    assert.ok(awake, r.hal.log.lines.join("\n"));
    assert.ok(Number(awake![1]) < 3000, "asleep as soon as everything was acknowledged: " + awake![1] + " ms");
    assert.equal(r.wakes(), 1);
    // Two more wakes, one a minute.
    await r.run(2 * 60000 + 5000);
    assert.equal(r.wakes(), 3);
    assert.equal(r.got("telemetry/climate").length, 3);
    assert.equal(r.got("telemetry/light").length, 3);
    const t = r.times("telemetry/light");
    assert.ok(t[1] - t[0] >= 60000 && t[1] - t[0] < 63000, "a wake a sleep after the last: " + (t[1] - t[0]) + " ms");
    // A sleeping device is not gone: "online" at each wake, never "offline".
    assert.deepEqual(r.got("status"), ["online", "online", "online"]);
    assert.equal(r.hal.log.lines.filter((l) => /^awake \d+ ms/.test(l)).length, 3);
  });

  it("sleeps at the bound when the broker does not acknowledge, and the reading goes again at the next wake with persist", async () => {
    const r = startSleeper({ persist: true, sensors: [{ name: "light", kind: "analog", pin: "A0", period: 10 }] });
    // A broker that takes messages and never acknowledges them (nor counts them as taken).
    r.broker.script.ackPublishes = false;
    await r.run(AWAKE_MAX_MS + 1000);
    assert.match(r.hal.log.lines.join("\n"), new RegExp("awake " + AWAKE_MAX_MS + " ms, sleeping 60 s"));
    assert.ok(r.hal.storage.read("fabmqtt.ses"), "the unacknowledged reading saved before sleeping");
    r.broker.script.ackPublishes = true;
    await r.run(60000 + 5000);
    assert.equal(r.wakes(), 2);
    // The saved reading and the new wake's own, both acknowledged this time.
    assert.equal(r.got("telemetry/light").length, 2);
    assert.match(r.hal.log.lines.slice(-2).join("\n"), /awake \d+ ms, sleeping 60 s/);
  });

  it("refuses sleep without QoS 1 or 2, and on a platform that cannot sleep", () => {
    const time = createManualTime(1000);
    const hal = createNodeHal(RIG_BOARD, { clock: time.clock, timers: time.timers, net: new FakeNet() });
    const base = { wifi: { ssid: "fablab", password: "pw" }, broker: { host: "127.0.0.1", port: 1883 }, device: "dev1", sleep: 60 };
    hal.storage.write(CONFIG_FILE, JSON.stringify({ ...base, qos: 0 }));
    assert.equal(boot(hal, toDeviceBoard(RIG_BOARD)), E.E_CONFIG);
    assert.match(hal.log.lines.join("\n"), /qos: 1 or 2 with sleep/);
    hal.storage.write(CONFIG_FILE, JSON.stringify(base));
    assert.equal(boot(hal, toDeviceBoard(RIG_BOARD)), E.E_CONFIG);
    assert.match(hal.log.lines.join("\n"), /sleep: the platform cannot deep-sleep/);
  });
});
