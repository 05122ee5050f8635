import type { Board } from "./types";
import { ESP8266_CONSOLE_PINS, ESP8266_FLASH_PINS, ESP8266_LABELS, ESP8266_STRAPPING_PINS } from "./esp8266-pins";

/** NodeMCU v2/v3 (ESP-12E/F), Espruino ESP8266 4 MB firmware: about 1,600 variables, no TLS. */
const board: Board = {
  id: "esp8266-nodemcu",
  name: "NodeMCU (ESP8266)",
  chip: "esp8266",
  variables: 1600,
  bundleBudget: 160000,
  minBundleBudget: 40000,
  txBufferSize: 512,
  maxPacketSize: 1024,
  inflightWindow: 2,
  sendQueueBytes: 1024,
  tls: false,
  labels: ESP8266_LABELS,
  adcPins: ["A0"],
  inputOnlyPins: ["A0"],
  flashPins: ESP8266_FLASH_PINS,
  strappingPins: ESP8266_STRAPPING_PINS,
  consolePins: ESP8266_CONSOLE_PINS,
  // The ESP-12 module's LED on GPIO2 (silkscreen D4) and the FLASH button on GPIO0 (D3).
  roles: { led: "D2", button: "D0" },
  activeLow: ["led", "button"],
};

export default board;
