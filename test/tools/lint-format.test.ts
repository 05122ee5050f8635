/**
 * The formatter check (`npm run format:check`, part of `npm run lint`): the
 * command of package.json, run with this repository's prettier settings and
 * ignore file over a small tree, fails on a badly formatted file and passes a
 * formatted one; the FORMAT-PENDING list of .prettierignore is the one switch
 * that turns it on for the files not yet formatted.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const ROOT = path.join(import.meta.dirname, "..", "..");
const SCRIPTS = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")).scripts as Record<string, string>;
const PENDING_MARK = "# FORMAT-PENDING";

/** A line of 150 characters: the settings keep it whole (printWidth 160). */
const LONG_CALL = `export const total = add(${Array.from({ length: 16 }, (_, i) => "value" + i).join(", ")});\n`;
const FORMATTED = "export function add(...values: number[]): number {\n  return values.reduce((a, b) => a + b, 0);\n}\n" + LONG_CALL;
const BADLY_FORMATTED = "export function add( ...values:number[] ):number { return values.reduce((a,b)=>a+b,0) }\n";

describe("formatter check (npm run format:check)", function () {
  this.timeout(60000);
  let dir: string;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "fabmqtt-format-"));
    fs.copyFileSync(path.join(ROOT, ".prettierrc.json"), path.join(dir, ".prettierrc.json"));
    fs.mkdirSync(path.join(dir, "firmware"));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** The format:check command of package.json, run in the small tree with `ignore` as its .prettierignore. */
  function check(ignore: string): { status: number | null; out: string } {
    fs.writeFileSync(path.join(dir, ".prettierignore"), ignore);
    const bin = path.join(ROOT, "node_modules", ".bin");
    const r = spawnSync("sh", ["-c", SCRIPTS["format:check"]], {
      cwd: dir,
      encoding: "utf8",
      env: { ...process.env, PATH: bin + path.delimiter + process.env.PATH },
    });
    return { status: r.status, out: r.stdout + r.stderr };
  }

  it("is part of npm run lint, which npm test runs first", () => {
    assert.match(SCRIPTS.lint, /npm run format:check/);
    assert.match(SCRIPTS.test, /npm run lint/);
  });

  it("passes a formatted file, long lines kept up to 160 characters", () => {
    assert.ok(LONG_CALL.length > 140 && LONG_CALL.length <= 160, String(LONG_CALL.length));
    fs.writeFileSync(path.join(dir, "firmware", "sum.ts"), FORMATTED);
    const r = check("");
    assert.equal(r.status, 0, r.out);
  });

  it("fails on a badly formatted file and names it", () => {
    fs.writeFileSync(path.join(dir, "firmware", "sum.ts"), FORMATTED);
    fs.writeFileSync(path.join(dir, "firmware", "bad.ts"), BADLY_FORMATTED);
    const r = check("");
    assert.equal(r.status, 1, r.out);
    assert.match(r.out, /firmware\/bad\.ts/);
    assert.doesNotMatch(r.out, /firmware\/sum\.ts/);
  });

  it("leaves a file on the FORMAT-PENDING list alone until that list is deleted", () => {
    const ignore = fs.readFileSync(path.join(ROOT, ".prettierignore"), "utf8");
    // What stays once the list is gone: the file before its mark (all of it when it is gone already).
    const kept = ignore.includes(PENDING_MARK) ? ignore.slice(0, ignore.indexOf(PENDING_MARK)) : ignore;
    fs.writeFileSync(path.join(dir, "firmware", "bad.ts"), BADLY_FORMATTED);
    assert.equal(check(kept + PENDING_MARK + "\nfirmware/bad.ts\n").status, 0);
    assert.equal(check(kept).status, 1, "without the list, the file is checked");
  });

  it("lists on FORMAT-PENDING only files that exist", () => {
    const ignore = fs.readFileSync(path.join(ROOT, ".prettierignore"), "utf8");
    const pending = ignore
      .slice(ignore.indexOf(PENDING_MARK))
      .split("\n")
      .filter((l) => l && !l.startsWith("#"));
    assert.deepEqual(
      pending.filter((f) => !fs.existsSync(path.join(ROOT, f))),
      [],
    );
  });
});
