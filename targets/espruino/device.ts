import board from "board";
import { createEspruinoHal } from "../../hal/espruino/index";
import { espruinoLog } from "../../hal/espruino/log";
import { boot } from "../../firmware/app/boot";
import type { Device } from "../../firmware/app/device";
import type { Client } from "../../firmware/session/client";
import type { DeviceBoard } from "../../boards/types";
import type { Hal } from "../../hal/types";
import { E_STARTED } from "../../base/errors";

/**
 * Put in place by the build (BOOT_ONLY_* in build/memory-lists.mjs): drops the
 * functions, class constructors and methods that only starting uses, and the
 * members of the platform and the board that only starting reads, so that
 * their variables are free while the firmware runs.
 */
declare function releaseBootCode(hal: Hal, board: DeviceBoard): void;

/**
 * The device as start() leaves it: the code only starting uses is gone
 * (BOOT_ONLY_METHODS in build/memory-lists.mjs), so it has no start() any more, and
 * its client no subscribe() or unsubscribe() (the client renews its
 * subscriptions from its own table at every connect).
 */
export type RunningDevice = Omit<Device, "start" | "client"> & { client: Omit<Client, "subscribe" | "unsubscribe"> };

/**
 * The device bundle's entry. On the board the bundle is the Storage file
 * `fabmqtt`, and the boot file runs it at the global scope, then calls
 * `fabmqtt.start()` (scripts/flash/boot-code.ts). start() reads the
 * configuration from Storage, checks it, then runs WiFi, MQTT, telemetry and
 * commands; it returns the running device, or a negative code (printed with
 * the reason) when nothing could be started. It runs once per load of the
 * bundle: it then frees the code only starting needs (configuration checks,
 * constructors, the methods only the device's start calls) and the board's
 * fields only starting reads, and `createEspruinoHal` with them; a second call
 * is E_STARTED.
 */
export function start(): RunningDevice | number {
  if (typeof boot !== "function") {
    espruinoLog.error(E_STARTED, "start");
    return E_STARTED;
  }
  const hal = createEspruinoHal(board);
  const device = boot(hal, board);
  releaseBootCode(hal, board);
  return device;
}

/** The platform on the board, for programs of one's own (instead of start(), which frees parts of it) and for the tests that run the bundle. */
export { createEspruinoHal };
