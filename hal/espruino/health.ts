import { BOARD_CHIP } from "board";
import type { Health } from "../types";

declare const process: { memory(): { free: number } };
declare function require(name: string): { getDetails(): { rssi?: number } | undefined };

/**
 * The board's health for the diagnostics: free variables (process.memory(),
 * which collects garbage first) and, on ESP32 and ESP8266, the station's RSSI
 * in dBm from the Wifi module's details. Never throws: a field the firmware
 * cannot read is left out.
 */
export function espruinoHealth(): Health {
  const h: Health = { free: process.memory().free };
  if (BOARD_CHIP !== "linux") {
    try {
      const d = require("Wifi").getDetails();
      if (d && typeof d.rssi === "number") h.rssi = d.rssi;
    } catch (e) {
      // No Wifi module or no details: no RSSI.
    }
  }
  return h;
}
