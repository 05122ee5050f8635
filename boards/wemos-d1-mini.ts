import type { Board } from "./types";
import { ESP8266_4MB } from "./esp8266-pins";

/** Wemos (LOLIN) D1 mini (ESP-12F, 4 MB), Espruino ESP8266 4 MB firmware: about 1,600 variables, no TLS. */
const board: Board = {
  id: "wemos-d1-mini",
  name: "Wemos D1 mini (ESP8266)",
  ...ESP8266_4MB,
  bundleBudget: 210000,
  // Espruino's ESP8266 4 MB firmware keeps Storage in 48 pages of 4 KB (192 KB):
  // the bundle, the configuration and the session file share it.
  // 56 KB leaves room for a second image during an update (2 x 56 KB) next to them.
  minBundleBudget: 64000,
  // The LED on GPIO2 (silkscreen D4), lit on low; no user button.
  roles: { led: "D2" },
  activeLow: ["led"],
};

export default board;
