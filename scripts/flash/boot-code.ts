/**
 * What `npm run flash` leaves in the board's Storage: the bundle as the file
 * BUNDLE_FILE, and BOOT_CODE as BOOT_FILE, the file Espruino runs at every
 * power-on (after the .boot0-3 files). CONFIG_FILE (firmware/app/config.ts)
 * is written by `npm run provision`.
 */
export const BUNDLE_FILE = "fabmqtt";
export const BOOT_FILE = ".bootcde";
/**
 * How the bundle is loaded: run from Storage at the global scope (its code
 * stays in flash, and its functions hold no link to a module's scope: about
 * 110 variables fewer on an ESP8266 than `require("fabmqtt")`); its exports
 * are then the global `fabmqtt`.
 */
export const LOAD_CODE = 'eval(require("Storage").read("' + BUNDLE_FILE + '"));\n';
/** The boot text: load the bundle, then start the device program. */
export const BOOT_CODE = LOAD_CODE + "fabmqtt.start();\n";
/**
 * Storage files that would stop or shadow BOOT_FILE: `.bootrst` runs instead of
 * `.bootcde` when present, and `.varimg` (written by save()) brings back an
 * older program's memory at boot. Flashing erases them.
 */
export const SHADOWING_FILES = [".bootrst", ".varimg"];
