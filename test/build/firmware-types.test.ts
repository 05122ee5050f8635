/** The device code's compiler settings: ES5, and no Node types in firmware/. */
import { strict as assert } from "node:assert";
import path from "node:path";
import ts from "typescript";

const root = path.join(import.meta.dirname, "..", "..");

function firmwareOptions(): ts.CompilerOptions {
  const file = path.join(root, "tsconfig.json");
  const read = ts.readConfigFile(file, ts.sys.readFile);
  const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, root);
  return parsed.options;
}

/** Diagnostics for one firmware source file with the given text, compiled as the bundle's code is. */
function compileProbe(text: string): string[] {
  const options = { ...firmwareOptions(), noEmit: true };
  const probe = path.join(root, "firmware", "__probe__.ts");
  const host = ts.createCompilerHost(options);
  const read = host.readFile;
  host.readFile = (name) => (path.resolve(name) === probe ? text : read.call(host, name));
  host.fileExists = (
    (exists) => (name: string) =>
      path.resolve(name) === probe || exists.call(host, name)
  )(host.fileExists);
  // The build's alias for the board's data (firmware/board.d.ts) is declared as the bundle sees it.
  const program = ts.createProgram([probe, path.join(root, "firmware", "board.d.ts")], options, host);
  return ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
}

describe("firmware compiler settings", () => {
  it("targets ES5 in strict mode", () => {
    const options = firmwareOptions();
    assert.equal(options.target, ts.ScriptTarget.ES5);
    assert.equal(options.strict, true);
  });
  it("makes Buffer and process compile errors in firmware/", () => {
    const errors = compileProbe("export const a = Buffer.from('x');\nexport const b = process.env;\n");
    assert.ok(
      errors.some((e) => e.includes("Cannot find name 'Buffer'")),
      errors.join("\n"),
    );
    assert.ok(
      errors.some((e) => e.includes("Cannot find name 'process'")),
      errors.join("\n"),
    );
  });
  it("compiles a clean probe without errors (the probe itself works)", () => {
    assert.deepEqual(compileProbe("export const a: number = new Uint8Array(2).length;\n"), []);
  });
  it("types the device start() returns as what is left after start: no start(), no subscribe()", function () {
    this.timeout(30000);
    const use = (line: string) => 'import { start } from "../targets/espruino/device";\nconst d = start();\nif (typeof d !== "number") ' + line + "\n";
    assert.deepEqual(compileProbe(use("d.client.publish('a', 'b', 0, false);")), []);
    assert.ok(compileProbe(use("d.start();")).some((m) => /Property 'start' does not exist/.test(m)));
    assert.ok(compileProbe(use("d.client.subscribe('a', 0);")).some((m) => /Property 'subscribe' does not exist/.test(m)));
  });
});
