import fs from "node:fs";
import path from "node:path";
import { minify } from "terser";

/**
 * The modules the interpreter scripts compare (bench:espruino,
 * profile:espruino): fabmqtt's minified library from `dist`, and Espruino's
 * MQTT module from the folder in ESPRUINO_MODULES_DIR (EspruinoDocs'
 * modules/), minified with this project's terser, as [label, code] pairs.
 * Without that folder, MQTT is left out and the script says so.
 */
export async function comparedModules(dist: string): Promise<[string, string][]> {
  const modules: [string, string][] = [["fabmqtt (dist/modules, min)", fs.readFileSync(path.join(dist, "modules", "fabmqtt.min.js"), "latin1")]];
  const dir = process.env.ESPRUINO_MODULES_DIR;
  if (dir && fs.existsSync(path.join(dir, "MQTT.js")))
    modules.push([
      "Espruino MQTT (min)",
      (await minify(fs.readFileSync(path.join(dir, "MQTT.js"), "latin1"), { ecma: 5, compress: true, mangle: true })).code as string,
    ]);
  else console.log("Espruino's MQTT left out: set ESPRUINO_MODULES_DIR to a folder holding MQTT.js (EspruinoDocs' modules/).");
  return modules;
}
