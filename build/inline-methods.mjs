// Inlines internal methods (names ending in `_`) that have one call site.
//
// The source splits work into small methods with one job (a handler per packet
// kind, one per step of a connection). On Espruino a method costs about 8
// variables for as long as the bundle is loaded (measured on the pool of 1,600:
// 10 one-line methods took 80 variables, the same 10 functions as expressions
// inside one function 19), while a function expression costs nothing until it
// runs. So a method assigned as
//   X.prototype.m_ = function (a, b) { body };
// and called once, as `this.m_(x, y)`, becomes
//   (function (a, b) { body }).call(this, x, y)
// at that call, and its assignment goes. A method named anywhere else (another
// call, a reference, `other.m_`) stays. Methods in `keep` stay too, and so do
// those called from a method in `keep`: Espruino reads every character of a
// function it runs, the branches it skips and the rest after `return`
// included (2 KB of code after an early return cost 1.1 ms a call from
// Storage on the Linux build), so a method run for every packet must stay
// short, with its rare branches in methods of their own.
import { parse } from "acorn";
import { simple as walkSimple } from "acorn-walk";

/** The name of the method `X.prototype.name = function` whose definition holds position `at`, or null. */
function enclosingMethod(ast, at) {
  for (const st of ast.body) {
    if (st.start > at || st.end <= at) continue;
    if (st.type !== "ExpressionStatement" || st.expression.type !== "AssignmentExpression") return null;
    const left = st.expression.left;
    return left.type === "MemberExpression" && !left.computed ? left.property.name : null;
  }
  return null;
}

/** Method definitions `X.prototype.name = function` at the top level, by name; with `all`, also those whose name does not end in `_`. */
function methodDefinitions(ast, all) {
  const defs = new Map();
  for (const st of ast.body) {
    if (st.type !== "ExpressionStatement" || st.expression.type !== "AssignmentExpression") continue;
    const { left, right } = st.expression;
    if (left.type !== "MemberExpression" || left.computed || right.type !== "FunctionExpression") continue;
    const proto = left.object;
    if (proto.type !== "MemberExpression" || proto.computed || proto.property.name !== "prototype") continue;
    const name = left.property.name;
    if (!all && !name.endsWith("_")) continue;
    defs.set(name, defs.has(name) ? null : { statement: st, fn: right, key: left.property });
  }
  return defs;
}

/** Inlines one method if one qualifies; returns the new code, or null when none does. */
function inlineOne(code, keep) {
  const ast = parse(code, { ecmaVersion: 5 });
  const defs = methodDefinitions(ast);
  const uses = new Map();
  walkSimple(ast, {
    MemberExpression(node) {
      if (node.computed || !defs.get(node.property.name)) return;
      const def = defs.get(node.property.name);
      if (node.property === def.key) return;
      const list = uses.get(node.property.name) || [];
      list.push(node);
      uses.set(node.property.name, list);
    },
  });
  const calls = new Map();
  walkSimple(ast, {
    CallExpression(node) {
      const c = node.callee;
      if (c.type === "MemberExpression" && !c.computed && c.object.type === "ThisExpression") calls.set(c, node);
    },
  });
  for (const [name, def] of defs) {
    if (!def || keep.includes(name)) continue;
    const list = uses.get(name) || [];
    if (list.length !== 1 || !calls.has(list[0])) continue;
    const call = calls.get(list[0]);
    if (keep.includes(enclosingMethod(ast, call.start))) continue;
    const fnText = code.slice(def.fn.start, def.fn.end);
    const args = call.arguments.length ? ", " + code.slice(call.arguments[0].start, call.arguments[call.arguments.length - 1].end) : "";
    const replacement = "(" + fnText + ").call(this" + args + ")";
    // Remove the definition and replace the call, the later position first.
    const edits = [
      [def.statement.start, def.statement.end, ""],
      [call.start, call.end, replacement],
    ].sort((a, b) => b[0] - a[0]);
    let out = code;
    for (const [s, e, t] of edits) out = out.slice(0, s) + t + out.slice(e);
    return out;
  }
  return null;
}

/**
 * The code with every internal method that has one `this.` call site inlined
 * there, except those named in `keep`. Throws when a name in `keep` is no
 * method of the code (a stale entry). Returns the code unchanged when it
 * cannot be parsed as ES5.
 */
export function inlineSingleUseMethods(code, keep = []) {
  try {
    parse(code, { ecmaVersion: 5 });
  } catch (e) {
    return code;
  }
  const defined = methodDefinitions(parse(code, { ecmaVersion: 5 }), true);
  const stale = keep.filter((name) => !defined.has(name));
  if (stale.length) throw new Error("inline-methods: kept methods not in the bundle: " + stale.join(", "));
  for (let i = 0; i < 500; i++) {
    const next = inlineOne(code, keep);
    if (next === null) return code;
    code = next;
  }
  return code;
}
