import type { Board } from "./types";
import { ESP8266_4MB } from "./esp8266-pins";

/** NodeMCU v2/v3 (ESP-12E/F), Espruino ESP8266 4 MB firmware: about 1,600 variables, no TLS. */
const board: Board = {
  id: "esp8266-nodemcu",
  name: "NodeMCU (ESP8266)",
  ...ESP8266_4MB,
  bundleBudget: 210000,
  // Espruino's ESP8266 4 MB firmware keeps Storage in 48 pages of 4 KB (192 KB):
  // the bundle, the configuration and the session file share it.
  // 64 KB leaves room for a second image during an update over MQTT (2 x 64 KB) next to them.
  minBundleBudget: 64000,
  // The ESP-12 module's LED on GPIO2 (silkscreen D4) and the FLASH button on GPIO0 (D3).
  roles: { led: "D2", button: "D0" },
  activeLow: ["led", "button"],
};

export default board;
