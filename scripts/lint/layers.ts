/**
 * The layering lint (`npm run lint`, also the first check of `npm test`):
 * imports go one way, from the entry points per target down to the shared
 * leaves (docs/design.md, "Layers"). Every source file falls under one rule
 * of LAYER_RULES, which says what it may import; a file no rule covers is an
 * error too, so that a new folder gets its place in the table.
 *
 * Host code is ES modules ("type": "module" in package.json): `__dirname`,
 * `__filename` and a bare `require(...)` there are errors, with the
 * replacement named (not in a .cjs file, CommonJS by its name).
 *
 *   tsx scripts/lint/layers.ts [--root <checkout>]
 *
 * Prints one line per problem and exits 1, or exits 0 silently.
 */
import fs from "node:fs";
import path from "node:path";
import ts from "typescript";

/** What the files under `from` may import. */
export interface LayerRule {
  /** A folder ("firmware/session/") or a file ("hal/types.ts"), from the repository's root. */
  from: string;
  /** Folders and files it may import from; its own folder is always allowed. */
  may: readonly string[];
  /** npm packages and built-ins it may import: names, "node:*" for Node's built-ins, "*" for any. */
  packages: readonly string[];
}

const DEVICE_CODEC = ["firmware/mqtt/", "base/"];
const DEVICE_WIRE = ["firmware/wire/", ...DEVICE_CODEC];
const DEVICE_SESSION = ["firmware/session/", ...DEVICE_WIRE, "hal/types.ts"];
/** Everything host code may import: all but the tests. */
const HOST = ["base/", "boards/", "firmware/", "hal/", "targets/", "build/", "scripts/", "bench/", "package.json"];

/**
 * The layers, most specific first: the first rule whose `from` is a prefix of
 * a file's path is the file's. `board` is the build's alias for the board's
 * data (rollup.config.js), which only the platform and the entry points read.
 */
export const LAYER_RULES: readonly LayerRule[] = [
  { from: "base/", may: [], packages: [] },
  { from: "boards/", may: ["base/"], packages: [] },
  { from: "hal/types.ts", may: ["base/"], packages: [] },
  { from: "hal/espruino/", may: ["hal/types.ts", "base/", "boards/"], packages: ["board"] },
  { from: "hal/node/", may: ["hal/types.ts", "base/", "boards/"], packages: ["node:*"] },
  { from: "firmware/board.d.ts", may: ["boards/types.ts"], packages: [] },
  { from: "firmware/mqtt/", may: DEVICE_CODEC, packages: [] },
  { from: "firmware/wire/", may: DEVICE_WIRE, packages: [] },
  { from: "firmware/session/", may: DEVICE_SESSION, packages: [] },
  { from: "firmware/lib/", may: DEVICE_SESSION, packages: [] },
  { from: "firmware/app/", may: [...DEVICE_SESSION, "boards/types.ts"], packages: [] },
  { from: "targets/", may: ["firmware/", "hal/", "boards/", "base/"], packages: ["board"] },
  { from: "build/", may: [], packages: ["*"] },
  { from: "rollup.config.js", may: ["build/", "boards/"], packages: ["*"] },
  { from: "scripts/", may: HOST, packages: ["*"] },
  { from: "bench/", may: HOST, packages: ["*"] },
  { from: "test/", may: [...HOST, "test/"], packages: ["*"] },
];

/** One broken rule: where, and the sentence that says what to do. */
export interface LayerProblem {
  file: string;
  line: number;
  message: string;
}

const SOURCE = /\.(ts|mts|cts|js|mjs|cjs)$/;
const SKIP = new Set(["node_modules", "dist", ".git", ".tmp"]);
/** Host code: ES modules on Node, where CommonJS globals do not exist. */
const HOST_CODE = ["build/", "rollup.config.js", "scripts/", "bench/", "test/", "hal/node/"];

/** The source files under `root`, as paths from it with "/" separators. */
export function sourceFiles(root: string, dir = ""): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
    if (SKIP.has(entry.name)) continue;
    const rel = dir ? dir + "/" + entry.name : entry.name;
    if (entry.isDirectory()) out.push(...sourceFiles(root, rel));
    else if (SOURCE.test(entry.name)) out.push(rel);
  }
  return out.sort();
}

/** The rule a file falls under; undefined when none covers it. */
export function ruleFor(file: string): LayerRule | undefined {
  return LAYER_RULES.find((r) => (r.from.endsWith("/") ? file.startsWith(r.from) : file === r.from));
}

/** The folder or file of a rule's `from` (or of a `may` entry) that holds `target`. */
function covers(entry: string, target: string): boolean {
  if (entry.endsWith("/")) return target.startsWith(entry);
  return target === entry || target.replace(/\.(ts|mts|mjs|js|d\.mts|d\.ts)$/, "") === entry.replace(/\.(ts|mts|mjs|js)$/, "");
}

/** An import of `spec` from `file` as a path from the root ("" outside it), or null for a package. */
function resolveRelative(file: string, spec: string): string | null {
  if (!spec.startsWith(".")) return null;
  const joined = path.posix.normalize(path.posix.join(path.posix.dirname(file), spec));
  return joined.startsWith("../") ? "" : joined;
}

/** Whether a package name is in a rule's list ("node:*", "*" or the name). */
function packageAllowed(rule: LayerRule, spec: string): boolean {
  const name = spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : spec.split("/")[0];
  return rule.packages.some((p) => p === "*" || p === name || (p === "node:*" && spec.startsWith("node:")));
}

/** The import, export-from and dynamic import specifiers of a source text, with their lines. */
function importsOf(sf: ts.SourceFile): { spec: string; line: number }[] {
  const out: { spec: string; line: number }[] = [];
  const add = (node: ts.Node, lit: ts.Expression | undefined) => {
    if (lit && ts.isStringLiteralLike(lit)) out.push({ spec: lit.text, line: sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1 });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) add(node, node.moduleSpecifier);
    else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) add(node, node.moduleReference.expression);
    else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) add(node, node.arguments[0]);
    else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) add(node, node.argument.literal);
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

/** Uses of CommonJS globals in host code: `__dirname`, `__filename`, a bare `require(...)` or `require.resolve`. */
function commonJsUses(sf: ts.SourceFile): { what: string; line: number }[] {
  const out: { what: string; line: number }[] = [];
  let declaresRequire = false;
  const seen = (node: ts.Node, what: string) => out.push({ what, line: sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1 });
  const visit = (node: ts.Node): void => {
    if (
      (ts.isVariableDeclaration(node) || ts.isParameter(node) || ts.isFunctionDeclaration(node)) &&
      node.name &&
      ts.isIdentifier(node.name) &&
      node.name.text === "require"
    )
      declaresRequire = true;
    if (ts.isIdentifier(node) && (node.text === "__dirname" || node.text === "__filename")) {
      const parent = node.parent;
      const isMember = parent && ((ts.isPropertyAccessExpression(parent) && parent.name === node) || (ts.isPropertyAssignment(parent) && parent.name === node));
      if (!isMember) seen(node, node.text);
    }
    if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === "require") seen(node, "require()");
    if (ts.isPropertyAccessExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === "require") seen(node, "require." + node.name.text);
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return declaresRequire ? out.filter((u) => !u.what.startsWith("require")) : out;
}

const REPLACEMENT: { [what: string]: string } = {
  __dirname: "import.meta.dirname",
  __filename: "import.meta.filename",
};

/** The problems of one file, given its text. */
export function checkFile(file: string, text: string): LayerProblem[] {
  const rule = ruleFor(file);
  if (!rule) return [{ file, line: 1, message: "no layer rule covers this file: give its folder a place in LAYER_RULES (scripts/lint/layers.ts)" }];
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, file.endsWith("ts") ? ts.ScriptKind.TS : ts.ScriptKind.JS);
  const problems: LayerProblem[] = [];
  const own = rule.from.endsWith("/") ? rule.from : path.posix.dirname(rule.from) + "/";
  for (const { spec, line } of importsOf(sf)) {
    const target = resolveRelative(file, spec);
    if (target === null) {
      if (!packageAllowed(rule, spec)) {
        const allowed = rule.packages.length ? rule.packages.join(", ") : "none";
        problems.push({ file, line, message: `imports the package "${spec}": ${rule.from} may import these packages only: ${allowed}` });
      }
      continue;
    }
    const ownFile = !rule.from.endsWith("/") && covers(rule.from, target);
    if (ownFile || (rule.from.endsWith("/") && target.startsWith(own)) || rule.may.some((m) => covers(m, target))) continue;
    const where = target === "" ? "outside the repository" : target;
    const allowed = [...new Set([rule.from.endsWith("/") ? rule.from : "", ...rule.may])].filter(Boolean).join(", ");
    problems.push({ file, line, message: `imports ${where} ("${spec}"): ${rule.from} may import only ${allowed || "nothing"} (docs/design.md, "Layers")` });
  }
  if (HOST_CODE.some((h) => covers(h, file)) && !file.endsWith(".cjs")) {
    for (const { what, line } of commonJsUses(sf)) {
      const instead = REPLACEMENT[what] || 'an import, or createRequire(import.meta.url) from "node:module"';
      problems.push({ file, line, message: `uses ${what}, which ES modules do not have ("type": "module"): use ${instead}` });
    }
  }
  return problems;
}

/** The problems of every source file under `root`. */
export function checkLayers(root: string): LayerProblem[] {
  return sourceFiles(root).flatMap((file) => checkFile(file, fs.readFileSync(path.join(root, file), "utf8")));
}

function main(args: string[]): void {
  const at = args.indexOf("--root");
  if (args.length && (at < 0 || args.length !== 2)) {
    console.error("usage: tsx scripts/lint/layers.ts [--root <checkout>]");
    process.exit(2);
  }
  const root = at >= 0 ? path.resolve(args[at + 1]) : path.resolve(import.meta.dirname, "..", "..");
  const problems = checkLayers(root);
  for (const p of problems) console.error(`${p.file}:${p.line}: ${p.message}`);
  if (problems.length) {
    console.error(`layers: ${problems.length} problem${problems.length === 1 ? "" : "s"}`);
    process.exit(1);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === import.meta.filename) main(process.argv.slice(2));
