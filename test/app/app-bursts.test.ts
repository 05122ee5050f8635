/**
 * The device program under bursts of commands, on the Node HAL with a manual
 * clock and a scripted broker whose connection has an ESP8266's send queue
 * (1,024 bytes, drained between network events): error replies are limited
 * to one a tick so that acknowledgements keep their room, the retained state
 * ends equal to the pin, and a relay switches at most once per `minSwitchMs`.
 */
import assert from "node:assert/strict";
import { findBoard } from "../../boards/index";
import { toDeviceBoard } from "../../boards/device-view";
import { CONFIG_FILE, type ActuatorConfig, type Config } from "../../firmware/app/config";
import { boot } from "../../firmware/app/boot";
import { TICK_MS, type Device } from "../../firmware/app/device";
import { ST_CONNECTED } from "../../firmware/session/client";
import { createNodeHal, type NodeHal } from "../../hal/node/index";
import { createManualTime, type ManualTime } from "../../hal/node/timers";
import { FakeNet } from "../../scripts/support/fake-net";
import { ScriptedBroker } from "../support/scripted-broker";
import * as E from "../../base/errors";

const board = findBoard("esp8266-nodemcu")!;
const ROOT = "lab/dev1/";

interface Rig {
  time: ManualTime;
  net: FakeNet;
  broker: ScriptedBroker;
  hal: NodeHal;
  device: Device;
  /** Moves the clock `ms` forward in steps of 10 ms, the broker answering after each. */
  run(ms: number): void;
  /** Sends the commands to the device merged into one chunk, as a burst arrives; QoS 1. */
  burst(commands: [string, string][]): void;
  /** The payloads the broker accepted on <root><path>, in order. */
  got(path: string): string[];
}

function startDevice(actuator: Partial<ActuatorConfig> = {}, over: Partial<Config> = {}): Rig {
  const time = createManualTime(1000);
  const net = new FakeNet();
  net.sendQueueBytes = board.sendQueueBytes;
  const broker = new ScriptedBroker(net);
  const hal = createNodeHal(board, { clock: time.clock, timers: time.timers, net, ssid: "fablab", password: "pw" });
  const config: Config = {
    wifi: { ssid: "fablab", password: "pw" },
    broker: { host: "127.0.0.1", port: 1883, keepalive: 60 },
    device: "dev1",
    base: "lab",
    qos: 1,
    discovery: "",
    actuators: [{ name: "relay", kind: "relay", pin: "D5", safe: "off", ...actuator }],
    ...over,
  };
  hal.storage.write(CONFIG_FILE, JSON.stringify(config));
  const d = boot(hal, toDeviceBoard(board), { random: () => 0 });
  assert.equal(typeof d, "object", hal.log.lines.join("\n"));
  let id = 1;
  const rig: Rig = {
    time,
    net,
    broker,
    hal,
    device: d as Device,
    run(ms) {
      for (let t = 0; t < ms; t += 10) {
        time.advance(10);
        broker.run();
      }
    },
    burst(commands) {
      const c = net.last;
      c.hold();
      for (const [name, payload] of commands) c.send({ cmd: "publish", topic: ROOT + "set/" + name, payload, qos: 1, messageId: id++, retain: false, dup: false });
      c.release();
      broker.run();
    },
    got: (path) => broker.published.filter((p) => p.topic === ROOT + path).map((p) => p.payload.toString()),
  };
  rig.run(2000);
  assert.equal(rig.device.client.state(), ST_CONNECTED, hal.log.lines.join("\n"));
  return rig;
}

describe("app: bursts of commands on an ESP8266's send queue", () => {
  it("stays connected through 60 bad commands followed by ON: the relay is ON and so is the retained state", () => {
    const r = startDevice();
    const bad: [string, string][] = [];
    for (let i = 0; i < 60; i++) bad.push(["relay", "maybe"]);
    r.burst(bad.concat([["relay", "ON"]]));
    r.run(1000);
    assert.equal(r.net.connections.length, 1, "one connection, never dropped:\n" + r.hal.log.lines.join("\n"));
    assert.equal(r.device.client.state(), ST_CONNECTED);
    assert.equal(r.hal.gpio.level("D5"), 1);
    assert.deepEqual(r.got("state/relay"), ["OFF", "ON"]);
    assert.equal(r.net.last.packets("puback").length, 61, "every command acknowledged");
  });

  it("sends at most one error reply a tick, and says in the next one how many it left out", () => {
    const r = startDevice();
    const bad: [string, string][] = [];
    for (let i = 0; i < 60; i++) bad.push(["relay", "maybe"]);
    r.burst(bad);
    r.run(TICK_MS);
    assert.deepEqual(r.got("error").map((t) => JSON.parse(t)), [{ source: "relay", code: E.E_COMMAND_BAD_VALUE }]);
    r.burst([["heater", "ON"]]);
    r.run(TICK_MS);
    assert.deepEqual(JSON.parse(r.got("error")[1]), { source: "heater", code: E.E_COMMAND_UNKNOWN_ACTUATOR, dropped: 59 });
    r.burst([["relay", "maybe"]]);
    r.run(TICK_MS);
    assert.deepEqual(JSON.parse(r.got("error")[2]), { source: "relay", code: E.E_COMMAND_BAD_VALUE }, "the count starts again");
    assert.equal(r.hal.log.lines.filter((l) => l.startsWith("E-411 ")).length, 61, "every refusal is logged");
  });
});

describe("app: retained state and relay switching under bursts", () => {
  /** 11 commands ON, OFF, ..., ON. */
  const alternating = (name: string): [string, string][] => {
    const out: [string, string][] = [];
    for (let i = 0; i < 11; i++) out.push([name, i % 2 === 0 ? "ON" : "OFF"]);
    return out;
  };

  it("publishes the state again from the tick until the client takes it: 11 alternating commands end with the retained state ON, as the pin", () => {
    // No switching interval: every command is applied at once, and the outbox (8 messages) refuses the last states.
    const r = startDevice({ minSwitchMs: 0 });
    r.burst(alternating("relay"));
    assert.ok(r.got("state/relay").length < 12, "the outbox refused some states: " + r.got("state/relay").length);
    r.run(2000);
    assert.equal(r.hal.gpio.level("D5"), 1);
    const states = r.got("state/relay");
    assert.equal(states[states.length - 1], "ON", states.join());
    assert.equal(r.device.client.stats().queued + r.device.client.stats().inFlight, 0);
  });

  it("with the default interval of a relay, applies only the last of commands that came within 500 ms", () => {
    const r = startDevice();
    r.burst(alternating("relay"));
    r.run(2000);
    assert.equal(r.hal.gpio.level("D5"), 1);
    const states = r.got("state/relay");
    assert.equal(states[states.length - 1], "ON", states.join());
    assert.deepEqual(states, ["OFF", "ON"], "the first command applied, the rest coalesced into it");
  });

  it("switches a relay at most once per minSwitchMs through a burst of TOGGLEs, and ends as the commands say", () => {
    const r = startDevice({ minSwitchMs: 500 });
    const switches: [number, boolean][] = [];
    const write = r.hal.gpio.write;
    r.hal.gpio.write = (pin, high) => {
      if (pin === "D5") switches.push([r.time.clock.now(), high]);
      return write(pin, high);
    };
    // 41 bursts of 51 TOGGLEs (each burst flips the relay once), one every 50 ms.
    let toggles = 0;
    for (let k = 0; k < 41; k++) {
      const burst: [string, string][] = [];
      for (let i = 0; i < 51; i++) burst.push(["relay", "TOGGLE"]);
      toggles += burst.length;
      r.burst(burst);
      r.run(50);
    }
    r.run(1500);
    assert.ok(switches.length >= 2 && switches.length <= Math.ceil((41 * 50 + 500) / 500) + 1, "switches: " + switches.length);
    for (let i = 1; i < switches.length; i++) assert.ok(switches[i][0] - switches[i - 1][0] >= 500, "switched " + (switches[i][0] - switches[i - 1][0]) + " ms after the one before");
    const expected = toggles % 2 === 1 ? 1 : 0;
    assert.equal(r.hal.gpio.level("D5"), expected, "the level the commands, taken in order, ask for");
    const states = r.got("state/relay");
    assert.equal(states[states.length - 1], expected ? "ON" : "OFF");
    assert.equal(r.net.connections.length, 1);
  });

  it("lets a led or a pwm output follow every command (no interval unless configured)", () => {
    const r = startDevice({ name: "led", kind: "led", pin: "D2", safe: "keep" });
    r.burst(alternating("led").slice(0, 4));
    r.run(TICK_MS);
    assert.deepEqual(r.got("state/led"), ["OFF", "ON", "OFF", "ON", "OFF"]);
  });

  it("puts the relay in its safe state when the broker is lost, and drops a command that waited for the interval", () => {
    const r = startDevice();
    r.burst([["relay", "ON"]]);
    r.run(600);
    r.burst([["relay", "OFF"], ["relay", "ON"], ["relay", "OFF"], ["relay", "ON"]]);
    assert.equal(r.hal.gpio.level("D5"), 0, "OFF applied at once, the rest wait");
    r.net.last.reset();
    r.run(20);
    assert.equal(r.hal.gpio.level("D5"), 0, "safe: off");
    r.run(1000);
    assert.equal(r.hal.gpio.level("D5"), 0, "the command that waited is not applied after the safe state");
  });
});
