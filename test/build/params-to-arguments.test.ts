/**
 * The build step that moves the parameters of a bundle's top-level functions
 * into their bodies (build/params-to-arguments.mjs): on Espruino a declared
 * parameter costs a variable for as long as its function lives, a `var` only
 * during a call. Espruino keeps `arguments` as a variable of the call's scope
 * once read, so a function made inside one that read it would see the outer
 * arguments: only top-level functions may be rewritten.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import * as vm from "node:vm";
import { parse } from "acorn";
import { fullAncestor } from "acorn-walk";
// @ts-expect-error: a build script in plain JavaScript
import { paramsToArguments } from "../../build/params-to-arguments.mjs";

function run(code: string): Record<string, (...a: unknown[]) => unknown> {
  const exportsObject = {};
  vm.runInNewContext(code, { exports: exportsObject });
  return exportsObject as Record<string, (...a: unknown[]) => unknown>;
}

/** Every function of `code` that reads `arguments` (in its own body, not a nested function's), with whether a function around it reads it too. */
function argumentReaders(code: string): { nested: boolean }[] {
  const ast = parse(code, { ecmaVersion: 5 });
  // One walk: each `arguments` marks the nearest function around it as a reader.
  const readers = new Set<unknown>();
  fullAncestor(ast, (n, _s, a) => {
    const node = n as { type: string; name?: string };
    if (node.type !== "Identifier" || node.name !== "arguments") return;
    const owner = [...(a as { type: string }[])].reverse().find((x) => /^Function/.test(x.type));
    if (owner) readers.add(owner);
  });
  const out: { nested: boolean }[] = [];
  fullAncestor(ast, (n, _s, a) => {
    if (!readers.has(n)) return;
    out.push({ nested: (a as unknown[]).slice(0, -1).some((x) => readers.has(x)) });
  });
  return out;
}

describe("paramsToArguments (build)", () => {
  it("turns the parameters of top-level functions into vars read from arguments, with the same behaviour", () => {
    const src =
      "function add(a, b) { return a + b; }\n" +
      "exports.add = add;\n" +
      "exports.one = function (x) { return x * 2; };\n" +
      "exports.many = function (a, b, c, d) { return [a, b, c, d === undefined ? 'none' : d].join(','); };\n" +
      "exports.none = function () { return 7; };\n";
    const out: string = paramsToArguments(src);
    assert.match(out, /function add\(\) \{var \$=arguments,a=\$\[0\],b=\$\[1\];/);
    assert.match(out, /function \(\) \{var x=arguments\[0\];/);
    const m = run(out);
    assert.equal(m.add(2, 3), 5);
    assert.equal(m.one(4), 8);
    assert.equal(m.many(1, 2, 3), "1,2,3,none");
    assert.equal(m.none(), 7);
  });

  it("leaves nested functions, readers of arguments and setters alone, and picks an unused name for arguments", () => {
    const src =
      "exports.outer = function (a) { var inner = function (b) { return b + a; }; return inner(1); };\n" +
      "exports.reader = function (a) { return arguments.length + a; };\n" +
      "exports.box = { v: 0, set value(x) { this.v = x; } };\n" +
      "exports.dollar = function (a, b) { var $ = 10; return $ + a + b; };\n";
    const out: string = paramsToArguments(src);
    assert.match(out, /function \(b\) \{ return b \+ a; \}/);
    assert.match(out, /function \(a\) \{ return arguments\.length \+ a; \}/);
    assert.match(out, /set value\(x\)/);
    assert.match(out, /var \$\$=arguments,a=\$\$\[0\],b=\$\$\[1\];/);
    const m = run(out) as unknown as {
      outer(a: number): number;
      reader(a: number): number;
      box: { value: number; v: number };
      dollar(a: number, b: number): number;
    };
    assert.equal(m.outer(5), 6);
    assert.equal(m.reader(1), 2);
    m.box.value = 3;
    assert.equal(m.box.v, 3);
    assert.equal(m.dollar(1, 2), 13);
  });

  it("keeps the parameters of the functions it is told to keep, by declaration name or assignment target", () => {
    const src =
      "function send(a, b) { return a + b; }\n" +
      "function other(a) { return a; }\n" +
      "function C() {}\n" +
      "C.prototype.write = function (d, s) { return d + s; };\n" +
      "C.prototype.read = function (n) { return n; };\n" +
      "exports.send = send; exports.other = other; exports.C = C;\n";
    const out: string = paramsToArguments(src, ["send", "C.prototype.write"]);
    assert.match(out, /function send\(a, b\)/);
    assert.match(out, /C\.prototype\.write = function \(d, s\)/);
    assert.match(out, /function other\(\) \{var a=arguments\[0\];/);
    assert.match(out, /C\.prototype\.read = function \(\) \{var n=arguments\[0\];/);
    const m = run(out) as unknown as { send(a: number, b: number): number; other(a: number): number };
    assert.equal(m.send(2, 3), 5);
    assert.equal(m.other(4), 4);
  });

  it("keeps the declared parameters of the send path in the device bundles (the names the build gives survive minifying)", () => {
    const code = fs.readFileSync(path.join(import.meta.dirname, "..", "..", "dist", "esp8266-nodemcu", "fabmqtt.min.js"), "latin1");
    // MqttClient.prototype.publish(topic, payload, qos, retain) is public, so its name is kept by the minifier.
    assert.match(code, /\.prototype\.publish=function\(\w+,\w+,\w+,\w+\)\{/);
    // Conn.prototype.write(data, start, end), likewise.
    assert.match(code, /\.prototype\.write=function\(\w+,\w+,\w+\)\{/);
    // MqttClient.prototype.onPacket(data, start, length), likewise (the framer's sink).
    assert.match(code, /\.prototype\.onPacket=function\(\w+,\w+,\w+\)\{/);
  });

  it("leaves code it cannot parse as ES5 as it is", () => {
    const src = "const f = (a) => a;\n";
    assert.equal(paramsToArguments(src), src);
  });

  it("the built bundles read arguments only in top-level functions, never in one made inside another that reads it", () => {
    // The check itself: it finds a nested reader.
    const bad = argumentReaders("function a() { var x = arguments[0]; return function () { return arguments[0]; }; }");
    assert.deepEqual(bad.map((r) => r.nested).sort(), [false, true]);
    const dist = path.join(import.meta.dirname, "..", "..", "dist");
    for (const b of [
      "esp8266-nodemcu/fabmqtt.min.js",
      "esp32-devkitc/fabmqtt.min.js",
      "linux/fabmqtt.min.js",
      "modules/fabmqtt.min.js",
      "core/fabmqtt-core.min.js",
    ]) {
      const code = fs.readFileSync(path.join(dist, b), "latin1");
      const readers = argumentReaders(code);
      // The core has some 30 functions with parameters; a dozen keep theirs (KEEP_PARAMS).
      assert.ok(readers.length > 10, b + ": the parameters were not moved (" + readers.length + " readers)");
      assert.deepEqual(
        readers.filter((r) => r.nested),
        [],
        b,
      );
    }
  });
});
