/**
 * Commands beyond one actuator, on the Node HAL against a real mosquitto on
 * 127.0.0.1: to the device itself (<root>cmd/restart, cmd/discovery) and to
 * every device with an actuator of a name (<base>/all/set/<actuator>).
 */
import assert from "node:assert/strict";
import { findBoard } from "../../boards/index";
import { toDeviceBoard } from "../../boards/device-view";
import { CONFIG_FILE, type Config } from "../../firmware/app/config";
import { boot } from "../../firmware/app/boot";
import type { Device } from "../../firmware/app/device";
import { createNodeHal, type NodeHal } from "../../hal/node/index";
import { startMosquitto, type Mosquitto } from "../../scripts/support/mosquitto";
import { closeLiveClients, startLiveClient, waitFor, type LiveClient } from "../../scripts/support/live-client";
import * as E from "../../base/errors";

const board = findBoard("esp8266-nodemcu")!;
let base = "cmd";
let runs = 0;

interface Running {
  hal: NodeHal;
  device: Device;
  /** How many times the platform restarted the firmware. */
  restarts: number;
}

describe("app: device commands and group commands, against mosquitto", function () {
  this.timeout(30000);
  let broker: Mosquitto;
  let watcher: LiveClient;
  let running: Running[] = [];

  /** Boots a device; with `canRestart` its platform restarts it by booting again from the same Storage, as a board's load() does. */
  function start(device: string, over: Partial<Config> = {}, canRestart = true): Running {
    const c: Config = {
      wifi: { ssid: "fablab", password: "w" },
      broker: { host: "127.0.0.1", port: broker.port, keepalive: 10 },
      device,
      base,
      diagPeriod: 0,
      actuators: [{ name: "relay", kind: "relay", pin: "D5", minSwitchMs: 0 }],
      ...over,
    };
    const r = { restarts: 0 } as Running;
    const again = () => {
      r.restarts++;
      const d = boot(r.hal, toDeviceBoard(board));
      assert.equal(typeof d, "object", r.hal.log.lines.join("\n"));
      r.device = d as Device;
    };
    r.hal = createNodeHal(board, { password: "w", ...(canRestart ? { restart: again } : {}) });
    r.hal.storage.write(CONFIG_FILE, JSON.stringify(c));
    const d = boot(r.hal, toDeviceBoard(board));
    assert.equal(typeof d, "object", r.hal.log.lines.join("\n"));
    r.device = d as Device;
    running.push(r);
    return r;
  }
  const got = (topic: string) => watcher.messages.filter((m) => m.topic === base + "/" + topic).map((m) => m.payload.toString());

  before(async () => {
    broker = await startMosquitto();
  });
  after(async () => {
    await broker.stop();
  });
  beforeEach(async () => {
    base = "cmd" + ++runs;
    watcher = startLiveClient(broker.port, { clientId: "watcher" });
    watcher.client.subscribe(base + "/#", 1);
    await waitFor(() => watcher.subacks.length === 1, "watcher subscribed");
  });
  afterEach(() => {
    for (const r of running) r.device.stop();
    running = [];
    closeLiveClients();
  });

  it("restarts on cmd/restart: offline, then the firmware boots again and comes back online", async () => {
    const r = start("dev1");
    await waitFor(() => got("dev1/status").length === 1, "online");
    watcher.client.publish(base + "/dev1/cmd/restart", "", 1, false);
    await waitFor(() => r.restarts === 1, "restarted");
    await waitFor(() => got("dev1/status").length === 3, "online again");
    assert.deepEqual(got("dev1/status"), ["online", "offline", "online"]);
    assert.match(r.hal.log.lines.join("\n"), /restart/);
    // The firmware that came back obeys commands.
    watcher.client.publish(base + "/dev1/set/relay", "ON", 1, false);
    await waitFor(() => r.hal.gpio.level("D5") === 1, "relay on after the restart");
  });

  it("ignores a retained cmd/restart (it would restart the board at every boot), and answers unknown commands", async () => {
    // (An empty retained message would clear the topic: a real one.)
    watcher.client.publish(base + "/dev1/cmd/restart", "1", 1, true);
    await waitFor(() => watcher.messages.length === 1, "retained restart stored");
    const r = start("dev1");
    await waitFor(() => got("dev1/status").length === 1, "online");
    watcher.client.publish(base + "/dev1/cmd/selfdestruct", "", 1, false);
    await waitFor(() => got("dev1/error").length === 1, "error reply");
    assert.deepEqual(JSON.parse(got("dev1/error")[0]), { source: "cmd/selfdestruct", code: E.E_COMMAND_UNKNOWN });
    assert.equal(r.restarts, 0);
    assert.match(r.hal.log.lines.join("\n"), /E-412 E_COMMAND_RETAINED: .*\(cmd\/restart\)/);
    watcher.client.publish(base + "/dev1/cmd/restart", "", 1, true); // clear the retained message
  });

  it("answers cmd/restart with E_COMMAND_UNKNOWN where the platform cannot restart, and keeps running", async () => {
    const r = start("dev1", {}, false);
    await waitFor(() => got("dev1/status").length === 1, "online");
    watcher.client.publish(base + "/dev1/cmd/restart", "", 1, false);
    await waitFor(() => got("dev1/error").length === 1, "error reply");
    assert.deepEqual(JSON.parse(got("dev1/error")[0]), { source: "cmd/restart", code: E.E_COMMAND_UNKNOWN });
    assert.deepEqual(got("dev1/status"), ["online"]);
    watcher.client.publish(base + "/dev1/set/relay", "ON", 1, false);
    await waitFor(() => r.hal.gpio.level("D5") === 1, "still obeys");
  });

  it("sends discovery again on cmd/discovery", async () => {
    start("dev1", { discovery: "ha" + runs });
    const ha = startLiveClient(broker.port, { clientId: "ha" });
    ha.client.subscribe("ha" + runs + "/+/dev1/+/config", 1);
    await waitFor(() => ha.messages.length === 1, "discovery of the relay");
    watcher.client.publish(base + "/dev1/cmd/discovery", "", 1, false);
    await waitFor(() => ha.messages.length === 2, "discovery again");
    assert.equal(ha.messages[1].payload.toString(), ha.messages[0].payload.toString());
  });

  it("takes <base>/all/set/<actuator> on every device that has that actuator; the others ignore it", async () => {
    const a = start("dev-a");
    const b = start("dev-b", { actuators: [{ name: "relay", kind: "relay", pin: "D12", minSwitchMs: 0 }] });
    const c = start("dev-c", { actuators: [{ name: "fan", kind: "pwm", pin: "D14" }] });
    await waitFor(() => got("dev-a/status").length + got("dev-b/status").length + got("dev-c/status").length === 3, "all online");
    watcher.client.publish(base + "/all/set/relay", "ON", 1, false);
    await waitFor(() => got("dev-a/state/relay").includes("ON") && got("dev-b/state/relay").includes("ON"), "both relays");
    assert.equal(a.hal.gpio.level("D5"), 1);
    assert.equal(b.hal.gpio.level("D12"), 1);
    watcher.client.publish(base + "/all/set/fan", "40", 1, false);
    await waitFor(() => c.hal.gpio.level("D14") === 0.4, "the fan");
    await new Promise((r) => setTimeout(r, 300));
    // No device answered a group command for an actuator it does not have.
    assert.deepEqual(got("dev-a/error").concat(got("dev-b/error"), got("dev-c/error")), []);
    // A device's own unknown actuator is still an error.
    watcher.client.publish(base + "/dev-c/set/relay", "ON", 1, false);
    await waitFor(() => got("dev-c/error").length === 1, "error reply");
    assert.equal(JSON.parse(got("dev-c/error")[0]).code, E.E_COMMAND_UNKNOWN_ACTUATOR);
  });
});
