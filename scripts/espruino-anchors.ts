/**
 * fabmqtt's library side by side with Espruino's own MQTT modules, on the same
 * interpreter, in the same run, driven by the same script: `MQTT.js` and
 * `tinyMQTT.js` are read from the folder in ESPRUINO_MODULES_DIR (EspruinoDocs'
 * modules/, fetched outside this repository and never committed), minified with
 * this project's terser, and written to Storage as fabmqtt's minified library
 * is; each is then loaded with require() as code on a board loads a module.
 *
 * The script, per module, in a fresh interpreter: require (figure "loaded"),
 * create and connect to a mosquitto on 127.0.0.1, subscribe, and one second
 * after the connect the figure "connected"; then 1,000 QoS 0 publishes of 32
 * bytes in batches of 10 per setTimeout(..., 0), 200 at QoS 1 and 100 at QoS 2
 * (tinyMQTT has QoS 0 only). A publish that a module refuses (a negative code:
 * fabmqtt's bounded queue is full) is tried again in the next batch. The
 * highest usage is sampled every 100 messages; "after" is taken 3 s after the
 * last publish. A subscriber on the host counts what reached the broker and
 * when: a rate is messages per second between the first and the last arrival
 * of that QoS.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { minify } from "terser";
import mqtt from "mqtt";
import { putEspruinoStorage, runEspruinoOnce } from "./espruino-run";

export interface AnchorRow {
  module: string;
  bytes: number;
  loaded: string;
  connected: string;
  highest: string;
  after: string;
  qos0: string;
  qos1: string;
  qos2: string;
}

const PHASES: [number, number][] = [
  [0, 1000],
  [1, 200],
  [2, 100],
];

/** The driving script for the module in Storage file `name`. */
function driver(name: string, port: number, clientId: string, qosLevels: number): string {
  const phases = JSON.stringify(PHASES.filter((p) => p[0] < qosLevels));
  return (
    'function mem(what) { print("MEM " + what + " " + process.memory().usage); }\n' +
    "var peak = 0, phases = " +
    phases +
    ', ph = 0, n = 0, sent = 0, PAY = "0123456789abcdef0123456789abcdef";\n' +
    "function sample() { var u = process.memory().usage; if (u > peak) peak = u; }\n" +
    'function done() { sample(); mem("after"); print("MEM peak " + peak); quit(); }\n' +
    'function pub(qos) { var r = qos ? c.publish("anchor/q" + qos, PAY, { qos: qos }) : c.publish("anchor/q0", PAY); return !(typeof r === "number" && r < 0); }\n' +
    "function batch() {\n" +
    "  for (var k = 0; k < 10 && n < phases[ph][1]; k++) { if (!pub(phases[ph][0])) break; n++; sent++; if (sent % 100 === 0) sample(); }\n" +
    "  if (n >= phases[ph][1]) { ph++; n = 0; if (ph >= phases.length) { setTimeout(done, 3000); return; } }\n" +
    "  setTimeout(batch, 0);\n" +
    "}\n" +
    'mem("before"); var M = require(' +
    JSON.stringify(name) +
    '); mem("loaded");\n' +
    'var c = M.create("127.0.0.1", { port: ' +
    port +
    ", client_id: " +
    JSON.stringify(clientId) +
    ", keep_alive: 60 });\n" +
    'c.on("connected", function () { c.subscribe("anchor/in", { qos: 1 }); setTimeout(function () { mem("connected"); sample(); batch(); }, 1000); });\n' +
    "c.connect();\n" +
    'setTimeout(function () { print("FAILED: timed out"); quit(); }, 60000);\n'
  );
}

/** Messages per second between the first and the last arrival; "-" with fewer than 2. */
function rate(times: number[]): string {
  if (times.length < 2) return times.length + " arrived";
  const s = (times[times.length - 1] - times[0]) / 1000;
  return Math.round((times.length - 1) / s) + " (" + times.length + ")";
}

/** Runs one module through the driver; its figures, or "-" with the interpreter's last words. */
async function measureModule(bin: string, port: number, label: string, storageName: string, code: string, qosLevels: number): Promise<AnchorRow> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fabmqtt-anchor-"));
  const arrivals: number[][] = [[], [], []];
  const sub = mqtt.connect("mqtt://127.0.0.1:" + port, { clientId: "anchor-counter-" + label.replace(/\W/g, ""), clean: true });
  await new Promise<void>((resolve, reject) => {
    sub.on("connect", () => sub.subscribe("anchor/#", { qos: 0 }, (e) => (e ? reject(e) : resolve())));
    sub.on("error", reject);
  });
  sub.on("message", (topic) => {
    const q = Number(topic.slice("anchor/q".length));
    if (q >= 0 && q <= 2) arrivals[q].push(Date.now());
  });
  try {
    await putEspruinoStorage(bin, dir, storageName, code);
    const out = await runEspruinoOnce(bin, dir, driver(storageName, port, "anchor-" + label.replace(/\W/g, ""), qosLevels), 70000);
    await new Promise((r) => setTimeout(r, 500));
    const mem = new Map<string, number>();
    for (const m of out.matchAll(/MEM (\S+) (\d+)/g)) mem.set(m[1], Number(m[2]));
    const base = mem.get("before");
    const fig = (k: string) => (base !== undefined && mem.has(k) ? String((mem.get(k) as number) - base) : "-");
    if (!mem.has("after"))
      console.log(
        "  " +
          label +
          ": " +
          out
            .split("\n")
            .filter((l) => /FAILED|Error|MEMORY/.test(l))
            .slice(0, 3)
            .join(" | "),
      );
    return {
      module: label,
      bytes: Buffer.byteLength(code, "latin1"),
      loaded: fig("loaded"),
      connected: fig("connected"),
      highest: fig("peak"),
      after: fig("after"),
      qos0: rate(arrivals[0]),
      qos1: qosLevels > 1 ? rate(arrivals[1]) : "-",
      qos2: qosLevels > 2 ? rate(arrivals[2]) : "-",
    };
  } finally {
    sub.end(true);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Prints the side-by-side table for fabmqtt's library (dist/modules) and the
 * anchors in ESPRUINO_MODULES_DIR; without that folder it says what it
 * skipped and measures fabmqtt alone. Returns the rows (never throws for a
 * module that fails to run: its figures are "-").
 */
export async function compareWithAnchors(bin: string, port: number, dist: string): Promise<AnchorRow[]> {
  const rows: AnchorRow[] = [];
  rows.push(
    await measureModule(bin, port, "fabmqtt (dist/modules, min)", "fabmqtt", fs.readFileSync(path.join(dist, "modules", "fabmqtt.min.js"), "latin1"), 3),
  );
  const dir = process.env.ESPRUINO_MODULES_DIR;
  if (!dir)
    console.log("\nSkipped Espruino's MQTT and tinyMQTT: set ESPRUINO_MODULES_DIR to a folder holding MQTT.js and tinyMQTT.js (EspruinoDocs' modules/).");
  else {
    for (const [file, levels] of [
      ["MQTT.js", 3],
      ["tinyMQTT.js", 1],
    ] as [string, number][]) {
      const source = path.join(dir, file);
      if (!fs.existsSync(source)) {
        console.log("\nSkipped " + file + ": not in " + dir);
        continue;
      }
      const min = await minify(fs.readFileSync(source, "latin1"), { ecma: 5, compress: true, mangle: true });
      rows.push(await measureModule(bin, port, "Espruino " + file.replace(/\.js$/, "") + " (min)", file.replace(/\.js$/, ""), min.code as string, levels));
    }
  }
  console.log(
    "\nfabmqtt's library and Espruino's modules, same script, same run (variables above the script's own; rates: messages arriving at the broker per second, (how many arrived)):",
  );
  console.log(
    "| module | bytes | loaded | connected | highest | after | QoS 0/s | QoS 1/s | QoS 2/s |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  );
  for (const r of rows)
    console.log(`| ${r.module} | ${r.bytes} | ${r.loaded} | ${r.connected} | ${r.highest} | ${r.after} | ${r.qos0} | ${r.qos1} | ${r.qos2} |`);
  console.log("");
  return rows;
}
