import { BOARD_CHIP } from "board";
import type { Power } from "../types";

declare const ESP8266: { deepSleep(us: number): void };
declare const ESP32: { deepSleep(us: number): void };
declare function setTimeout(fn: () => void, ms: number): number;
declare function load(): void;

/**
 * Deep sleep on the board: ESP8266.deepSleep (GPIO16 wired to RST wakes it)
 * and ESP32.deepSleep take microseconds, and the chip starts from its boot
 * code when the time is up. Espruino for Linux has none: load() after the
 * time, which clears memory and runs the boot code as a wake does. Never throws.
 */
export const espruinoPower: Power = {
  deepSleep: function (ms: number): void {
    if (BOARD_CHIP === "esp8266") ESP8266.deepSleep(ms * 1000);
    else if (BOARD_CHIP === "esp32") ESP32.deepSleep(ms * 1000);
    else setTimeout(load, ms);
  },
};
