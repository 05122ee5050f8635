// The Espruino gate: a static check that a built ES5 bundle avoids what the
// Espruino interpreter cannot run (see the project's Espruino notes). Each
// violation names a rule; an empty list means the bundle passes.
//
// CLI: `node build/espruino-gate.mjs` checks dist/<board>/fabmqtt.js and
// fabmqtt.min.js of every board in boards/*.ts against the board's
// `bundleBudget` / `minBundleBudget`, and exits 1 on any violation or missing bundle.
// `--root <dir>` checks another checkout (the tests use it).
import { parse } from "acorn";
import { base } from "acorn-walk";
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

// Constructors whose `X.prototype.method` lookup gives undefined on Espruino.
const BUILTIN_CONSTRUCTORS = new Set([
  "Array",
  "Object",
  "String",
  "Function",
  "Number",
  "Boolean",
  "RegExp",
  "Date",
  "Promise",
  "Error",
  "TypeError",
  "RangeError",
  "SyntaxError",
  "ReferenceError",
  "InternalError",
  "ArrayBuffer",
  "DataView",
  "Uint8Array",
  "Uint8ClampedArray",
  "Int8Array",
  "Uint16Array",
  "Int16Array",
  "Uint32Array",
  "Int32Array",
  "Float32Array",
  "Float64Array",
]);
const SPREAD_HELPERS = new Set(["__spreadArray", "__spreadArrays", "__spread", "__read"]);
const MISSING_GLOBALS = new Set(["Map", "Set", "WeakMap", "WeakSet", "Symbol", "Proxy", "Reflect"]);
const MISSING_STATICS = {
  Object: new Set(["freeze", "seal"]),
  Array: new Set(["from"]),
  Number: new Set(["isInteger"]),
  Date: new Set(["UTC"]),
};
// Methods that call a function argument before they return.
const SYNC_CALLBACK_METHODS = new Set(["forEach", "map", "filter", "reduce", "reduceRight", "some", "every", "sort", "find", "findIndex"]);

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

// ---------------------------------------------------------------- scopes

// A scope is { node, kind: "program" | "function" | "catch", parent, bindings }.
// bindings: name -> { kind: "function" | "param" | "var" | "catch" | "fname", node }.
const BINDING_RANK = { fname: 1, var: 2, param: 3, catch: 3, function: 4 };

function newScope(node, kind, parent) {
  return { node, kind, parent, bindings: new Map() };
}

function bind(scope, name, kind, node) {
  const old = scope.bindings.get(name);
  if (!old || BINDING_RANK[kind] >= BINDING_RANK[old.kind]) scope.bindings.set(name, { kind, node });
}

function functionScope(scope) {
  while (scope.kind === "catch") scope = scope.parent;
  return scope;
}

function isFunction(node) {
  return node.type === "FunctionDeclaration" || node.type === "FunctionExpression";
}

/** Map from Program, function and CatchClause nodes to their scope. */
function buildScopes(ast) {
  const scopes = new Map();
  const program = newScope(ast, "program", null);
  scopes.set(ast, program);
  function visit(node, scope) {
    if (isFunction(node)) {
      if (node.type === "FunctionDeclaration") bind(functionScope(scope), node.id.name, "function", node);
      const own = newScope(node, "function", scope);
      scopes.set(node, own);
      if (node.type === "FunctionExpression" && node.id) bind(own, node.id.name, "fname", node);
      for (const p of node.params) bind(own, p.name, "param", p);
      visit(node.body, own);
      return;
    }
    if (node.type === "CatchClause") {
      const own = newScope(node, "catch", scope);
      scopes.set(node, own);
      if (node.param) bind(own, node.param.name, "catch", node.param);
      visit(node.body, own);
      return;
    }
    if (node.type === "VariableDeclarator") bind(functionScope(scope), node.id.name, "var", node);
    base[node.type](node, scope, (child, st) => visit(child, st));
  }
  visit(ast, program);
  return scopes;
}

function lookup(name, scope) {
  for (let s = scope; s; s = s.parent) {
    const binding = s.bindings.get(name);
    if (binding) return { scope: s, binding };
  }
  return null;
}

function isGlobal(name, scope) {
  return lookup(name, scope) === null;
}

// An identifier reached with these walker overrides is written, not read.
function isWriteTarget(override) {
  return override === "Pattern" || override === "ForInit";
}

function propertyName(member) {
  if (!member.computed) return member.property.name;
  const p = member.property;
  return p.type === "Literal" && typeof p.value === "string" ? p.value : null;
}

// ---------------------------------------------------------------- var-order

/**
 * Espruino creates a `var` only when execution reaches its declaration: until
 * then the name is the outer binding, so `x = 1; ... var x;` in a function
 * writes the outer x (a minifier that merges declarations makes exactly this).
 * Flags a name used in a function (or the program) textually before the first
 * declaration of that var in the same function, outside nested functions.
 */
function varOrderViolations(ast, scopes) {
  const violations = [];
  function visitScope(scopeNode) {
    const scope = scopes.get(scopeNode);
    const firstDecl = new Map();
    const uses = [];
    const body = scopeNode.type === "Program" ? scopeNode : scopeNode.body;
    (function walk(node) {
      if (node !== body && isFunction(node)) {
        if (node.type === "FunctionDeclaration") uses.push({ name: node.id.name, start: node.id.start, decl: true, node: node.id });
        return;
      }
      if (node.type === "VariableDeclarator") {
        const name = node.id.name;
        if (!firstDecl.has(name)) firstDecl.set(name, node.start);
        if (node.init) walk(node.init);
        return;
      }
      if (node.type === "Identifier") uses.push({ name: node.name, start: node.start, node });
      if (node.type === "MemberExpression") {
        walk(node.object);
        if (node.computed) walk(node.property);
        return;
      }
      if (node.type === "Property") {
        if (node.computed) walk(node.key);
        walk(node.value);
        return;
      }
      if (node.type === "LabeledStatement" || node.type === "BreakStatement" || node.type === "ContinueStatement") {
        if (node.body) walk(node.body);
        return;
      }
      base[node.type](node, null, (child) => walk(child));
    })(body);
    for (const u of uses) {
      if (u.decl) continue;
      const binding = scope.bindings.get(u.name);
      if (!binding || binding.kind !== "var") continue;
      const at = firstDecl.get(u.name);
      if (at !== undefined && u.start < at)
        violations.push({
          rule: "var-order",
          message: 'var "' + u.name + '" is used before its declaration in the same function; Espruino would use the outer binding there',
          line: u.node.loc.start.line,
        });
    }
  }
  visitScope(ast);
  for (const node of scopes.keys()) if (isFunction(node)) visitScope(node);
  return violations;
}

// ---------------------------------------------------------------- hoist

/**
 * Espruino binds a function declaration only when execution reaches it. This
 * simulates the code that runs at once: the program top level and, as entry
 * points of their own, every function body (its outer scopes then complete).
 * Statements run in order; a function declaration marks its name declared in its
 * scope's activation; IIFEs, functions called by name, var-bound function
 * expressions that are called, and callbacks of synchronous array methods run
 * their bodies at the call. Reading or calling a function name whose declaration
 * in a live activation was not reached yet is a violation.
 */
function hoistViolations(ast, scopes) {
  const violations = [];
  const reported = new Set();
  const active = new Map(); // scope -> { declared: Set<name>, fnVars: Map<name, FunctionExpression> }
  const running = new Set();
  const done = new Set();

  function report(id, verb, decl, via) {
    if (reported.has(id.start)) return;
    reported.add(id.start);
    const chain = via.length ? " (runs at load via " + via.join(" -> ") + ")" : "";
    violations.push({
      rule: "hoist",
      message:
        'function "' +
        id.name +
        '" is ' +
        verb +
        " before its declaration on line " +
        decl.loc.start.line +
        chain +
        "; Espruino does not hoist function declarations",
      line: id.loc.start.line,
    });
  }

  // The function an identifier names right now, or null. Reports a use before declaration.
  function useName(id, ctx, verb) {
    const found = lookup(id.name, ctx.scope);
    if (!found) return null;
    const { scope, binding } = found;
    const act = active.get(scope);
    if (binding.kind === "function") {
      if (act && !act.declared.has(id.name)) {
        report(id, verb, binding.node, ctx.via);
        return null;
      }
      return binding.node;
    }
    if (binding.kind === "var") return act ? act.fnVars.get(id.name) || null : null;
    if (binding.kind === "fname") return binding.node;
    return null;
  }

  function recordVar(name, value, ctx) {
    const found = lookup(name, ctx.scope);
    if (!found || found.binding.kind !== "var") return;
    const act = active.get(found.scope);
    if (!act) return;
    if (value.type === "FunctionExpression") act.fnVars.set(name, value);
    else act.fnVars.delete(name);
  }

  function signature(fn) {
    let sig = String(fn.start);
    for (let s = scopes.get(fn).parent; s; s = s.parent) {
      if (s.kind === "catch") continue;
      const act = active.get(s);
      sig += act ? "," + act.declared.size + "." + act.fnVars.size : ",c";
    }
    return sig;
  }

  function run(fn, via) {
    if (running.has(fn)) return;
    const sig = signature(fn);
    if (done.has(sig)) return;
    done.add(sig);
    const scope = scopes.get(fn);
    const previous = active.get(scope);
    active.set(scope, { declared: new Set(), fnVars: new Map() });
    running.add(fn);
    visit(fn.type === "Program" ? fn : fn.body, { scope, via }, "Statement");
    running.delete(fn);
    if (previous) active.set(scope, previous);
    else active.delete(scope);
  }

  function invoke(fn, ctx) {
    const name = fn.id ? fn.id.name : "function@" + fn.loc.start.line;
    run(fn, ctx.via.concat(name));
  }

  function visitCall(node, ctx) {
    const callee = node.callee;
    const method = callee.type === "MemberExpression" ? propertyName(callee) : null;
    let target = null;
    if (callee.type === "FunctionExpression") {
      target = callee;
    } else if ((method === "call" || method === "apply") && callee.object.type === "FunctionExpression") {
      target = callee.object;
    } else if (callee.type === "Identifier") {
      target = useName(callee, ctx, "called");
    } else if ((method === "call" || method === "apply") && callee.object.type === "Identifier") {
      target = useName(callee.object, ctx, "called");
      if (callee.computed) visit(callee.property, ctx, "Expression");
    } else {
      visit(callee, ctx, "Expression");
    }
    for (const arg of node.arguments) visit(arg, ctx, "Expression");
    if (target) invoke(target, ctx);
    const runsCallbacks =
      (method !== null && SYNC_CALLBACK_METHODS.has(method)) ||
      (node.type === "NewExpression" && callee.type === "Identifier" && callee.name === "Promise" && isGlobal("Promise", ctx.scope));
    if (!runsCallbacks) return;
    for (const arg of node.arguments) {
      const fn = arg.type === "FunctionExpression" ? arg : arg.type === "Identifier" ? useName(arg, ctx, "called") : null;
      if (fn) invoke(fn, ctx);
    }
  }

  function visit(node, ctx, override) {
    switch (node.type) {
      case "FunctionDeclaration": {
        const act = active.get(functionScope(ctx.scope));
        if (act) act.declared.add(node.id.name);
        return;
      }
      case "FunctionExpression":
        return; // runs later, unless a call above runs it
      case "Identifier":
        if (!isWriteTarget(override)) useName(node, ctx, "used");
        return;
      case "UnaryExpression":
        if (node.operator === "typeof" && node.argument.type === "Identifier") return;
        break;
      case "CatchClause":
        visit(node.body, { scope: scopes.get(node), via: ctx.via }, "Statement");
        return;
      case "VariableDeclarator":
        if (node.init) {
          visit(node.init, ctx, "Expression");
          recordVar(node.id.name, node.init, ctx);
        }
        return;
      case "AssignmentExpression":
        if (node.left.type === "Identifier") {
          if (node.operator !== "=") useName(node.left, ctx, "used");
          visit(node.right, ctx, "Expression");
          recordVar(node.left.name, node.right, ctx);
          return;
        }
        break;
      case "CallExpression":
      case "NewExpression":
        visitCall(node, ctx);
        return;
    }
    base[node.type](node, ctx, (child, st, ov) => visit(child, st, ov));
  }

  run(ast, []);
  for (const [node] of scopes) if (isFunction(node)) run(node, []);
  return violations;
}

// ---------------------------------------------------------------- node rules

function checkRegex(pattern, flags) {
  const problems = new Set();
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    if (ch === "\\") {
      const next = pattern[i + 1];
      if (next === "u") problems.add("\\u escape");
      else if (!inClass && (next === "b" || next === "B")) problems.add("\\" + next + " word boundary");
      i++;
    } else if (inClass) {
      if (ch === "]") inClass = false;
    } else if (ch === "[") {
      inClass = true;
    } else if (ch === "?") {
      problems.add('"?" (optional, lazy, group or lookaround)');
    } else if (ch === "{" && /^\{\d+(,\d*)?\}/.test(pattern.slice(i))) {
      problems.add("{n,m} quantifier");
    }
  }
  if (flags.indexOf("m") >= 0) problems.add("m flag");
  return [...problems];
}

/** Every rule that looks at single AST nodes. */
function nodeViolations(ast, scopes) {
  const violations = [];
  const seen = new Set();
  function add(rule, node, message) {
    const key = rule + "@" + node.start;
    if (seen.has(key)) return;
    seen.add(key);
    violations.push({ rule, message, line: node.loc.start.line });
  }
  function helperName(id) {
    if (SPREAD_HELPERS.has(id.name)) add("array-spread", id, id.name + " (TypeScript spread helper) fails on Espruino");
    if (id.name === "__generator") add("async-try", id, "__generator (TypeScript async/generator helper) is not supported");
  }
  function regex(node, pattern, flags) {
    const problems = checkRegex(pattern, flags);
    if (problems.length) {
      add("regex", node, "regex /" + pattern + "/" + flags + " uses " + problems.join(", ") + ": Espruino never matches it");
    }
  }

  function check(node, scope, override) {
    switch (node.type) {
      case "Identifier":
        helperName(node);
        if (!isWriteTarget(override) && MISSING_GLOBALS.has(node.name) && isGlobal(node.name, scope)) {
          add("missing-builtin", node, node.name + " does not exist on Espruino");
        }
        break;
      case "FunctionDeclaration":
      case "FunctionExpression":
        if (node.id) helperName(node.id);
        for (const p of node.params) helperName(p);
        break;
      case "MemberExpression": {
        const prop = propertyName(node);
        const obj = node.object;
        if (
          obj.type === "MemberExpression" &&
          propertyName(obj) === "prototype" &&
          obj.object.type === "Identifier" &&
          BUILTIN_CONSTRUCTORS.has(obj.object.name) &&
          isGlobal(obj.object.name, scope)
        ) {
          add(
            "prototype-lookup",
            node,
            obj.object.name + ".prototype." + (prop || "[...]") + " is undefined on Espruino; look the method up on an instance (e.g. [].slice)",
          );
        }
        if (
          obj.type === "Identifier" &&
          prop &&
          Object.prototype.hasOwnProperty.call(MISSING_STATICS, obj.name) &&
          MISSING_STATICS[obj.name].has(prop) &&
          isGlobal(obj.name, scope)
        ) {
          add("missing-builtin", node, obj.name + "." + prop + " does not exist on Espruino");
        }
        break;
      }
      case "CallExpression":
      case "NewExpression": {
        const callee = node.callee;
        const args = node.arguments;
        const method = callee.type === "MemberExpression" ? propertyName(callee) : null;
        if (method === "concat") add("concat", node, ".concat() is missing from flash-saving Espruino builds; use + or push");
        if (method === "create" && callee.object.type === "Identifier" && callee.object.name === "Object" && isGlobal("Object", scope) && args.length >= 2) {
          add("missing-builtin", node, "Object.create with property descriptors does not exist on Espruino");
        }
        if (callee.type === "Identifier" && isGlobal(callee.name, scope)) {
          if ((callee.name === "clearTimeout" || callee.name === "clearInterval") && args.length === 0) {
            add("clear-all-timers", node, callee.name + "() without an argument clears every timer on Espruino");
          }
          if (callee.name === "RegExp" && args.length > 0 && args[0].type === "Literal" && typeof args[0].value === "string") {
            const flags = args.length > 1 && args[1].type === "Literal" && typeof args[1].value === "string" ? args[1].value : "";
            regex(node, args[0].value, flags);
          }
        }
        break;
      }
      case "Literal":
        if (node.regex) regex(node, node.regex.pattern, node.regex.flags);
        break;
      case "LabeledStatement":
        add("label", node, 'label "' + node.label.name + '" fails to parse on Espruino');
        break;
      case "ArrayExpression":
        if (node.elements.indexOf(null) >= 0) {
          add("async-try", node, "array literal with holes (TypeScript's await inside try/catch) fails to parse on Espruino");
        }
        break;
      case "AssignmentExpression":
        if (node.left.type === "MemberExpression" && propertyName(node.left) === "length") {
          add("length-assign", node, "assigning .length throws on Espruino; use splice");
        }
        break;
      case "UpdateExpression":
        if (node.argument.type === "MemberExpression" && propertyName(node.argument) === "length") {
          add("length-assign", node, "changing .length throws on Espruino; use splice or push");
        }
        break;
    }
  }

  function visit(node, scope, override) {
    check(node, scope, override);
    if (isFunction(node)) {
      visit(node.body, scopes.get(node), "Statement");
    } else if (node.type === "CatchClause") {
      visit(node.body, scopes.get(node), "Statement");
    } else {
      base[node.type](node, scope, (child, st, ov) => visit(child, st, ov));
    }
  }
  visit(ast, scopes.get(ast), "Statement");
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
