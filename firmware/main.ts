import board from "board";
import { createEspruinoHal } from "../hal/espruino/index";
import { boot } from "./app/boot";
import type { Device } from "./app/device";

/**
 * The device bundle's entry. On the board the bundle is the Storage file
 * `fabmqtt`, and the boot file runs it at the global scope, then calls
 * `fabmqtt.start()` (scripts/flash/boot-code.ts). start()
 * reads the configuration from Storage, checks it, then runs WiFi, MQTT,
 * telemetry and commands; it returns the running device, or a negative code
 * (printed with the reason) when nothing could be started.
 */
export function start(): Device | number {
  return boot(createEspruinoHal(board), board);
}

/** The platform on the board, for programs of one's own and for the tests that run the bundle. */
export { createEspruinoHal };
