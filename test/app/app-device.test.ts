/**
 * The device program on the Node HAL against a real mosquitto on 127.0.0.1:
 * telemetry, commands, availability, safe states, WiFi drops.
 */
import assert from "node:assert/strict";
import { findBoard } from "../../boards/index";
import { toDeviceBoard } from "../../boards/device-view";
import { CONFIG_FILE, type Config } from "../../firmware/app/config";
import { boot } from "../../firmware/app/boot";
import { SESSION_FILE, TICK_MS, type Device } from "../../firmware/app/device";
import { createNodeHal, type NodeHal } from "../../hal/node/index";
import { createMemoryStorage } from "../../hal/node/storage";
import { startMosquitto, type Mosquitto } from "../../scripts/support/mosquitto";
import { closeLiveClients, startLiveClient, startWatcher, waitFor, type LiveClient } from "../../scripts/support/live-client";
import * as E from "../../base/errors";

const board = findBoard("esp8266-nodemcu")!;
// Each test has its own base topic: retained messages of one never reach another.
let base = "lab";
let runs = 0;

function config(port: number, over: Partial<Config> = {}): Config {
  return {
    wifi: { ssid: "fablab", password: "wifi-pass" },
    broker: { host: "127.0.0.1", port, username: "board", password: "mqtt-pass", keepalive: 10 },
    device: "dev1",
    base,
    qos: 1,
    sensors: [
      { name: "climate", kind: "dht22", pin: "D4", period: 2 },
      { name: "light", kind: "analog", pin: "A0", period: 1 },
    ],
    actuators: [
      { name: "relay", kind: "relay", pin: "D5", safe: "off" },
      { name: "led", kind: "led", pin: "D2", activeLow: true },
      { name: "fan", kind: "pwm", pin: "D14", safe: 20 },
    ],
    ...over,
  };
}

describe("app: the device on the Node HAL and a real mosquitto", function () {
  this.timeout(30000);
  let broker: Mosquitto;
  let hal: NodeHal;
  let device: Device | null = null;
  let watcher: LiveClient;

  function start(c: Config): Device {
    hal = createNodeHal(board, { ssid: "fablab", password: "wifi-pass" });
    hal.storage.write(CONFIG_FILE, JSON.stringify(c));
    const d = boot(hal, toDeviceBoard(board), { random: () => 0 });
    assert.equal(typeof d, "object", hal.log.lines.join("\n"));
    device = d as Device;
    return device;
  }
  const got = (topic: string) => watcher.messages.filter((m) => m.topic === topic).map((m) => m.payload.toString());

  before(async () => {
    broker = await startMosquitto({ passwords: { board: "mqtt-pass", watcher: "w" } });
  });
  after(async () => {
    await broker.stop();
  });
  beforeEach(async () => {
    base = "lab" + ++runs;
    watcher = await startWatcher(broker.port, base + "/#", { username: "watcher", password: "w" });
  });
  afterEach(() => {
    if (device) device.stop();
    device = null;
    closeLiveClients();
  });

  it("joins WiFi, connects, says online (retained) and publishes telemetry as JSON", async () => {
    start(config(broker.port));
    hal.gpio.setAnalog("A0", 0.25);
    await waitFor(() => got(base + "/dev1/telemetry/light").length >= 2 && got(base + "/dev1/telemetry/climate").length >= 1, "telemetry");
    assert.deepEqual(got(base + "/dev1/status"), ["online"]);
    assert.deepEqual(JSON.parse(got(base + "/dev1/telemetry/light")[0]), { value: 0.25 });
    const climate = JSON.parse(got(base + "/dev1/telemetry/climate")[0]);
    assert.ok(climate.temperature > 15 && climate.temperature < 30, JSON.stringify(climate));
    assert.ok(climate.humidity > 30 && climate.humidity < 60, JSON.stringify(climate));
    // The actuators' states at connect, retained for late subscribers.
    assert.deepEqual(got(base + "/dev1/state/relay"), ["OFF"]);
    assert.deepEqual(got(base + "/dev1/state/fan"), ["0"]);
    assert.equal(hal.wifi.hostname(), "dev1");
    const status = watcher.messages.find((m) => m.topic === base + "/dev1/status")!;
    assert.equal(status.retain, false, "live delivery of a retained message is not flagged retained");
    const late = startLiveClient(broker.port, { username: "watcher", password: "w", clientId: "late" });
    late.client.subscribe(base + "/dev1/status", 1);
    await waitFor(() => late.messages.length === 1, "retained status for a late subscriber");
    assert.equal(late.messages[0].payload.toString(), "online");
    assert.equal(late.messages[0].retain, true);
  });

  it("obeys commands, publishes the new state, and answers bad ones with an error while leaving the pin alone", async () => {
    start(config(broker.port));
    await waitFor(() => got(base + "/dev1/state/relay").length === 1, "first state");
    watcher.client.publish(base + "/dev1/set/relay", "ON", 1, false);
    await waitFor(() => got(base + "/dev1/state/relay").length === 2, "relay state");
    assert.equal(got(base + "/dev1/state/relay")[1], "ON");
    assert.equal(hal.gpio.level("D5"), 1);
    watcher.client.publish(base + "/dev1/set/led", "on", 1, false);
    watcher.client.publish(base + "/dev1/set/fan", "75", 1, false);
    await waitFor(() => got(base + "/dev1/state/fan").length === 2 && got(base + "/dev1/state/led").length === 2, "led and fan");
    assert.equal(hal.gpio.level("D2"), 0, "an active-low LED is lit by driving it low");
    assert.equal(hal.gpio.level("D14"), 0.75);
    const writes = hal.gpio.log.length;
    // One error reply a tick at most: each bad command comes a tick after the reply to the one before.
    for (const [name, payload] of [
      ["relay", "maybe"],
      ["fan", "101"],
      ["heater", "ON"],
    ]) {
      const replies = got(base + "/dev1/error").length;
      await new Promise((r) => setTimeout(r, TICK_MS));
      watcher.client.publish(base + "/dev1/set/" + name, payload, 1, false);
      await waitFor(() => got(base + "/dev1/error").length === replies + 1, "the error reply for " + name);
    }
    assert.deepEqual(
      got(base + "/dev1/error").map((t) => JSON.parse(t)),
      [
        { source: "relay", code: E.E_COMMAND_BAD_VALUE },
        { source: "fan", code: E.E_COMMAND_BAD_VALUE },
        { source: "heater", code: E.E_COMMAND_UNKNOWN_ACTUATOR },
      ],
    );
    assert.equal(hal.gpio.log.length, writes, "no pin touched by a refused command");
    assert.equal(hal.gpio.level("D5"), 1);
    watcher.client.publish(base + "/dev1/set/relay", "TOGGLE", 1, false);
    await waitFor(() => got(base + "/dev1/state/relay").length === 3, "toggled");
    assert.equal(hal.gpio.level("D5"), 0);
  });

  it("with qos 2, obeys commands sent at QoS 2, each once", async () => {
    // No switching interval: each command is applied as it comes, not coalesced.
    const c = config(broker.port, { qos: 2 });
    c.actuators![0].minSwitchMs = 0;
    start(c);
    await waitFor(() => got(base + "/dev1/state/relay").length === 1, "first state");
    for (const level of ["ON", "OFF", "ON", "OFF", "ON"]) watcher.client.publish(base + "/dev1/set/relay", level, 2, false);
    await waitFor(() => got(base + "/dev1/state/relay").length === 6, "five states");
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(got(base + "/dev1/state/relay"), ["OFF", "ON", "OFF", "ON", "OFF", "ON"]);
    assert.equal(hal.gpio.level("D5"), 1);
  });

  it("ignores a retained command unless the configuration allows it", async () => {
    watcher.client.publish(base + "/dev1/set/relay", "ON", 1, true);
    await waitFor(() => watcher.published.length === 1, "retained command stored");
    start(config(broker.port));
    await waitFor(() => got(base + "/dev1/telemetry/light").length >= 2, "running a while");
    assert.equal(hal.gpio.level("D5"), 0);
    assert.match(hal.log.lines.join("\n"), /E-412 E_COMMAND_RETAINED/);
    device!.stop();
    start(config(broker.port, { device: "dev1", retainedCommands: true }));
    await waitFor(() => hal.gpio.level("D5") === 1, "retained command obeyed when allowed");
    watcher.client.publish(base + "/dev1/set/relay", "", 1, true); // clear the retained message
  });

  it("puts actuators in their safe state when the broker is lost, and the will says offline", async () => {
    start(config(broker.port));
    await waitFor(() => got(base + "/dev1/state/relay").length === 1, "connected");
    watcher.client.publish(base + "/dev1/set/relay", "ON", 1, false);
    watcher.client.publish(base + "/dev1/set/fan", "90", 1, false);
    watcher.client.publish(base + "/dev1/set/led", "ON", 1, false);
    await waitFor(() => hal.gpio.level("D5") === 1 && hal.gpio.level("D14") === 0.9 && hal.gpio.level("D2") === 0, "driven");
    hal.wifi.setAvailable(false);
    await waitFor(() => got(base + "/dev1/status").includes("offline"), "the will");
    await waitFor(() => hal.gpio.level("D5") === 0, "relay safe");
    assert.equal(hal.gpio.level("D14"), 0.2, "fan at its safe level");
    assert.equal(hal.gpio.level("D2"), 0, "the LED keeps its state (safe: keep by default)");
    assert.equal(device!.levels.join(","), "0,100,20");
    hal.wifi.setAvailable(true);
    await waitFor(() => got(base + "/dev1/status").filter((s) => s === "online").length === 2, "back online", 20000);
    assert.ok(hal.wifi.joins() >= 2);
  });

  it("skips telemetry while offline by default, and queues QoS 1 readings with offline: queue", async () => {
    for (const policy of ["skip", "queue"] as const) {
      start(config(broker.port, { offline: policy, sensors: [{ name: "light", kind: "analog", pin: "A0", period: 1 }], device: "dev-" + policy }));
      const topic = `${base}/dev-${policy}/telemetry/light`;
      await waitFor(() => got(topic).length >= 1, "first reading");
      hal.wifi.setAvailable(false);
      await waitFor(() => hal.wifi.state() === 0, "offline");
      const before = hal.sensors.reads("A0");
      await new Promise((r) => setTimeout(r, 2600));
      const readOffline = hal.sensors.reads("A0") - before;
      const delivered = got(topic).length;
      hal.wifi.setAvailable(true);
      await waitFor(() => got(`${base}/dev-${policy}/status`).filter((s) => s === "online").length === 2, "back", 20000);
      await new Promise((r) => setTimeout(r, 300));
      if (policy === "skip") {
        assert.equal(readOffline, 0, "no readings taken offline");
      } else {
        assert.ok(readOffline >= 2, "readings taken offline: " + readOffline);
        assert.ok(got(topic).length >= delivered + readOffline, "queued readings delivered on return");
      }
      device!.stop();
      device = null;
    }
  });

  it("with persist, keeps queued readings through a power cut (what Storage held at the cut is sent after the restart)", async function () {
    this.timeout(40000);
    // A broker of its own that goes away: the readings queue, the session file is written within 5 s.
    const gone = await startMosquitto({ passwords: { board: "mqtt-pass" } });
    const c = config(gone.port, { persist: true, offline: "queue", sensors: [{ name: "light", kind: "analog", pin: "A0", period: 1 }], actuators: [] });
    start(c);
    hal.gpio.setAnalog("A0", 0.25);
    const first = device as Device;
    await waitFor(() => first.client.stats().connects === 1, "connected");
    await gone.stop();
    await waitFor(() => first.client.stats().queued >= 3 && hal.storage.read(SESSION_FILE) !== null, "readings queued and the session written", 15000);
    // The cut: what Storage holds now is all that survives.
    const saved = hal.storage.read(SESSION_FILE) as string;
    const kept = (JSON.parse(saved) as { o: unknown[] }).o.length;
    assert.ok(kept >= 3, "readings queued and written: " + kept);
    first.stop();
    device = null;
    const storage = createMemoryStorage();
    storage.write(SESSION_FILE, saved);
    hal = createNodeHal(board, { ssid: "fablab", password: "wifi-pass", storage });
    hal.storage.write(CONFIG_FILE, JSON.stringify({ ...c, broker: { ...c.broker, port: broker.port } }));
    hal.gpio.setAnalog("A0", 0.75);
    const d = boot(hal, toDeviceBoard(board), { random: () => 0 });
    assert.equal(typeof d, "object", hal.log.lines.join("\n"));
    device = d as Device;
    const before = () => got(base + "/dev1/telemetry/light").filter((p) => p === '{"value":0.25}').length;
    await waitFor(() => before() >= kept, kept + " readings from before the cut");
  });

  it("keeps secrets out of its log through refused logins and WiFi failures", async () => {
    const c = config(broker.port);
    c.broker.password = "hunter2-broker";
    c.wifi.password = "hunter2-wifi";
    // The WiFi access point expects another password first: the join fails.
    hal = createNodeHal(board, { ssid: "fablab", password: "other" });
    hal.storage.write(CONFIG_FILE, JSON.stringify(c));
    device = boot(hal, toDeviceBoard(board), { random: () => 0 }) as Device;
    await waitFor(() => hal.log.lines.some((l) => l.startsWith("E-320 ")), "WiFi refused");
    device.stop();
    const wifiLines = hal.log.lines.slice();
    hal = createNodeHal(board, { ssid: "fablab", password: "hunter2-wifi" });
    hal.storage.write(CONFIG_FILE, JSON.stringify(c));
    device = boot(hal, toDeviceBoard(board), { random: () => 0 }) as Device;
    await waitFor(() => hal.log.lines.filter((l) => l.startsWith("E-215 ")).length >= 2, "login refused twice");
    const all = wifiLines.concat(hal.log.lines).join("\n");
    assert.doesNotMatch(all, /hunter2/);
    assert.match(all, /E-215 E_CONNACK_NOT_AUTHORIZED/);
  });
});
