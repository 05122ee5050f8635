import * as E from "../../base/errors";
import type { DeviceBoard } from "../../boards/types";
import type { Hal } from "../../hal/types";
import { CONFIG_FILE, parseConfig, type Config } from "./config";
import { CONFIG_RESULT_FILE, CONFIG_TRIAL_MS, CONFIG_TRY_FILE } from "./remote-config";
import { readSession } from "../session/persist";
import { OTA_TRIAL_FILE, TRIAL_MARK } from "./ota";
import { DeviceProgram, SESSION_FILE, type Device, type DeviceOptions } from "./device";

/**
 * Boots the device: reads CONFIG_FILE from Storage (or a configuration on
 * trial, CONFIG_TRY_FILE, at its first boot: one that fails to start, or is
 * found at a later boot, is dropped for CONFIG_FILE), checks it, sets a bad
 * session file aside (SESSION_FILE + ".bad", the reason in the log), starts
 * WiFi, MQTT and the schedule (one repeating timer). Returns the running Device, or
 * a negative code (E_CONFIG with the bad field in the log, or the HAL's code
 * for a pin or sensor it refused) with nothing started.
 */
export function boot(hal: Hal, board: DeviceBoard, options?: DeviceOptions): Device | number {
  const storage = hal.storage;
  // A configuration set remotely is on trial until it reaches the broker: at
  // its first boot the rollback's answer is written beforehand, and the
  // device erases it once connected; found at a later boot, the trial failed
  // (remote-config.ts).
  // An image on trial (ota.ts), marked by the boot code that booted it, has the same bound.
  const image = storage.read(OTA_TRIAL_FILE);
  const imageTrial = image !== null && image.charAt(image.length - 1) === TRIAL_MARK;
  const trial = storage.read(CONFIG_TRY_FILE);
  if (trial !== null && storage.read(CONFIG_RESULT_FILE) === null) {
    storage.write(
      CONFIG_RESULT_FILE,
      '{"ok":false,"code":' + E.E_CONFIG_ROLLED_BACK + ',"error":"the new configuration did not reach the broker: back to the last one that did"}',
    );
    const tried = startDevice(hal, board, parseConfig(trial, board), options, true);
    if (typeof tried !== "number") return tried;
    hal.log.error(E.E_CONFIG_ROLLED_BACK, CONFIG_TRY_FILE);
  } else if (trial !== null) hal.log.error(E.E_CONFIG_ROLLED_BACK, CONFIG_TRY_FILE);
  if (trial !== null) storage.erase(CONFIG_TRY_FILE);
  const device = startDevice(hal, board, parseConfig(storage.read(CONFIG_FILE), board), options, imageTrial);
  // An image on trial that cannot start goes back to the one before at once (the boot code does).
  if (typeof device === "number" && imageTrial && hal.restart) hal.restart();
  return device;
}

/** Starts the device on `config` (a parsed configuration, or why it is not one); `trial` when it or the image is on trial. Returns the Device, or the negative code with nothing started. */
function startDevice(hal: Hal, board: DeviceBoard, config: Config | string, options: DeviceOptions | undefined, trial: boolean): Device | number {
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
  if (trial) device.restartAt_ = hal.clock.now() + CONFIG_TRIAL_MS;
  const r = device.start();
  return r < 0 ? r : device;
}
