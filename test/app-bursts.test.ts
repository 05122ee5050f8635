/**
 * The device program under bursts of commands, on the Node HAL with a manual
 * clock and a scripted broker whose connection has an ESP8266's send queue
 * (1,024 bytes, drained between network events): error replies are limited
 * to one a tick so that acknowledgements keep their room.
 */
import assert from "node:assert/strict";
import { findBoard } from "../boards/index";
import { toDeviceBoard } from "../boards/device-view";
import { CONFIG_FILE, type ActuatorConfig, type Config } from "../firmware/app/config";
import { boot } from "../firmware/app/boot";
import { TICK_MS, type Device } from "../firmware/app/device";
import { ST_CONNECTED } from "../firmware/session/client";
import { createNodeHal, type NodeHal } from "../hal/node/index";
import { createManualTime, type ManualTime } from "../hal/node/timers";
import { FakeNet } from "./support/fake-net";
import { ScriptedBroker } from "./support/scripted-broker";
import * as E from "../firmware/errors";

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
