/**
 * The HAL contract (test/support/hal-contract.ts) against every HAL: hal/node,
 * and hal/espruino as the board bundles carry it, run inside the Espruino
 * stand-in: the ESP32 bundle as built (a refused connect throws inside
 * Espruino's connect there) and the ESP8266 bundle minified, as it goes to the
 * board's Storage (268-byte chunks, a refused connect is an `error` event,
 * `connect` late so data can come first).
 */
import fs from "node:fs";
import path from "node:path";
import { BOARDS } from "../../boards/index";
import { toDeviceBoard } from "../../boards/device-view";
import type { DeviceBoard } from "../../boards/types";
import * as E from "../../base/errors";
import type { Hal } from "../../hal/types";
import { createNodeHal } from "../../hal/node/index";
import { createEspruinoContext, type StandinMode } from "../support/espruino-standin";
import { halContract, type ContractRig } from "../support/hal-contract";
import { waitFor } from "../../scripts/support/live-client";
import { startMosquitto, type Mosquitto } from "../../scripts/support/mosquitto";

const SSID = "fablab";
const PASSWORD = "contract-pass";

function boardById(id: string): DeviceBoard {
  const b = BOARDS.find((x) => x.id === id);
  if (!b) throw new Error("no board " + id);
  return toDeviceBoard(b);
}

/** Joins the rig's WiFi and waits for the link. */
async function joined(hal: Hal): Promise<void> {
  let up = false;
  const r = hal.wifi.join(SSID, PASSWORD, { onUp: () => (up = true), onDown: () => undefined });
  if (r !== 0) throw new Error("join gave " + r);
  await waitFor(() => up, "WiFi up");
}

async function nodeRig(): Promise<ContractRig> {
  const board = boardById("esp8266-nodemcu");
  const hal = createNodeHal(board, { ssid: SSID, password: PASSWORD });
  await joined(hal);
  return {
    hal,
    board,
    refusal: "event",
    resetReported: true,
    ssid: SSID,
    password: PASSWORD,
    setAccessPoint: (on) => hal.wifi.setAvailable(on),
    setInput: (pin, high) => hal.gpio.setInput(pin, high),
    setAnalog: (pin, v) => hal.gpio.setAnalog(pin, v),
    arrangeSensor(_kind, pin, outcome) {
      const code = outcome === "checksum" ? E.E_SENSOR_CHECKSUM : outcome === "timeout" ? E.E_SENSOR_TIMEOUT : outcome === "absent" ? E.E_SENSOR_NOT_FOUND : 0;
      hal.sensors.script(pin, [typeof outcome === "object" ? { a: outcome.temp, b: outcome.rh ?? 0 } : { code }]);
    },
    uncaught: () => [],
    dispose: () => undefined,
  };
}

function espruinoRig(boardId: string, file: string, mode: StandinMode, connectLate: boolean): () => Promise<ContractRig> {
  return async () => {
    const bundle = path.join(import.meta.dirname, "..", "..", "dist", boardId, file);
    if (!fs.existsSync(bundle)) throw new Error(bundle + " is missing: run npm run build");
    // Storage for the readable bundle too (over 192 KB, an ESP8266's Storage; boards carry the minified one).
    const esp = createEspruinoContext({ mode, ssid: SSID, password: PASSWORD, connectLate, storageBytes: 512 * 1024 });
    // As on the board: the bundle is the Storage file "fabmqtt", loaded with require().
    esp.upload("fabmqtt", fs.readFileSync(bundle, "utf8"));
    const board = boardById(boardId);
    const hal = esp.run('require("fabmqtt")').createEspruinoHal(board) as Hal;
    await joined(hal);
    return {
      hal,
      board,
      refusal: mode === "esp8266" ? "event" : "sync",
      resetReported: mode === "esp8266",
      ssid: SSID,
      password: PASSWORD,
      setAccessPoint: (on) => esp.wifi.setAvailable(on),
      setInput: (pin, high) => esp.pins.setInput(pin, high),
      setAnalog: (pin, v) => esp.pins.setAnalog(pin, v),
      arrangeSensor(kind, pin, outcome) {
        if (kind === "dht22") {
          esp.pins.dht22(
            pin,
            outcome === "timeout"
              ? "silent"
              : outcome === "checksum"
                ? { temp: 21, rh: 40, fault: "checksum" }
                : outcome === "absent"
                  ? "silent"
                  : { temp: outcome.temp, rh: outcome.rh ?? 0 },
          );
        } else {
          esp.ds18b20(
            pin,
            outcome === "absent" || outcome === "timeout"
              ? { tempC: 0, fault: "absent" }
              : outcome === "checksum"
                ? { tempC: 21, fault: "crc" }
                : { tempC: outcome.temp },
          );
        }
      },
      uncaught: () => esp.uncaught,
      dispose: () => esp.dispose(),
    };
  };
}

describe("HAL contract", function () {
  let broker: Mosquitto;
  before(async function () {
    this.timeout(20000);
    broker = await startMosquitto();
  });
  after(async function () {
    await broker?.stop();
  });
  const port = () => broker.port;

  halContract("hal/node (esp8266-nodemcu pins)", nodeRig, port);
  halContract("hal/espruino in the stand-in: esp32-devkitc/fabmqtt.js", espruinoRig("esp32-devkitc", "fabmqtt.js", "esp32", false), port);
  halContract("hal/espruino in the stand-in: esp8266-nodemcu/fabmqtt.min.js", espruinoRig("esp8266-nodemcu", "fabmqtt.min.js", "esp8266", true), port);
});
