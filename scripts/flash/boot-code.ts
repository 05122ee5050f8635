import { IMAGE_A, IMAGE_B, IMAGE_FILE, OTA_RESULT_FILE, OTA_TRIAL_FILE, TRIAL_MARK } from "../../firmware/app/ota";

/**
 * What `npm run flash` leaves in the board's Storage: the bundle as the file
 * BUNDLE_FILE, and BOOT_CODE as BOOT_FILE, the file Espruino runs at every
 * power-on (after the .boot0-3 files). CONFIG_FILE (firmware/app/config.ts)
 * is written by `npm run provision`.
 */
export const BUNDLE_FILE = IMAGE_A;
export const BOOT_FILE = ".bootcde";
/**
 * How the bundle is loaded: run from Storage at the global scope (its code
 * stays in flash, and its functions hold no link to a module's scope: about
 * 110 variables fewer on an ESP8266 than `require("fabmqtt")`); its exports
 * are then the global `fabmqtt`.
 */
export const LOAD_CODE = 'eval(require("Storage").read("' + BUNDLE_FILE + '"));\n';
const A = JSON.stringify(IMAGE_A);
const B = JSON.stringify(IMAGE_B);
const TRIAL = JSON.stringify(OTA_TRIAL_FILE);
/**
 * Which image the boot runs (firmware/app/ota.ts): the one IMAGE_FILE names
 * (IMAGE_B, or else IMAGE_A); but an image on trial, named by
 * OTA_TRIAL_FILE and not yet marked, is marked then run, once; a trial found
 * marked (it ran and never reached the broker) or torn is erased, and the
 * image in force runs. A missing image gives way to the other. Names
 * are compared, never passed on: a String Storage gives lies in flash, and
 * changes when its file is written. One
 * expression whose function is let go once it has answered: nothing stays
 * in the board's memory, and the image still runs at the global scope.
 */
export const IMAGE_CHOICE =
  "function(s){var f=s.read(" +
  JSON.stringify(IMAGE_FILE) +
  ")==" +
  B +
  "?" +
  B +
  ":" +
  A +
  ",c=f==" +
  A +
  "?" +
  B +
  ":" +
  A +
  ",t=s.read(" +
  TRIAL +
  ");" +
  "if(t==c&&s.read(c)){s.write(" +
  TRIAL +
  ",c+" +
  JSON.stringify(TRIAL_MARK) +
  ");return c}" +
  "if(t)s.erase(" +
  TRIAL +
  ");" +
  'return s.read(f)?f:c}(require("Storage"))';
/** The boot text: load the image IMAGE_CHOICE names, then start the device program. */
export const BOOT_CODE = 'eval(require("Storage").read(' + IMAGE_CHOICE + "));\nfabmqtt.start();\n";
/**
 * Storage files that would stop or shadow BOOT_FILE or the bundle flashed:
 * `.bootrst` runs instead of `.bootcde` when present, `.varimg` (written by
 * save()) brings back an older program's memory at boot, and the files of an
 * update (another image in force or on trial, its answer). Flashing erases
 * them.
 */
export const SHADOWING_FILES = [".bootrst", ".varimg", IMAGE_FILE, OTA_TRIAL_FILE, OTA_RESULT_FILE, IMAGE_B];
