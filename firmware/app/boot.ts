import * as E from "../../base/errors";
import type { DeviceBoard } from "../../boards/types";
import type { Hal } from "../../hal/types";
import { CONFIG_FILE, parseConfig } from "./config";
import { readSession } from "../session/persist";
import { DeviceProgram, SESSION_FILE, type Device, type DeviceOptions } from "./device";

/**
 * Boots the device: reads CONFIG_FILE from Storage, checks it, sets a bad
 * session file aside (SESSION_FILE + ".bad", the reason in the log), starts
 * WiFi, MQTT and the schedule (one repeating timer). Returns the running Device, or
 * a negative code (E_CONFIG with the bad field in the log, or the HAL's code
 * for a pin or sensor it refused) with nothing started.
 */
export function boot(hal: Hal, board: DeviceBoard, options?: DeviceOptions): Device | number {
  const config = parseConfig(hal.storage.read(CONFIG_FILE), board);
  if (typeof config === "string") {
    hal.log.error(E.E_CONFIG, config);
    return E.E_CONFIG;
  }
  const saved = config.persist ? hal.storage.read(SESSION_FILE) : null;
  let why = saved ? readSession(saved) : null;
  if (typeof why === "string") {
    hal.storage.write(SESSION_FILE + ".bad", saved as string);
    hal.storage.erase(SESSION_FILE);
    hal.log.error(E.E_STORAGE_FAILED, SESSION_FILE + ": " + why + " is not valid, set aside as " + SESSION_FILE + ".bad");
  }
  // Not kept while the client reads the session again.
  why = null;
  const device = new DeviceProgram(hal, board, config, options);
  const r = device.start();
  return r < 0 ? r : device;
}
