/**
 * Remote configuration (<root>config/set) on the Node HAL against a real
 * mosquitto on 127.0.0.1: a change checked and answered on config/result,
 * the restart into it, the configuration kept once it reached the broker,
 * and the way back when it does not (a bound on the clock, or a restart
 * before it connected).
 */
import assert from "node:assert/strict";
import { findBoard } from "../../boards/index";
import { toDeviceBoard } from "../../boards/device-view";
import { CONFIG_FILE, type Config } from "../../firmware/app/config";
import { boot } from "../../firmware/app/boot";
import type { Device } from "../../firmware/app/device";
import { CONFIG_RESULT_FILE, CONFIG_TRIAL_MS, CONFIG_TRY_FILE } from "../../firmware/app/remote-config";
import { createNodeHal, type NodeHal } from "../../hal/node/index";
import { startMosquitto, type Mosquitto } from "../../scripts/support/mosquitto";
import { closeLiveClients, startWatcher, waitFor, type LiveClient } from "../../scripts/support/live-client";
import * as E from "../../base/errors";

const board = findBoard("esp8266-nodemcu")!;
let base = "rc";
let runs = 0;

describe("app: remote configuration (config/set), against mosquitto", function () {
  this.timeout(30000);
  let broker: Mosquitto;
  let watcher: LiveClient;
  let hal: NodeHal;
  let device: Device | null = null;
  let restarts = 0;
  /** Added to the clock: moves the device's time forward without waiting. */
  let skew = 0;

  function start(over: Partial<Config> = {}): void {
    const c: Config = {
      wifi: { ssid: "fablab", password: "wifi-secret" },
      broker: { host: "127.0.0.1", port: broker.port, keepalive: 10, username: "board", password: "mqtt-secret" },
      device: "dev1",
      base,
      discovery: "",
      diagPeriod: 0,
      actuators: [{ name: "relay", kind: "relay", pin: "D5", minSwitchMs: 0 }],
      ...over,
    };
    const again = () => {
      restarts++;
      const d = boot(hal, toDeviceBoard(board));
      device = typeof d === "number" ? null : d;
    };
    hal = createNodeHal(board, { password: "wifi-secret", clock: { now: () => Date.now() + skew }, restart: again });
    hal.storage.write(CONFIG_FILE, JSON.stringify(c));
    const d = boot(hal, toDeviceBoard(board));
    assert.equal(typeof d, "object", hal.log.lines.join("\n"));
    device = d as Device;
  }
  const got = (topic: string) => watcher.messages.filter((m) => m.topic === base + "/dev1/" + topic).map((m) => m.payload.toString());
  const stored = () => JSON.parse(hal.storage.read(CONFIG_FILE)!);
  const set = (change: unknown, retain = false) =>
    watcher.client.publish(base + "/dev1/config/set", typeof change === "string" ? change : JSON.stringify(change), 1, retain);

  before(async () => {
    broker = await startMosquitto({ passwords: { board: "mqtt-secret", watcher: "w" } });
  });
  after(async () => {
    await broker.stop();
  });
  beforeEach(async () => {
    base = "rc" + ++runs;
    restarts = 0;
    skew = 0;
    watcher = await startWatcher(broker.port, base + "/#", { username: "watcher", password: "w" });
  });
  afterEach(() => {
    if (device) device.stop();
    device = null;
    closeLiveClients();
  });

  it("shows the configuration in force, retained, with its passwords masked", async () => {
    start();
    await waitFor(() => got("config").length === 1, "config");
    const shown = JSON.parse(got("config")[0]);
    assert.equal(shown.wifi.password, "***");
    assert.equal(shown.broker.password, "***");
    assert.equal(shown.broker.username, "board");
    assert.equal(shown.device, "dev1");
    assert.doesNotMatch(got("config")[0], /secret/);
    // Then the firmware's version, retained too.
    await waitFor(() => got("version").length === 1, "version");
    assert.equal(got("version")[0], "0.1.0+dev");
  });

  it("checks a change, answers ok, restarts into it and keeps it once it reached the broker", async () => {
    start();
    await waitFor(() => got("status").length === 1 && got("config").length === 1, "online, the config shown");
    set({ diagPeriod: 60, actuators: [{ name: "fan", kind: "pwm", pin: "D14" }], broker: { password: "mqtt-secret" } });
    await waitFor(() => got("config/result").length === 2, "the answer, then the trial kept");
    assert.deepEqual(
      got("config/result").map((t) => JSON.parse(t)),
      [{ ok: true }, { ok: true, kept: true }],
    );
    assert.equal(restarts, 1);
    assert.deepEqual(got("status"), ["online", "offline", "online"]);
    const c = stored();
    assert.equal(c.diagPeriod, 60);
    assert.deepEqual(c.actuators, [{ name: "fan", kind: "pwm", pin: "D14" }]);
    // broker changed field by field: the host, port and username stay.
    assert.equal(c.broker.username, "board");
    assert.equal(c.broker.port, broker.port);
    assert.equal(hal.storage.read(CONFIG_TRY_FILE), null);
    assert.equal(hal.storage.read(CONFIG_RESULT_FILE), null);
    // The new configuration is the one running: its fan obeys, and the config shown is the new one.
    watcher.client.publish(base + "/dev1/set/fan", "30", 1, false);
    await waitFor(() => hal.gpio.level("D14") === 0.3, "the fan of the new configuration");
    await waitFor(() => got("config").length === 2, "the new config shown");
    assert.equal(JSON.parse(got("config")[1]).diagPeriod, 60);
    // The secrets of the change were never echoed (config/set is the watcher's own message).
    const echoed = watcher.messages.filter((m) => !m.topic.endsWith("/config/set") && m.payload.toString().includes("secret"));
    assert.deepEqual(
      echoed.map((m) => m.topic),
      [],
    );
  });

  it("refuses a change its board cannot take, naming the field, and keeps running on the configuration in force", async () => {
    start();
    await waitFor(() => got("status").length === 1, "online");
    const before = hal.storage.read(CONFIG_FILE);
    set({ actuators: [{ name: "fan", kind: "pwm", pin: "D99" }] });
    set("not json");
    set([1, 2]);
    set({ broker: { port: 70000 } });
    await waitFor(() => got("config/result").length === 4, "four answers");
    const answers = got("config/result").map((t) => JSON.parse(t));
    assert.deepEqual(
      answers.map((a) => [a.ok, a.field, a.code]),
      [
        [false, "actuators[0].pin", E.E_CONFIG],
        [false, "config", E.E_CONFIG],
        [false, "config", E.E_CONFIG],
        [false, "broker.port", E.E_CONFIG],
      ],
    );
    assert.match(answers[0].error, /D99 is not a usable pin/);
    assert.equal(restarts, 0);
    assert.equal(hal.storage.read(CONFIG_FILE), before);
    assert.equal(hal.storage.read(CONFIG_TRY_FILE), null);
    assert.deepEqual(got("status"), ["online"]);
  });

  it("ignores a retained config/set, which would apply again at every boot", async () => {
    set({ diagPeriod: 60 }, true);
    await waitFor(() => watcher.messages.length === 1, "retained change stored");
    start();
    await waitFor(() => got("status").length === 1, "online");
    await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual(got("config/result"), []);
    assert.equal(restarts, 0);
    assert.match(hal.log.lines.join("\n"), /E-412 E_COMMAND_RETAINED: .*\(config\/set\)/);
    set("", true); // clear the retained message
  });

  it("goes back to the configuration in force when the new one does not reach the broker in time, and says so", async () => {
    start();
    await waitFor(() => got("status").length === 1, "online");
    const before = hal.storage.read(CONFIG_FILE);
    // A sound configuration whose broker refuses the device: a wrong password.
    set({ broker: { password: "wrong" } });
    await waitFor(() => got("config/result").length === 1 && restarts === 1, "accepted, restarted");
    assert.deepEqual(JSON.parse(got("config/result")[0]), { ok: true });
    await waitFor(() => /E-403|refused|E-2/.test(hal.log.lines.slice(-3).join("\n")), "the trial failing to connect");
    skew += CONFIG_TRIAL_MS;
    await waitFor(() => restarts === 2, "the restart after the bound");
    await waitFor(() => got("config/result").length === 2, "the rollback said");
    assert.deepEqual(JSON.parse(got("config/result")[1]).code, E.E_CONFIG_ROLLED_BACK);
    assert.equal(hal.storage.read(CONFIG_FILE), before);
    assert.equal(hal.storage.read(CONFIG_TRY_FILE), null);
    assert.equal(hal.storage.read(CONFIG_RESULT_FILE), null, "the answer is erased once published");
    assert.deepEqual(got("status"), ["online", "offline", "online"]);
  });

  it("goes back when the board restarts (a power cut) before the new configuration reached the broker", async () => {
    start();
    await waitFor(() => got("status").length === 1, "online");
    const before = hal.storage.read(CONFIG_FILE);
    set({ broker: { password: "wrong" } });
    await waitFor(() => restarts === 1, "restarted into the trial");
    // A power cut: the running trial is gone, the board boots from Storage.
    device!.stop();
    const d = boot(hal, toDeviceBoard(board));
    assert.equal(typeof d, "object", hal.log.lines.join("\n"));
    device = d as Device;
    await waitFor(() => got("config/result").length === 2, "the rollback said");
    assert.equal(JSON.parse(got("config/result")[1]).code, E.E_CONFIG_ROLLED_BACK);
    assert.equal(hal.storage.read(CONFIG_FILE), before);
    assert.equal(hal.storage.read(CONFIG_TRY_FILE), null);
  });
});
