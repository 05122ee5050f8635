import type { Board } from "./types";
import { ESP8266_CONSOLE_PINS, ESP8266_FLASH_PINS, ESP8266_LABELS, ESP8266_STRAPPING_PINS } from "./esp8266-pins";

/** Wemos (LOLIN) D1 mini (ESP-12F, 4 MB), Espruino ESP8266 4 MB firmware: about 1,600 variables, no TLS. */
const board: Board = {
  id: "wemos-d1-mini",
  name: "Wemos D1 mini (ESP8266)",
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
  // The LED on GPIO2 (silkscreen D4), lit on low; no user button.
  roles: { led: "D2" },
  activeLow: ["led"],
};

export default board;
