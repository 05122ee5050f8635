/**
 * What `npm run flash` leaves in the board's Storage: the bundle as the module
 * file BUNDLE_FILE, and BOOT_CODE as BOOT_FILE, the file Espruino runs at every
 * power-on (after the .boot0-3 files). CONFIG_FILE (firmware/app/config.ts)
 * is written by `npm run provision`.
 */
export const BUNDLE_FILE = "fabmqtt";
export const BOOT_FILE = ".bootcde";
/** The boot text: load the bundle from Storage and start the device program. */
export const BOOT_CODE = 'require("fabmqtt").start();\n';
/**
 * Storage files that would stop or shadow BOOT_FILE: `.bootrst` runs instead of
 * `.bootcde` when present, and `.varimg` (written by save()) brings back an
 * older program's memory at boot. Flashing erases them.
 */
export const SHADOWING_FILES = [".bootrst", ".varimg"];
