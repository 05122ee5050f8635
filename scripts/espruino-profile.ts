/**
 * `npm run profile:espruino`: where a message's work goes on the interpreter,
 * function by function, for fabmqtt's library beside Espruino's own MQTT
 * module. Espruino runs the source text: a call reads all of its function's
 * text (the branches it does not take are parsed without being run), so the
 * text a message makes the interpreter read is a good guide to what it costs
 * (bench:espruino counts the instructions themselves).
 *
 * Each function of the minified module gets a call counter at its start
 * (`$$F`, a global); its size is counted in tokens. The interpreter in
 * ESPRUINO_BIN loads the module from Storage, connects to a mosquitto on
 * 127.0.0.1, and publishes N messages of 32 bytes in one go (40 at QoS 0,
 * 16 at QoS 1: at most fabmqtt's default queue). Per message: calls of each
 * function, and calls times its tokens, largest first; the total is the text
 * read per message (the first publish of a topic included, spread over N).
 * Exit code 0 when every run gave its counts.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import * as acorn from "acorn";
import * as walk from "acorn-walk";
import { putEspruinoStorage, runEspruinoOnce, runMain } from "./espruino-run";
import { startMosquitto } from "./support/mosquitto";
import { comparedModules } from "./support/compared-modules";

const BIN = process.env.ESPRUINO_BIN;
const DIST = path.join(import.meta.dirname, "..", "dist");
const CASES: [number, number][] = [
  [0, 40],
  [1, 16],
];
const ROWS = 12;

/** A module with a counter at the start of each function, and each function's size in tokens (by its counter's key). */
function instrument(code: string): { code: string; tokens: Map<string, number> } {
  const ast = acorn.parse(code, { ecmaVersion: 5, allowReturnOutsideFunction: true });
  const found: { key: string; at: number; tokens: number }[] = [];
  walk.fullAncestor(ast, (node, _state, ancestors) => {
    if (node.type !== "FunctionDeclaration" && node.type !== "FunctionExpression") return;
    const fn = node as acorn.Function;
    const parent = ancestors[ancestors.length - 2] as acorn.Node | undefined;
    let name = fn.id ? fn.id.name : "";
    if (!name && parent && parent.type === "AssignmentExpression") {
      const left = (parent as acorn.AssignmentExpression).left;
      name = code.slice(left.start, left.end);
    }
    let tokens = 0;
    for (const _t of acorn.tokenizer(code.slice(fn.start, fn.end), { ecmaVersion: 5 })) tokens++;
    found.push({ key: (name || "(anonymous)") + "@" + fn.start, at: fn.body.start + 1, tokens });
  });
  found.sort((a, b) => b.at - a.at);
  let out = code;
  for (const f of found) out = out.slice(0, f.at) + '$$F["' + f.key + '"]=($$F["' + f.key + '"]|0)+1;' + out.slice(f.at);
  return { code: "global.$$F={};\n" + out, tokens: new Map(found.map((f) => [f.key, f.tokens])) };
}

/** The driving script: connect, print the counters, publish `n` at `qos` in one go, print them again once acknowledged. */
function driver(port: number, qos: number, n: number): string {
  return (
    'var M = require("m"), PAY = "0123456789abcdef0123456789abcdef";\n' +
    'function dump(tag) { for (var k in $$F) print(tag + " " + k + " " + $$F[k]); }\n' +
    'var c = M.create("127.0.0.1", { port: ' +
    port +
    ', client_id: "profile", keep_alive: 60 });\n' +
    'c.on("connected", function () { setTimeout(function () { dump("BEFORE");\n' +
    "  for (var i = 0; i < " +
    n +
    '; i++) c.publish("profile/q' +
    qos +
    '", PAY' +
    (qos ? ", { qos: " + qos + " }" : "") +
    ");\n" +
    '  setTimeout(function () { dump("AFTER"); print("DONE"); quit(); }, 500);\n' +
    "}, 300); });\n" +
    "c.connect();\n" +
    'setTimeout(function () { print("TIMED OUT"); quit(); }, 20000);\n'
  );
}

/** Per-message rows [calls x tokens, calls, tokens, function], largest first; throws when the run did not finish. */
async function profile(code: string, port: number, qos: number, n: number): Promise<[number, number, number, string][]> {
  const { code: counted, tokens } = instrument(code);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fabmqtt-profile-"));
  try {
    await putEspruinoStorage(BIN as string, dir, "m", counted);
    const out = await runEspruinoOnce(BIN as string, dir, driver(port, qos, n), 30000);
    if (out.indexOf("DONE") < 0) throw new Error("the run did not finish: " + out.slice(-400));
    const counts = { BEFORE: new Map<string, number>(), AFTER: new Map<string, number>() };
    for (const m of out.matchAll(/^(BEFORE|AFTER) (\S+) (\d+)\s*$/gm)) counts[m[1] as "BEFORE" | "AFTER"].set(m[2], Number(m[3]));
    const rows: [number, number, number, string][] = [];
    for (const [key, after] of counts.AFTER) {
      const calls = (after - (counts.BEFORE.get(key) || 0)) / n;
      const size = tokens.get(key) || 0;
      if (calls > 0) rows.push([calls * size, calls, size, key]);
    }
    return rows.sort((a, b) => b[0] - a[0]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<number> {
  if (!BIN) {
    console.log("Skipped: set ESPRUINO_BIN to an Espruino interpreter for Linux (see docs/memory.md).");
    return 0;
  }
  const modules = await comparedModules(DIST);
  const broker = await startMosquitto();
  try {
    for (const [qos, n] of CASES) {
      for (const [label, code] of modules) {
        const rows = await profile(code, broker.port, qos, n);
        const total = rows.reduce((s, r) => s + r[0], 0);
        const calls = rows.reduce((s, r) => s + r[1], 0);
        console.log(
          "\n" + label + ", QoS " + qos + " (" + n + " messages): " + Math.round(total) + " tokens read and " + calls.toFixed(1) + " calls a message",
        );
        console.log("| tokens a message | calls | tokens | function (minified name @ offset) |\n| ---: | ---: | ---: | --- |");
        for (const r of rows.slice(0, ROWS)) console.log("| " + Math.round(r[0]) + " | " + r[1].toFixed(2) + " | " + r[2] + " | `" + r[3] + "` |");
      }
    }
    return 0;
  } finally {
    await broker.stop();
  }
}

runMain(main);
