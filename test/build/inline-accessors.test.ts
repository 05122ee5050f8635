/**
 * The build step that writes the tables' accessors out at their call sites
 * (build/inline-accessors.mjs): the result must compute as before, with the
 * functions gone, and whatever it cannot write out safely must stop the build.
 */
import { strict as assert } from "node:assert";
import * as vm from "node:vm";
// @ts-expect-error: a build script in plain JavaScript
import { inlineAccessors } from "../../build/inline-accessors.mjs";

function run(code: string): Record<string, unknown> {
  const exportsObject: Record<string, unknown> = {};
  vm.runInNewContext(code, { exports: exportsObject });
  return exportsObject;
}

describe("inline accessors (build/inline-accessors.mjs)", () => {
  const SOURCE =
    "function stateOf(o, slot) { return o.slots[slot] & 7; }\n" +
    "function markSent(o, slot) { o.slots[slot] |= 64; o.unsent--; }\n" +
    "function keep(x) { return x * 2; }\n" +
    "exports.f = function (o) { var n = 0; for (var i = 0; i < o.slots.length; i++) if (stateOf(o, i) === 2) { markSent(o, i); n += stateOf(o, i) + keep(i); } return [n, o.unsent, o.slots.join()]; };\n";

  it("writes each call out, drops the functions, and computes as before", () => {
    const out = inlineAccessors(SOURCE, ["stateOf", "markSent"]);
    assert.doesNotMatch(out, /function stateOf|function markSent|stateOf\(|markSent\(/);
    assert.match(out, /function keep/, "a function not listed stays");
    const o = () => ({ slots: [2, 3, 10, 2], unsent: 5 });
    // Arrays made in another context: compared as JSON.
    const before = JSON.stringify((run(SOURCE).f as (o: unknown) => unknown)(o()));
    assert.equal(JSON.stringify((run(out).f as (o: unknown) => unknown)(o())), before);
    assert.equal(before, '[16,2,"66,3,74,66"]');
  });

  it("takes a complex argument for a parameter used once, beside simple ones", () => {
    const code = "function at(v, i) { return v[i]; }\nexports.g = function (v) { return at(v, v.length - 1); };\n";
    const out = inlineAccessors(code, ["at"]);
    assert.equal((run(out).g as (v: number[]) => number)([4, 5, 6]), 6);
  });

  it("stops at an argument that would be evaluated twice, a use other than a call, a body that is neither one return nor expressions, or a name the call site declares", () => {
    const twice = "function sq(x) { return x * x; }\nexports.g = function (f) { return sq(f()); };\n";
    assert.throws(() => inlineAccessors(twice, ["sq"]), /evaluated twice/);
    const value = "function id(x) { return x; }\nexports.h = [1].map(id);\n";
    assert.throws(() => inlineAccessors(value, ["id"]), /other than in a call/);
    const two = "function two(o) { o.a = 1; return o; }\nexports.k = function (o) { return two(o); };\n";
    assert.throws(() => inlineAccessors(two, ["two"]), /not `return e;` or expression statements/);
    const shadow = "var LIMIT = 3;\nfunction over(x) { return x > LIMIT; }\nexports.m = function (x) { var LIMIT = 9; return over(x); };\n";
    assert.throws(() => inlineAccessors(shadow, ["over"]), /reads LIMIT, which a call site declares/);
  });
});
