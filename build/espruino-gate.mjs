// The Espruino gate: a static check that a built ES5 bundle avoids what the
// Espruino interpreter cannot run (see the project's Espruino notes). Each
// violation names a rule; an empty list means the bundle passes.
//
// CLI: `node build/espruino-gate.mjs` checks dist/<board>/fabmqtt.js and
// fabmqtt.min.js of every board in boards/*.ts against the board's
// `bundleBudget` / `minBundleBudget`, and exits 1 on any violation or missing bundle.
// `--root <dir>` checks another checkout (the tests use it).
import { parse } from "acorn";
import { buildScopes } from "./espruino-gate-scopes.mjs";
import { hoistViolations, varOrderViolations } from "./espruino-gate-hoist.mjs";
import { nodeViolations } from "./espruino-gate-nodes.mjs";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

/** Every rule id, in the order the checks run. */
export const RULES = [
  "es5-parse",
  "hoist",
  "var-order",
  "prototype-lookup",
  "array-spread",
  "label",
  "async-try",
  "missing-builtin",
  "regex",
  "concat",
  "length-assign",
  "clear-all-timers",
  "line-breaks",
  "size",
];

const MAX_LINE_LENGTH = 1000;

/**
 * Checks one bundle's source text against every rule.
 * Returns the violations `{ rule, message, line }` (line 0 = the whole file), or
 * an empty array when the bundle passes. Never throws for bad input: a parse
 * error is the `es5-parse` violation (the AST rules are then skipped).
 */
export function checkBundle(code, options = {}) {
  const violations = [];
  let ast = null;
  try {
    ast = parse(code, { ecmaVersion: 5, sourceType: "script", locations: true });
  } catch (err) {
    const line = err && err.loc ? err.loc.line : 0;
    violations.push({ rule: "es5-parse", message: "not ES5: " + (err && err.message), line });
  }
  if (ast) {
    const scopes = buildScopes(ast);
    violations.push(...hoistViolations(ast, scopes));
    violations.push(...varOrderViolations(ast, scopes));
    violations.push(...nodeViolations(ast, scopes));
  }
  violations.push(...textViolations(code, options.budget));
  return violations;
}

// ---------------------------------------------------------------- text rules

function textViolations(code, budget) {
  const violations = [];
  const lines = code.split(/\r\n|\r|\n/);
  if (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  if (lines.length <= 1) {
    violations.push({ rule: "line-breaks", message: "the bundle is a single line; keep line breaks", line: 0 });
  }
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].length > MAX_LINE_LENGTH) {
      violations.push({
        rule: "line-breaks",
        message: "line of " + lines[i].length + " characters (at most " + MAX_LINE_LENGTH + ")",
        line: i + 1,
      });
    }
  }
  if (typeof budget === "number") {
    const bytes = Buffer.byteLength(code, "utf8");
    if (bytes > budget) {
      violations.push({ rule: "size", message: bytes + " bytes, over the budget of " + budget, line: 0 });
    }
  }
  return violations;
}

// ---------------------------------------------------------------- boards and dist

/**
 * Reads `id`, `bundleBudget` and `minBundleBudget` from each boards/*.ts file
 * that declares an `id`. Returns them sorted by id; a budget the file lacks is
 * NaN (checkDist reports it), and an empty array when no board file has an id.
 */
export function readBoardBudgets(root) {
  const dir = path.join(root, "boards");
  const names = fs.existsSync(dir)
    ? fs
        .readdirSync(dir)
        .filter((n) => n.endsWith(".ts"))
        .sort()
    : [];
  const boards = [];
  for (const name of names) {
    const text = fs.readFileSync(path.join(dir, name), "utf8");
    const id = /\bid:\s*["']([^"']+)["']/.exec(text);
    if (!id) continue;
    const number = (key) => {
      const m = new RegExp("\\b" + key + ":\\s*([0-9_]+)").exec(text);
      return m ? Number(m[1].replace(/_/g, "")) : NaN;
    };
    boards.push({ id: id[1], bundleBudget: number("bundleBudget"), minBundleBudget: number("minBundleBudget") });
  }
  return boards.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/**
 * Checks dist/<id>/fabmqtt.js and fabmqtt.min.js of every board under `root`.
 * Returns one report `{ board, file, path, bytes, budget, violations }` per
 * expected bundle; a missing bundle, a missing budget, or no board at all is a
 * violation in the list (rule "missing-bundle", "size" or "no-boards").
 */
export function checkDist(root) {
  const reports = [];
  const boards = readBoardBudgets(root);
  if (boards.length === 0) {
    reports.push({
      board: "",
      file: "",
      path: path.join(root, "boards"),
      bytes: 0,
      budget: NaN,
      violations: [{ rule: "no-boards", message: "no board with an id in boards/*.ts", line: 0 }],
    });
  }
  for (const board of boards) {
    for (const [file, budget] of [
      ["fabmqtt.js", board.bundleBudget],
      ["fabmqtt.min.js", board.minBundleBudget],
    ]) {
      const full = path.join(root, "dist", board.id, file);
      const report = { board: board.id, file, path: full, bytes: 0, budget, violations: [] };
      if (!fs.existsSync(full)) {
        report.violations.push({ rule: "missing-bundle", message: "no bundle: run npm run build", line: 0 });
      } else {
        const code = fs.readFileSync(full, "utf8");
        report.bytes = Buffer.byteLength(code, "utf8");
        if (!Number.isFinite(budget)) {
          report.violations.push({ rule: "size", message: "boards/" + board.id + " has no budget for " + file, line: 0 });
        }
        report.violations.push(...checkBundle(code, { budget: Number.isFinite(budget) ? budget : undefined }));
      }
      reports.push(report);
    }
  }
  return reports;
}

function main(args) {
  const at = args.indexOf("--root");
  if ((at >= 0 && !args[at + 1]) || args.length !== (at >= 0 ? 2 : 0)) {
    console.error("usage: node build/espruino-gate.mjs [--root <checkout>]");
    process.exitCode = 2;
    return;
  }
  const root = at >= 0 ? path.resolve(args[at + 1]) : path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
  let failed = false;
  for (const r of checkDist(root)) {
    const where = path.relative(root, r.path) || r.path;
    const ok = r.violations.length === 0;
    failed = failed || !ok;
    console.log(where + "  " + r.bytes + "/" + r.budget + " bytes  " + (ok ? "OK" : "FAIL"));
    for (const v of r.violations) console.log("  " + (v.line ? "line " + v.line + " " : "") + "[" + v.rule + "] " + v.message);
  }
  process.exitCode = failed ? 1 : 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) main(process.argv.slice(2));
