import type { Board } from "./types";

/** NodeMCU v2/v3 (ESP-12E/F), Espruino ESP8266 4 MB firmware: about 1,600 variables. */
const board: Board = {
  id: "esp8266-nodemcu",
  name: "NodeMCU (ESP8266)",
  chip: "esp8266",
  variables: 1600,
  bundleBudget: 120000,
  minBundleBudget: 24000,
  txBufferSize: 512,
  maxPacketSize: 1024,
  inflightWindow: 2,
  tls: false,
};

export default board;
