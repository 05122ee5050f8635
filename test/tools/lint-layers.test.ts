/**
 * The layering lint (scripts/lint/layers.ts, run by `npm run lint`): this
 * repository passes it, and each rule fails on a small bad sample.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { checkFile, checkLayers, ruleFor } from "../../scripts/lint/layers";

const ROOT = path.join(import.meta.dirname, "..", "..");
const LINT = path.join(ROOT, "scripts", "lint", "layers.ts");

/** The messages checkFile gives `text` as the file `file`. */
function messages(file: string, text: string): string[] {
  return checkFile(file, text).map((p) => p.message);
}

describe("layering lint (npm run lint)", () => {
  it("finds no problem in this repository", () => {
    assert.deepEqual(checkLayers(ROOT), []);
  });

  it("refuses the platform importing the firmware, naming the line and what the layer may import", () => {
    const problems = checkFile("hal/node/gpio.ts", 'import * as E from "../../base/errors";\nimport { pinIn } from "../../firmware/app/config";\n');
    assert.equal(problems.length, 1);
    assert.equal(problems[0].line, 2);
    assert.match(problems[0].message, /imports firmware\/app\/config .*hal\/node\/ may import only hal\/node\/, hal\/types\.ts, base\/, boards\//);
  });

  it("lets the firmware see the platform's interface only, not an implementation", () => {
    assert.deepEqual(messages("firmware/session/client.ts", 'import type { Net } from "../../hal/types";\n'), []);
    assert.match(messages("firmware/session/client.ts", 'import { EspruinoNet } from "../../hal/espruino/net";\n')[0], /imports hal\/espruino\/net/);
    assert.match(messages("firmware/app/device.ts", 'import { createNodeHal } from "../../hal/node/index";\n')[0], /imports hal\/node\/index/);
  });

  it("keeps the layers inside firmware/ one way: the codec imports no session, the session no app", () => {
    assert.match(
      messages("firmware/mqtt/encode.ts", 'import { createClient } from "../session/client";\n')[0],
      /firmware\/mqtt\/ may import only firmware\/mqtt\/, base\//,
    );
    assert.match(messages("firmware/session/client.ts", 'import { boot } from "../app/boot";\n')[0], /imports firmware\/app\/boot/);
    assert.deepEqual(
      messages("firmware/app/device.ts", 'import { createClient } from "../session/client";\nimport type { Board } from "../../boards/types";\n'),
      [],
    );
  });

  it("keeps the shared leaves importing nothing but themselves", () => {
    assert.deepEqual(messages("base/error-text.ts", 'import * as E from "./errors";\n'), []);
    assert.match(messages("base/errors.ts", 'import type { Hal } from "../hal/types";\n')[0], /base\/ may import only base\//);
  });

  it("refuses Node's built-ins and npm packages in device code, and the board alias outside the platform and entry points", () => {
    assert.match(
      messages("firmware/mqtt/framer.ts", 'import { Buffer } from "node:buffer";\n')[0],
      /imports the package "node:buffer": firmware\/mqtt\/ may import these packages only: none/,
    );
    assert.match(messages("firmware/app/device.ts", 'import board from "board";\n')[0], /the package "board"/);
    assert.deepEqual(messages("hal/espruino/net.ts", 'import { BOARD_TLS } from "board";\n'), []);
    assert.deepEqual(messages("hal/node/net.ts", 'import net from "node:net";\n'), []);
  });

  it("sees type-only imports, re-exports and dynamic imports too", () => {
    assert.equal(messages("hal/node/x.ts", 'import type { Device } from "../../firmware/app/device";\n').length, 1);
    assert.equal(messages("hal/node/x.ts", 'export { createClient } from "../../firmware/session/client";\n').length, 1);
    assert.equal(messages("hal/node/x.ts", 'const m = await import("../../firmware/session/client");\n').length, 1);
    assert.equal(messages("hal/node/x.ts", 'let d: import("../../firmware/app/device").Device;\n').length, 1);
  });

  it("keeps scripts/ and bench/ off test/, which may import anything", () => {
    assert.match(messages("scripts/soak/run.ts", 'import { npmRun } from "../../test/support/npm-run";\n')[0], /imports test\/support\/npm-run/);
    assert.match(messages("bench/report.ts", 'import { x } from "../test/support/client-rig";\n')[0], /imports test\/support\/client-rig/);
    assert.deepEqual(
      messages("test/codec/framer.test.ts", 'import { x } from "../support/client-rig";\nimport { y } from "../../scripts/support/prng";\n'),
      [],
    );
  });

  it("refuses a file that no rule covers, so that a new folder gets its place", () => {
    assert.equal(ruleFor("lib/thing.ts"), undefined);
    assert.match(messages("lib/thing.ts", "export const x = 1;\n")[0], /no layer rule covers this file/);
  });

  it("refuses CommonJS globals in host code, naming what ES modules use instead", () => {
    const found = messages("scripts/x.ts", 'const a = __dirname;\nconst b = __filename;\nconst c = require("fs");\nconst d = require.resolve("aedes");\n');
    assert.deepEqual(found, [
      'uses __dirname, which ES modules do not have ("type": "module"): use import.meta.dirname',
      'uses __filename, which ES modules do not have ("type": "module"): use import.meta.filename',
      'uses require(), which ES modules do not have ("type": "module"): use an import, or createRequire(import.meta.url) from "node:module"',
      'uses require.resolve, which ES modules do not have ("type": "module"): use an import, or createRequire(import.meta.url) from "node:module"',
    ]);
    assert.deepEqual(
      messages("scripts/x.ts", 'const text = "__dirname require(x)"; const o = { __dirname: 1 }; o.__dirname;\n'),
      [],
      "strings and property names are no uses",
    );
    assert.deepEqual(messages("hal/espruino/net.ts", 'const net = require("net");\n'), [], "Espruino's require() is the board's own");
  });

  describe("the command", () => {
    let dir: string;
    beforeEach(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), "fabmqtt-layers-"));
      fs.mkdirSync(path.join(dir, "base"));
      fs.mkdirSync(path.join(dir, "hal", "node"), { recursive: true });
      fs.writeFileSync(path.join(dir, "base", "errors.ts"), "export const E_OK = 0;\n");
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    const lint = () => spawnSync(process.execPath, ["--import", "tsx", LINT, "--root", dir], { encoding: "utf8" });

    it("exits 0 and prints nothing on a tree that keeps the rules", () => {
      fs.writeFileSync(path.join(dir, "hal", "node", "ok.ts"), 'import { E_OK } from "../../base/errors";\nexport const ok = E_OK;\n');
      const r = lint();
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout + r.stderr, "");
    });

    it("exits 1 on a bad sample and prints file:line and the rule", () => {
      fs.mkdirSync(path.join(dir, "firmware", "app"), { recursive: true });
      fs.writeFileSync(path.join(dir, "firmware", "app", "device.ts"), "export const device = 1;\n");
      fs.writeFileSync(
        path.join(dir, "hal", "node", "bad.ts"),
        '// the platform\nimport { device } from "../../firmware/app/device";\nexport const d = device;\n',
      );
      const r = lint();
      assert.equal(r.status, 1);
      assert.match(r.stderr, /^hal\/node\/bad\.ts:2: imports firmware\/app\/device /m);
      assert.match(r.stderr, /layers: 1 problem$/m);
    });
  });
});
