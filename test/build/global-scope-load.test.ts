/**
 * Device bundles run at the global scope (the boot code evaluates the Storage
 * file there, scripts/flash/boot-code.ts): their top-level names become
 * globals, so none may be a name Espruino gives its pins (D5, A0) or E, and
 * their exports must be the global `fabmqtt`, with no global `exports`; the
 * minified ones name them all with a `$` first (see rollup.config.js).
 */
import { strict as assert } from "node:assert";
import fs from "node:fs";
import path from "node:path";
import vm from "node:vm";
import { BOARDS } from "../../boards/index";
import { topLevelNames } from "../../build/top-level-names.mjs";

describe("device bundles at the global scope", () => {
  for (const board of BOARDS) {
    for (const file of ["fabmqtt.js", "fabmqtt.min.js"]) {
      it(`${board.id}/${file}: no pin name or E among its globals; its exports are the global fabmqtt`, () => {
        const code = fs.readFileSync(path.join(import.meta.dirname, "..", "..", "dist", board.id, file), "latin1");
        const names = topLevelNames(code);
        assert.ok(names.length > 30, "top-level names found: " + names.length);
        assert.deepEqual(
          names.filter((n) => /^(E|[AD]\d+)$/.test(n)),
          [],
        );
        // Minified, every top-level name starts with $: a global made at the console (`for (i = 0; ...)`) cannot overwrite one.
        if (file.endsWith(".min.js"))
          assert.deepEqual(
            names.filter((n) => n[0] !== "$" && n !== "fabmqtt"),
            [],
          );
        const context = vm.createContext({});
        vm.runInContext(code, context);
        const g = context as { fabmqtt?: Record<string, unknown>; exports?: unknown };
        assert.equal(typeof g.fabmqtt, "object");
        assert.equal(typeof g.fabmqtt!.start, "function");
        assert.equal(typeof g.fabmqtt!.createEspruinoHal, "function");
        assert.equal(g.exports, undefined);
      });
    }
  }
});
