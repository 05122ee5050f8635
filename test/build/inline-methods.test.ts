/** The build's inlining of internal methods called from one place (build/inline-methods.mjs). */
import { strict as assert } from "node:assert";
import vm from "node:vm";
// @ts-expect-error: an ES module of the build, without types
import { inlineSingleUseMethods } from "../../build/inline-methods.mjs";

const SOURCE =
  "function C() { this.n = 1; }\n" +
  "C.prototype.once_ = function (a) { return this.n + a; };\n" +
  "C.prototype.twice_ = function () { return 2; };\n" +
  "C.prototype.hot_ = function () { return this.inHot_() + this.twice_(); };\n" +
  "C.prototype.inHot_ = function () { return 3; };\n" +
  "C.prototype.kept_ = function () { return 4; };\n" +
  "C.prototype.run = function () { return this.once_(10) + this.twice_() + this.hot_() + this.kept_(); };\n" +
  "exports.C = C;\n";

function run(code: string): number {
  const m = { exports: {} as { C: new () => { run(): number } } };
  vm.runInNewContext(code, { exports: m.exports });
  return new m.exports.C().run();
}

describe("inlineSingleUseMethods (build)", () => {
  it("inlines a method with one this. call, keeps the others, and the code does the same", () => {
    const out: string = inlineSingleUseMethods(SOURCE, ["hot_", "kept_"]);
    assert.doesNotMatch(out, /prototype\.once_ =/, "once_ was inlined");
    assert.match(out, /\.call\(this, 10\)/);
    assert.match(out, /prototype\.twice_ =/, "twice_ has two call sites");
    assert.match(out, /prototype\.kept_ =/, "kept_ is listed");
    assert.match(out, /prototype\.inHot_ =/, "nothing is inlined into a listed method");
    assert.equal(run(out), run(SOURCE));
    assert.equal(run(out), 11 + 2 + 5 + 4);
  });

  it("fails on a listed method that the code does not have", () => {
    assert.throws(() => inlineSingleUseMethods(SOURCE, ["gone_"]), /gone_/);
  });

  it("leaves code it cannot parse as ES5 as it is", () => {
    const src = "const f = (a) => a;\n";
    assert.equal(inlineSingleUseMethods(src, []), src);
  });
});
