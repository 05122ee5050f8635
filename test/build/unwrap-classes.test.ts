/**
 * The build step that moves ES5 class wrappers to the top level
 * (build/unwrap-classes.mjs): on Espruino a function made inside another
 * costs more variables, so the bundles carry classes as top-level functions.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import * as vm from "node:vm";
// @ts-expect-error: a build script in plain JavaScript
import { unwrapClasses } from "../../build/unwrap-classes.mjs";

const CLASS =
  "var Counter = /** @class */ (function () {\n" +
  "    function Counter(start) { this.n_ = start; }\n" +
  "    Counter.prototype.add = function (k) { this.n_ += k; return this.n_; };\n" +
  "    Counter.ZERO = 0;\n" +
  "    return Counter;\n" +
  "}());\n" +
  "exports.make = function (s) { return new Counter(s); };\n";

function run(code: string): { make(s: number): { add(k: number): number } } {
  const exportsObject = {};
  vm.runInNewContext(code, { exports: exportsObject });
  return exportsObject as { make(s: number): { add(k: number): number } };
}

describe("unwrapClasses (build)", () => {
  it("turns a TypeScript ES5 class wrapper into top-level statements that behave the same", () => {
    const out: string = unwrapClasses(CLASS);
    assert.ok(!/\(function \(\)/.test(out), out);
    assert.match(out, /^function Counter\(start\)/);
    assert.match(out, /Counter\.ZERO = 0;/);
    const c = run(out).make(2);
    assert.equal(c.add(3), 5);
    assert.equal(run(CLASS).make(2).add(3), 5);
  });

  it("leaves alone a class with a base, or a wrapper that does more than set up the class", () => {
    const derived = CLASS.replace("(function () {", "(function (_super) {").replace("}());", "}(Object));");
    assert.equal(unwrapClasses(derived), derived);
    const busy = CLASS.replace("    Counter.ZERO = 0;\n", "    var hidden = 1;\n");
    assert.equal(unwrapClasses(busy), busy);
  });

  it("leaves no class wrapper in the built bundles (npm test builds them first)", () => {
    const file = path.join(import.meta.dirname, "..", "..", "dist", "core", "fabmqtt-core.js");
    assert.ok(fs.existsSync(file), "run npm run build first");
    const code = fs.readFileSync(file, "utf8");
    assert.ok(!/\/\*\* @class \*\//.test(code), "a class wrapper is left in dist/core/fabmqtt-core.js");
    assert.match(code, /^function MqttClient\(opts\)/m);
  });
});
