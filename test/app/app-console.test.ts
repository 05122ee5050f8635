/**
 * The board's remote console: the device closes Espruino's telnet console
 * (port 23, no password, the whole WiFi could read the configuration with
 * both passwords from Storage) when it starts, unless the configuration
 * keeps it for development (console: "telnet").
 */
import assert from "node:assert/strict";
import { findBoard } from "../../boards/index";
import { toDeviceBoard } from "../../boards/device-view";
import { CONFIG_FILE, type Config } from "../../firmware/app/config";
import { boot } from "../../firmware/app/boot";
import type { Device } from "../../firmware/app/device";
import { createNodeHal, type NodeHal } from "../../hal/node/index";
import { createManualTime } from "../../hal/node/timers";
import { FakeNet } from "../../scripts/support/fake-net";
import * as E from "../../base/errors";

const board = findBoard("esp8266-nodemcu")!;

function config(over: Partial<Config> = {}): Config {
  return {
    wifi: { ssid: "fablab", password: "pw" },
    broker: { host: "127.0.0.1", port: 1883 },
    device: "dev1",
    discovery: "",
    actuators: [{ name: "relay", kind: "relay", pin: "D5" }],
    ...over,
  };
}

/** Boots the device on the Node HAL (manual clock, a net nobody answers, `prepare` done to it) with `c` in Storage. */
function bootWith(c: Config | string, prepare?: (hal: NodeHal) => void): { hal: NodeHal; result: Device | number } {
  const time = createManualTime();
  const hal = createNodeHal(board, { clock: time.clock, timers: time.timers, net: new FakeNet() });
  if (prepare) prepare(hal);
  hal.storage.write(CONFIG_FILE, typeof c === "string" ? c : JSON.stringify(c));
  const result = boot(hal, toDeviceBoard(board), { random: () => 0 });
  if (typeof result === "object") result.stop();
  return { hal, result };
}

describe("app: the remote console", () => {
  it("is closed when the device starts", () => {
    const { hal, result } = bootWith(config());
    assert.equal(typeof result, "object", hal.log.lines.join("\n"));
    assert.equal(hal.consoleCloses(), 1);
  });

  it('is closed with console: "off" as well', () => {
    const { hal } = bootWith(config({ console: "off" }));
    assert.equal(hal.consoleCloses(), 1);
  });

  it('is kept open with console: "telnet", for development', () => {
    const { hal, result } = bootWith(config({ console: "telnet" }));
    assert.equal(typeof result, "object", hal.log.lines.join("\n"));
    assert.equal(hal.consoleCloses(), 0);
  });

  it("is closed even when starting then fails on a sensor the platform refuses", () => {
    const sensors = [{ name: "probe", kind: "ds18b20" as const, pin: "D4", period: 10 }];
    const { hal, result } = bootWith(config({ sensors }), (h) => (h.sensors.open = () => E.E_SENSOR_NOT_FOUND));
    assert.equal(result, E.E_SENSOR_NOT_FOUND);
    assert.equal(hal.consoleCloses(), 1);
  });

  it("stays open when there is no valid configuration (so that the board can be provisioned)", () => {
    const { hal, result } = bootWith("{");
    assert.equal(result, E.E_CONFIG);
    assert.equal(hal.consoleCloses(), 0);
  });
});
