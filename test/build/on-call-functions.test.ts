/**
 * The build step that keeps a bundle's rare functions out of memory until
 * they are called (build/on-call-functions.mjs): moved functions must behave
 * as before, and what cannot move safely (passed as a value, constructed,
 * defined twice, public, resident) must stay where it is.
 */
import { strict as assert } from "node:assert";
import * as vm from "node:vm";
// @ts-expect-error: a build script in plain JavaScript
import { onCallFunctions } from "../../build/on-call-functions.mjs";

type Options = { resident?: string[]; internal?: Set<string>; groupBytes?: number; count?: boolean };
const transform = (code: string, options: Options = {}): string => onCallFunctions(code, { internal: new Set(["m", "n", "p"]), ...options });

function run(code: string): Record<string, unknown> {
  const exportsObject: Record<string, unknown> = {};
  vm.runInNewContext(code, { exports: exportsObject });
  return exportsObject;
}

/** The names a transformed bundle still declares as top-level functions or prototype methods. */
function resident(code: string): string[] {
  return [...code.matchAll(/^function (\$[\w$]+)\(|(\w+\.prototype\.\w+)=function/gm)].map((m) => m[1] || m[2]).filter((n) => !/^\$\$\d/.test(n));
}

describe("on-call functions (build/on-call-functions.mjs)", () => {
  const SOURCE =
    "function $a(){var t=arguments[0];return t+1}\n" +
    "function $b(){var t=arguments[0];return $a(t)*2}\n" +
    "function C(){this.v=3}\n" +
    "C.prototype.m=function(){var t=arguments[0];return this.v+t},C.prototype.n=function(){return this.m(this.m(1))},C.prototype.pub=function(){return this.n()};\n" +
    "exports.f=function(x){return $b(x)};exports.g=function(){var c=new C;return [c.n(),c.pub(),c.m(10)]};\n";

  it("moves functions and methods called only by name into dispatchers, and they compute as before", () => {
    const out = transform(SOURCE);
    assert.deepEqual(resident(out).sort(), ["C.prototype.pub"]);
    assert.match(out, /^function \$\$0\(\$\$k\)\{switch\(\$\$k\)\{/);
    const before = run(SOURCE);
    const after = run(out);
    assert.equal((after.f as (x: number) => number)(4), (before.f as (x: number) => number)(4));
    assert.deepEqual([...(after.g as () => number[])()], [...(before.g as () => number[])()]);
    assert.deepEqual([...(after.g as () => number[])()], [7, 7, 13]);
  });

  it("keeps what is passed as a value, constructed, public, defined twice or named resident", () => {
    const code =
      "function $a(){return 1}\nfunction $b(){return 2}\nfunction $c(){return 3}\nfunction $d(){return 4}\nfunction $e(){return 5}\n" +
      "function K(){}K.prototype.p=function(){return 6};function L(){}L.prototype.p=function(){return 7};\n" +
      "exports.h=[$a];exports.k=function(){return [new $b,$c(),$d(),$e()]};\n";
    const out = transform(code, { resident: ["$c"] });
    assert.deepEqual(resident(out).sort(), ["$a", "$b", "$c", "K.prototype.p", "L.prototype.p"]);
    assert.deepEqual([...(run(out).k as () => unknown[])().slice(1)], [3, 4, 5]);
  });

  it("moves a function whose name a catch clause also declares, and leaves the catch's own name alone", () => {
    // $a is called outside the catch; inside it, $a is the caught value, called as such.
    const code =
      "function $a(){return arguments[0]*3}\nfunction $b(){return 1}\n" +
      "exports.k=function(x){try{throw function(){return 40}}catch($a){return $a()+$b()}};exports.f=function(x){return $a(x)};\n";
    const out = transform(code);
    assert.deepEqual(resident(out), []);
    const exp = run(out);
    assert.equal((exp.f as (x: number) => number)(5), 15);
    assert.equal((exp.k as () => number)(), 41);
  });

  it("drops an internal method that nothing calls, binds or names, and keeps a public one", () => {
    const code =
      "function $a(){return 1}\nfunction $b(){return 2}\nfunction C(){}C.prototype.m=function(){return 3},C.prototype.n=function(){return 4},C.prototype.pub=function(){return 5};\n" +
      "exports.k=function(){var c=new C;return [$a(),$b(),c.m()]};\n";
    const out = transform(code);
    assert.doesNotMatch(out, /prototype\.n=/, "n: never used");
    assert.match(out, /C\.prototype\.pub=function/, "pub is public");
    assert.deepEqual([...(run(out).k as () => number[])()], [1, 2, 3]);
  });

  it("moves a function handed to setTimeout, which holds it only until it has run", async () => {
    const code = "function $a(){exports.done=arguments[0]}\nfunction $b(){return 1}\nexports.go=function(){setTimeout($a,1,$b()+1)};\n";
    const out = transform(code);
    assert.deepEqual(resident(out), []);
    const exp: Record<string, unknown> = {};
    vm.runInNewContext(out, { exports: exp, setTimeout });
    (exp.go as () => void)();
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(exp.done, 2);
  });

  it("moves a method used in x.m.bind(...), and the bound function calls the one made for it", () => {
    const code =
      "function C(){this.v=5}\n" +
      "C.prototype.m=function(){return this.v+arguments[0]},C.prototype.n=function(){return 1};\n" +
      "exports.f=function(){var c=new C;return [c.m.bind(c,2),c.n()]};\n";
    const out = transform(code);
    assert.deepEqual(resident(out), []);
    assert.match(out, /\$\$0\(0\)\.bind\(c,2\)/);
    const [bound, one] = (run(out).f as () => [() => number, number])();
    assert.equal(bound(), 7);
    assert.equal(one, 1);
    // Any other use of the property keeps the method (and n, a group of one, stays as it was).
    const kept = transform(code + "exports.g=function(){return new C().m};\n");
    assert.deepEqual(resident(kept), ["C.prototype.m", "C.prototype.n"]);
  });

  it("leaves a name that a function declares for itself", () => {
    const code =
      "function t(){return 1}\nfunction i(){return 2}\nexports.f=function(){var t=function(){return 9};return t()+i()+t()};exports.g=function(){return t()};\n";
    const out = transform(code);
    assert.equal((run(out).f as () => number)(), 20);
    assert.equal((run(out).g as () => number)(), 1);
    assert.match(out, /var t=function\(\)\{return 9\};return t\(\)\+\$\$0\(\d\)\(\)\+t\(\)/);
  });

  it("bounds the text of each dispatcher, and a group of one stays as it was", () => {
    const body = "return " + '"' + "x".repeat(40) + '"';
    const code =
      Array.from({ length: 6 }, (_, i) => "function $f" + i + "(){" + body + "}\n").join("") +
      "exports.all=function(){return [$f0(),$f1(),$f2(),$f3(),$f4(),$f5()].join()};\n";
    const out = transform(code, { groupBytes: 130 });
    assert.equal([...out.matchAll(/^function \$\$\d/gm)].length, 3);
    assert.equal((run(out).all as () => string)(), (run(code).all as () => string)());
    assert.equal(transform(code, { groupBytes: 10 }), code);
  });

  it("refuses a bundle that already uses the dispatchers' names", () => {
    assert.throws(() => transform("function $a(){}function $b(){}var $$0=1;$a();$b();"), /already uses/);
  });

  it("counts the calls through each dispatcher when asked", () => {
    const out = transform(SOURCE, { count: true });
    const ctx: Record<string, unknown> = { exports: {} };
    vm.runInNewContext(out + "\nexports.counts=$$C;", ctx);
    const exp = ctx.exports as { f: (x: number) => number; counts: Record<string, number> };
    exp.f(1);
    assert.equal(
      Object.values(exp.counts).reduce((a, b) => a + b, 0),
      2,
    );
  });
});
