/**
 * The device program on the Node HAL with a manual clock and a scripted
 * broker whose connection has an ESP8266's send queue (drained between
 * network events): for the app's tests that need time to be exact.
 */
import assert from "node:assert/strict";
import { findBoard } from "../../boards/index";
import { toDeviceBoard } from "../../boards/device-view";
import { CONFIG_FILE, type ActuatorConfig, type Config } from "../../firmware/app/config";
import { boot } from "../../firmware/app/boot";
import type { Device } from "../../firmware/app/device";
import { ST_CONNECTED } from "../../firmware/session/client";
import { createNodeHal, type NodeHal } from "../../hal/node/index";
import { createManualTime, type ManualTime } from "../../hal/node/timers";
import type { Storage, Timers } from "../../hal/types";
import { FakeNet } from "../../scripts/support/fake-net";
import { ScriptedBroker } from "./scripted-broker";

export const RIG_BOARD = findBoard("esp8266-nodemcu")!;
export const RIG_ROOT = "lab/dev1/";

export interface Rig {
  time: ManualTime;
  net: FakeNet;
  broker: ScriptedBroker;
  hal: NodeHal;
  device: Device;
  /** Moves the clock `ms` forward in steps of 10 ms, the broker answering after each. */
  run(ms: number): void;
  /** Sends the commands to the device merged into one chunk, as a burst arrives; QoS 1. */
  burst(commands: [string, string][]): void;
  /** Sends one message to the device on `topic` (QoS 1). */
  send(topic: string, payload: string | Buffer, retain?: boolean): void;
  /** The payloads the broker accepted on <root><path>, in order. */
  got(path: string): string[];
  /** When (manual clock, ms) the broker accepted each message on <root><path>. */
  times(path: string): number[];
}

export interface RigOptions {
  /** Added to the period of every repeating timer: a tick that comes late, as Espruino's setInterval does. */
  lateTickMs?: number;
  /** Called with the platform before the device boots (to script sensors). */
  before?: (hal: NodeHal) => void;
  /** The platform's restart (none by default: the platform cannot restart). */
  restart?: () => void;
  /** The platform's Storage (memory by default). */
  storage?: Storage;
}

/**
 * A connected device with one relay (changed by `actuator`) and `over` on top
 * of the configuration; asserts that it started and connected.
 */
export function startDevice(actuator: Partial<ActuatorConfig> = {}, over: Partial<Config> = {}, options: RigOptions = {}): Rig {
  const time = createManualTime(1000);
  const net = new FakeNet();
  net.sendQueueBytes = RIG_BOARD.sendQueueBytes;
  const broker = new ScriptedBroker(net);
  const late = options.lateTickMs || 0;
  const timers: Timers = late ? { ...time.timers, every: (ms, fn) => time.timers.every(ms + late, fn) } : time.timers;
  const hal = createNodeHal(RIG_BOARD, { clock: time.clock, timers, net, ssid: "fablab", password: "pw", restart: options.restart, storage: options.storage });
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
  if (options.before) options.before(hal);
  const d = boot(hal, toDeviceBoard(RIG_BOARD), { random: () => 0 });
  assert.equal(typeof d, "object", hal.log.lines.join("\n"));
  let id = 1;
  const stamps: { topic: string; at: number }[] = [];
  let counted = 0;
  const stamp = () => {
    for (; counted < broker.published.length; counted++) stamps.push({ topic: broker.published[counted].topic, at: time.clock.now() });
  };
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
        stamp();
      }
    },
    burst(commands) {
      const c = net.last;
      c.hold();
      for (const [name, payload] of commands)
        c.send({ cmd: "publish", topic: RIG_ROOT + "set/" + name, payload, qos: 1, messageId: id++, retain: false, dup: false });
      c.release();
      broker.run();
      stamp();
    },
    send(topic, payload, retain = false) {
      net.last.send({ cmd: "publish", topic, payload, qos: 1, messageId: id++, retain, dup: false });
      broker.run();
      stamp();
    },
    got: (path) => broker.published.filter((p) => p.topic === RIG_ROOT + path).map((p) => p.payload.toString()),
    times: (path) => stamps.filter((s) => s.topic === RIG_ROOT + path).map((s) => s.at),
  };
  rig.run(2000);
  assert.equal(rig.device.client.state(), ST_CONNECTED, hal.log.lines.join("\n"));
  return rig;
}
