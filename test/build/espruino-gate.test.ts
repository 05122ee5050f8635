/**
 * The Espruino gate (build/espruino-gate.mjs): every rule fires on a small bad
 * sample and stays quiet on a close good one, so the gate cannot pass vacuously;
 * then every built bundle in dist/ must pass it against its board's budgets.
 */
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { minify } from "terser";
import * as ts from "typescript";
import { BOARDS } from "../../boards/index";
import { CORE_BUDGET, MODULE_BUDGET } from "../../build/bundle-budgets.mjs";
import { RULES, checkBundle, checkDist, readBoardBudgets, type RuleId, type Violation } from "../../build/espruino-gate.mjs";

const ROOT = path.resolve(import.meta.dirname, "..", "..");
const GATE = path.join(ROOT, "build", "espruino-gate.mjs");

function rulesOf(violations: Violation[]): RuleId[] {
  return violations.map((v) => v.rule);
}

function describeViolations(violations: { rule: string; message: string; line: number }[]): string {
  return violations.map((v) => "line " + v.line + " [" + v.rule + "] " + v.message).join("\n");
}

/** Only `rule` fires on `code`, at least once. */
function assertOnly(rule: RuleId, code: string, budget?: number): void {
  const found = checkBundle(code, { budget });
  assert.ok(found.length > 0, rule + " did not fire on:\n" + code);
  assert.deepEqual([...new Set(rulesOf(found))], [rule], "expected only " + rule + " on:\n" + code + "\ngot:\n" + describeViolations(found));
}

function assertClean(code: string, budget?: number): void {
  const found = checkBundle(code, { budget });
  assert.deepEqual(found, [], "expected no violation on:\n" + code + "\ngot:\n" + describeViolations(found));
}

function es5(source: string): string {
  return ts.transpileModule(source, { compilerOptions: { target: ts.ScriptTarget.ES5, module: ts.ModuleKind.None } }).outputText;
}

interface Case {
  name: string;
  bad: string[];
  good: string[];
  budget?: number;
}

// Every sample has at least two short lines, so `line-breaks` stays quiet.
const CASES: Record<RuleId, Case> = {
  "es5-parse": {
    name: "ES2015 syntax does not parse as ES5",
    bad: ["var f = (x) => x;\nf(1);\n", "let a = 1;\na++;\n", "var s = `a${1}`;\ns += 'b';\n"],
    good: ["var f = function (x) { return x; };\nf(1);\n"],
  },
  hoist: {
    name: "a function used before its declaration",
    bad: [
      "f();\nfunction f() {}\n",
      "var g = f;\nfunction f() {}\n",
      "function outer() {\n  inner();\n  function inner() {}\n}\n",
      "(function () {\n  inner();\n  function inner() {}\n})();\n",
      "(function () {\n  inner();\n}).call(this);\nfunction inner() {}\n",
      "function start() { later(); }\nstart();\nfunction later() {}\n",
      "function a() { b(); }\nfunction b() { c(); }\na();\nfunction c() {}\n",
      "var init = function () { later(); };\ninit();\nfunction later() {}\n",
      "[1, 2].forEach(function (x) { later(x); });\nfunction later(x) {}\n",
      "new Promise(function (resolve) { later(resolve); });\nfunction later(r) {}\n",
      "var o = new Thing();\nfunction Thing() {}\n",
    ],
    good: [
      "function f() {}\nf();\n",
      "function outer() {\n  function inner() {}\n  inner();\n}\n",
      "function start() { later(); }\nfunction later() {}\nstart();\n",
      "function a() { return b(); }\nfunction b() { return a(); }\n",
      "setTimeout(function () { later(); }, 10);\nfunction later() {}\n",
      "var cb = function () { later(); };\nfunction later() {}\ncb();\n",
      "var t = typeof later;\nfunction later() {}\n",
      "function h() {\n  try { x(); } catch (later) { later(); }\n}\nfunction x() {}\n",
    ],
  },
  "var-order": {
    name: "a var used before its declaration in the same function",
    bad: [
      "function f() {\n  x = 1;\n  var x = 2;\n  return x;\n}\n",
      "function g(a) {\n  for (i = 0; i < a; i++) {}\n  var i;\n  return i;\n}\n",
      "var n = 1;\nfunction h() {\n  if (n) n = 2;\n  var n = 3;\n}\n",
    ],
    good: [
      "function f() {\n  var x;\n  x = 1;\n  return x;\n}\n",
      "function f() {\n  var x = 1;\n  return function () {\n    return x + y;\n  };\n  var y;\n}\n",
      "var n = 1;\nfunction h() {\n  return n;\n}\nvar m = 2;\n",
    ],
  },
  "prototype-lookup": {
    name: "X.prototype.method of a built-in",
    bad: [
      "function f() {\n  return Array.prototype.slice.call(arguments, 1);\n}\n",
      "var o = {};\nvar has = Object.prototype.hasOwnProperty.call(o, 'k');\n",
      "var s = 'abc';\nvar up = String.prototype['toUpperCase'].call(s);\n",
      "var u = new Uint8Array(2);\nUint8Array.prototype.fill.call(u, 0);\n",
    ],
    good: [
      "function f() {\n  return [].slice.call(arguments, 1);\n}\n",
      "var o = {};\nvar has = {}.hasOwnProperty.call(o, 'k');\n",
      "function Thing() {}\nThing.prototype.run = function () { return Thing.prototype.stop; };\n",
      "function g(Array) {\n  return Array.prototype.slice;\n}\n",
    ],
  },
  "array-spread": {
    name: "TypeScript's spread helpers",
    bad: [
      "var a = [1];\nvar b = __spreadArray([], a, true);\n",
      "var __read = function (o) { return o; };\nvar r = 1;\n",
      "var a = [1];\nvar b = __spread(a);\n",
    ],
    good: ["var a = [1];\nvar b = a.slice();\n", "var a = [1];\nvar b = [];\nb.push.apply(b, a);\n"],
  },
  label: {
    name: "labeled statements",
    bad: ["outer: for (var i = 0; i < 3; i++) {\n  for (;;) { break outer; }\n}\n", "done: {\n  break done;\n}\n"],
    good: ["for (var i = 0; i < 3; i++) {\n  for (;;) { break; }\n}\n"],
  },
  "async-try": {
    name: "array holes and __generator (async/await downlevel)",
    bad: [
      "var op = [0, 2, , 3];\nop.push(4);\n",
      "var a = [1, , ];\na.push(2);\n",
      "function run() {\n  return __generator(this, function (_a) { return [2]; });\n}\n",
    ],
    good: ["var op = [0, 2, 3];\nop.push(4);\n", "var a = [1, 2, ];\na.push(3);\n"],
  },
  "missing-builtin": {
    name: "built-ins Espruino lacks",
    bad: [
      "var m = new Map();\nm.set(1, 2);\n",
      "var s = new Set();\ns.add(1);\n",
      "var w = typeof WeakMap;\nvar x = WeakSet;\n",
      "var k = Symbol('k');\nvar o = {};\n",
      "var p = new Proxy({}, {});\nvar q = Reflect.ownKeys(p);\n",
      "var o = {};\nObject.freeze(o);\n",
      "var o = {};\nObject.seal(o);\n",
      "var a = Array.from('ab');\na.push(1);\n",
      "var ok = Number.isInteger(1.5);\nok = !ok;\n",
      "var t = Date.UTC(2020, 0, 1);\nt++;\n",
      "var p = {};\nvar o = Object.create(p, { x: { value: 1 } });\n",
    ],
    good: [
      "function make(Map) {\n  return new Map();\n}\n",
      "var Set = function () {};\nvar s = new Set();\n",
      "var p = {};\nvar o = Object.create(p);\nvar k = Object.keys(o);\n",
      "var lib = { from: function (x) { return x; }, Map: 1 };\nvar a = lib.from('ab') + lib.Map;\n",
      "var n = Number('1');\nvar d = Date.now();\n",
    ],
  },
  regex: {
    name: "regex features Espruino silently never matches",
    bad: [
      "var r = /ab?c/;\nr.test('ac');\n",
      "var r = /a+?/;\nr.test('a');\n",
      "var r = /(?:ab)+/;\nr.test('ab');\n",
      "var r = /a(?=b)/;\nr.test('ab');\n",
      "var r = /a{2}/;\nr.test('aa');\n",
      "var r = /a{2,3}/;\nr.test('aa');\n",
      "var r = /a{2,}/;\nr.test('aa');\n",
      "var r = /\\bword/;\nr.test('word');\n",
      "var r = /\\u0041/;\nr.test('A');\n",
      "var r = /[\\u0041]/;\nr.test('A');\n",
      "var r = /^a$/m;\nr.test('a');\n",
      "var r = new RegExp('ab?');\nr.test('a');\n",
      "var r = RegExp('x{2}', 'g');\nr.test('xx');\n",
      "var r = new RegExp('^a', 'm');\nr.test('a');\n",
    ],
    good: [
      "var r = /a\\?b/;\nr.test('a?b');\n",
      "var r = /[?]/;\nr.test('?');\n",
      "var r = /a\\{2\\}/;\nr.test('a{2}');\n",
      "var r = /[{}0-9,]+/;\nr.test('{1,2}');\n",
      "var r = /[\\b]/;\nr.test('x');\n",
      "var r = /^a+b*$/gi;\nr.test('ab');\n",
      "var r = new RegExp('a\\\\?b', 'g');\nr.test('a?b');\n",
      "var s = 'a?b{2}';\nvar t = s.split('?');\n",
    ],
  },
  concat: {
    name: ".concat() calls",
    bad: ["var a = 'x';\nvar s = ''.concat(a, 'b');\n", "var a = [1];\nvar b = a.concat([2]);\n", "var a = [1];\nvar b = a['concat']([2]);\n"],
    good: ["var a = 'x';\nvar s = '' + a + 'b';\n", "var a = [1];\nvar b = a.slice();\nb.push(2);\n", "var concat = function (x) { return x; };\nconcat(1);\n"],
  },
  "length-assign": {
    name: "assignment to .length",
    bad: ["var a = [1, 2];\na.length = 0;\n", "var a = [1, 2];\na['length'] = 1;\n", "var a = [1, 2];\na.length += 1;\n", "var a = [1, 2];\na.length--;\n"],
    good: ["var a = [1, 2];\na.splice(0, a.length);\n", "var a = [1, 2];\nvar n = a.length;\nvar e = a.length === 0;\n"],
  },
  "clear-all-timers": {
    name: "clearTimeout()/clearInterval() without argument",
    bad: ["var t = setTimeout(function () {}, 10);\nclearTimeout();\n", "var t = setInterval(function () {}, 10);\nclearInterval();\n"],
    good: ["var t = setTimeout(function () {}, 10);\nclearTimeout(t);\n", "var t = setInterval(function () {}, 10);\nif (t) clearInterval(t);\n"],
  },
  "line-breaks": {
    name: "a one-line file or a line over 1,000 characters",
    bad: ["var a = 1; var b = 2;\n", "var a = 1; var b = 2;", "var s = '" + "x".repeat(1000) + "';\nvar t = s;\n"],
    good: ["var a = 1;\nvar b = 2;", "var s = '" + "x".repeat(980) + "';\nvar t = s;\n"],
  },
  size: {
    name: "a bundle over its byte budget",
    // 25 bytes, "é" counting 2: the budget is in bytes, not characters.
    bad: ["var s = 'é';\nvar t = s;\n"],
    good: ["var s = 'é';\nvar t = s;\n"],
  },
};

const SIZE_SAMPLE_BYTES = Buffer.byteLength(CASES.size.good[0], "utf8");

describe("Espruino gate rules", () => {
  it("has a bad and a good sample for every rule", () => {
    assert.deepEqual(Object.keys(CASES).sort(), [...RULES].sort());
  });

  for (const rule of RULES) {
    const c = CASES[rule];
    describe(rule + ": " + c.name, () => {
      const badBudget = rule === "size" ? SIZE_SAMPLE_BYTES - 1 : undefined;
      const goodBudget = rule === "size" ? SIZE_SAMPLE_BYTES : undefined;
      c.bad.forEach((code, i) => {
        it("fires on bad sample " + (i + 1), () => assertOnly(rule, code, badBudget));
      });
      c.good.forEach((code, i) => {
        it("stays quiet on good sample " + (i + 1), () => assertClean(code, goodBudget));
      });
    });
  }

  it("reports the line of the construct", () => {
    const found = checkBundle("var a = 1;\nvar b = 2;\nf();\nfunction f() {}\n");
    assert.deepEqual(
      found.map((v) => [v.rule, v.line]),
      [["hoist", 3]],
    );
  });

  it("reports a parse error with its line and still checks size and line breaks", () => {
    const found = checkBundle("var a = 1;\nvar b = () => 2;\n", { budget: 4 });
    assert.deepEqual(
      found.map((v) => [v.rule, v.line]),
      [
        ["es5-parse", 2],
        ["size", 0],
      ],
    );
  });
});

describe("Espruino gate on real TypeScript ES5 output", () => {
  const classes = es5("class Base { n = 1; get(): number { return this.n; } }\n" + "class Derived extends Base { m = 2; }\n" + "new Derived().get();\n");

  it("catches the class `extends` pattern (__extends(B, _super) before function B) as hoist", () => {
    assert.match(classes, /__extends\(Derived, _super\);\s*function Derived\(/);
    const hoist = checkBundle(classes).filter((v) => v.rule === "hoist");
    assert.equal(hoist.length, 1, describeViolations(hoist));
    assert.match(hoist[0].message, /"Derived"/);
  });

  it("passes hoist once terser hoists function declarations", async () => {
    const out = await minify(classes, { ecma: 5, compress: { hoist_funs: true }, mangle: false });
    assert.ok(out.code);
    const hoist = checkBundle(out.code).filter((v) => v.rule === "hoist");
    assert.deepEqual(hoist, [], describeViolations(hoist));
  });

  it("catches a var assigned before its declaration in the bundle minified without hoist_vars, and passes with it", async () => {
    const file = path.join(import.meta.dirname, "..", "..", "dist", "esp8266-nodemcu", "fabmqtt.js");
    assert.ok(fs.existsSync(file), file + " is missing: run npm run build");
    const code = fs.readFileSync(file, "utf8");
    const format = { max_line_len: 160, ecma: 5 as const };
    const without = await minify(code, { ecma: 5, compress: { hoist_funs: true, passes: 2 }, mangle: true, format });
    const withHoist = await minify(code, { ecma: 5, compress: { hoist_funs: true, hoist_vars: true, passes: 2 }, mangle: true, format });
    assert.ok(
      checkBundle(without.code!, {}).some((v) => v.rule === "var-order"),
      "terser without hoist_vars makes a var used before its declaration",
    );
    assert.deepEqual(
      checkBundle(withHoist.code!, {}).filter((v) => v.rule === "var-order"),
      [],
    );
  });

  it("catches array spread", () => {
    const rules = rulesOf(checkBundle(es5("declare const a: number[];\nconst b = [...a, 1];\nb.push(2);\n")));
    assert.ok(rules.includes("array-spread"), rules.join(","));
  });

  it("catches await inside try/catch", () => {
    const code = es5(
      "declare function get(): Promise<number>;\n" +
        "async function run(): Promise<number> {\n  try { return await get(); } catch (e) { return -1; }\n}\nrun();\n",
    );
    const rules = rulesOf(checkBundle(code));
    assert.ok(rules.includes("async-try"), rules.join(","));
    assert.ok(
      checkBundle(code).some((v) => v.rule === "async-try" && /holes/.test(v.message)),
      code,
    );
  });

  it("catches template literals compiled to concat", () => {
    const rules = rulesOf(checkBundle(es5("declare const n: number;\nconst s = `n=${n}`;\ns.charAt(0);\n")));
    assert.deepEqual(rules, ["concat"]);
  });
});

describe("Espruino gate on the built bundles", () => {
  it("reads the same budgets from boards/*.ts as boards/index.ts exports", () => {
    const expected = BOARDS.map((b) => ({ id: b.id, bundleBudget: b.bundleBudget, minBundleBudget: b.minBundleBudget }));
    expected.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    assert.deepEqual(readBoardBudgets(ROOT), expected);
  });

  for (const board of BOARDS) {
    for (const [file, budget] of [
      ["fabmqtt.js", board.bundleBudget],
      ["fabmqtt.min.js", board.minBundleBudget],
    ] as const) {
      it("dist/" + board.id + "/" + file + " passes within " + budget + " bytes", () => {
        const full = path.join(ROOT, "dist", board.id, file);
        assert.ok(fs.existsSync(full), full + " is missing: run npm run build");
        const found = checkBundle(fs.readFileSync(full, "utf8"), { budget });
        assert.deepEqual(found, [], full + ":\n" + describeViolations(found));
      });
    }
  }

  // The library and the codec-and-client bundle run on the same interpreter: same rules.
  for (const [dir, base, budgets] of [
    ["modules", "fabmqtt", MODULE_BUDGET],
    ["core", "fabmqtt-core", CORE_BUDGET],
  ] as const) {
    for (const [file, budget] of [
      [base + ".js", budgets.bundleBudget],
      [base + ".min.js", budgets.minBundleBudget],
    ] as const) {
      it("dist/" + dir + "/" + file + " passes within " + budget + " bytes", () => {
        const full = path.join(ROOT, "dist", dir, file);
        assert.ok(fs.existsSync(full), full + " is missing: run npm run build");
        const found = checkBundle(fs.readFileSync(full, "utf8"), { budget });
        assert.deepEqual(found, [], full + ":\n" + describeViolations(found));
      });
    }
  }

  it("checkDist reports every missing bundle", () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "espruino-gate-"));
    try {
      fs.mkdirSync(path.join(tmp, "boards"));
      fs.writeFileSync(
        path.join(tmp, "boards", "tiny.ts"),
        'const board = { id: "tiny", bundleBudget: 1_000, minBundleBudget: 500 };\nexport default board;\n',
      );
      const reports = checkDist(tmp);
      assert.deepEqual(
        reports.map((r) => [r.board, r.file, r.budget, r.violations.map((v) => v.rule)]),
        [
          ["tiny", "fabmqtt.js", 1000, ["missing-bundle"]],
          ["tiny", "fabmqtt.min.js", 500, ["missing-bundle"]],
        ],
      );
      const cli = spawnSync(process.execPath, [GATE, "--root", tmp], { encoding: "utf8" });
      assert.equal(cli.status, 1, cli.stdout + cli.stderr);
      assert.match(cli.stdout, /missing-bundle/);
      fs.rmSync(path.join(tmp, "boards", "tiny.ts"));
      const none = spawnSync(process.execPath, [GATE, "--root", tmp], { encoding: "utf8" });
      assert.equal(none.status, 1, none.stdout + none.stderr);
      assert.match(none.stdout, /no-boards/);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  it("the CLI passes on this checkout's dist/", () => {
    const cli = spawnSync(process.execPath, [GATE], { cwd: ROOT, encoding: "utf8" });
    assert.equal(cli.status, 0, cli.stdout + cli.stderr);
    assert.equal((cli.stdout.match(/ OK$/gm) || []).length, BOARDS.length * 2, cli.stdout);
  });
});
