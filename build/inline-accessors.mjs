// Writes the tables' accessors out where they are called.
//
// The session tables (outbox, subscriptions) own their slot layouts: the client
// asks outboxState(o, slot) or subscriptionWaits(t, i) rather than reading the
// packed words itself. On Espruino each such function would cost about five
// variables while loaded, and each call on a message's path about as much time
// as the expression it computes; terser writes a function out only where it has
// one call outside a loop. So the build does it for the functions it is given:
// each is one expression (`return e;`, or one expression statement), and each
// call `f(a, b)` becomes `(e)` with every parameter replaced by its argument in
// parentheses; the function then goes. An argument that is not simple (a name,
// a literal, `this`, a member of those) may stand only for a parameter used
// once, and only beside simple ones, so that nothing is evaluated twice or out
// of order. Anything else (another use of the name, a body of more than one
// expression, a name of the body that the call site declares itself) stops the
// build: the list promises that these functions cost nothing.
import { parse } from "acorn";
import { fullAncestor } from "acorn-walk";
import { declaredNames } from "./on-call-functions.mjs";

const SIMPLE = new Set(["Identifier", "Literal", "ThisExpression"]);

/** Whether `node` can be written twice without evaluating anything twice that matters: a name, a literal, `this`, or members of those. */
function simple(node) {
  if (SIMPLE.has(node.type)) return true;
  if (node.type === "UnaryExpression" && node.operator === "-" && node.argument.type === "Literal") return true;
  if (node.type === "MemberExpression") return simple(node.object) && (!node.computed || simple(node.property));
  return false;
}

/** The names declared by the functions enclosing a node (parameters, vars, function declarations). */
function enclosingNames(ancestors) {
  const names = new Set();
  for (const a of ancestors) if (a.type === "FunctionExpression" || a.type === "FunctionDeclaration") for (const n of declaredNames(a)) names.add(n);
  return names;
}

/**
 * The accessor `fn` as { params, exprs (its expressions), free (the other
 * names it reads) }, or a reason it is none: its body is `return e;`, or
 * expression statements only (a change to a slot), written out as `(e1, e2)`.
 */
function accessorOf(fn) {
  const body = fn.body.body;
  const returns = body.length === 1 && body[0].type === "ReturnStatement" && body[0].argument;
  if (!returns && (!body.length || body.some((st) => st.type !== "ExpressionStatement"))) return "its body is not `return e;` or expression statements";
  const exprs = returns ? [body[0].argument] : body.map((st) => st.expression);
  if (fn.params.some((p) => p.type !== "Identifier")) return "a parameter is not a plain name";
  const params = fn.params.map((p) => p.name);
  const free = new Set();
  let bad = null;
  for (const expr of exprs)
    fullAncestor(expr, (node, _s, ancestors) => {
      if (node.type === "ThisExpression" || (node.type === "Identifier" && node.name === "arguments")) bad = "it reads this or arguments";
      if (node.type === "FunctionExpression") bad = "it makes a function";
      if (node.type !== "Identifier") return;
      const parent = ancestors[ancestors.length - 2];
      if (parent && parent.type === "MemberExpression" && parent.property === node && !parent.computed) return;
      if (parent && parent.type === "Property" && parent.key === node && !parent.computed) return;
      if (!params.includes(node.name)) free.add(node.name);
    });
  return bad || { params, exprs, free };
}

/** Inlines one call of a listed accessor; returns the new code, or null when no call is left. */
function inlineOne(code, names, file) {
  const ast = parse(code, { ecmaVersion: 2020, sourceType: "module" });
  const defs = new Map();
  for (const st of ast.body) if (st.type === "FunctionDeclaration" && names.includes(st.id.name)) defs.set(st.id.name, st);
  let edit = null;
  fullAncestor(ast, (node, _s, ancestors) => {
    if (edit || node.type !== "Identifier" || !defs.has(node.name)) return;
    const def = defs.get(node.name);
    const parent = ancestors[ancestors.length - 2];
    if (parent === def) return;
    const where = node.name + " in " + file;
    if (!parent || parent.type !== "CallExpression" || parent.callee !== node) throw new Error("inline-accessors: " + where + " is used other than in a call");
    const a = accessorOf(def);
    if (typeof a === "string") throw new Error("inline-accessors: " + where + ": " + a);
    const args = parent.arguments;
    if (args.length !== a.params.length)
      throw new Error("inline-accessors: " + where + " is called with " + args.length + " arguments, not " + a.params.length);
    const declared = enclosingNames(ancestors.slice(0, -1));
    if (declared.has(node.name)) throw new Error("inline-accessors: " + where + ": a call site declares the name itself");
    for (const name of a.free) if (declared.has(name)) throw new Error("inline-accessors: " + where + " reads " + name + ", which a call site declares");
    const uses = new Map(a.params.map((p) => [p, 0]));
    for (const expr of a.exprs)
      fullAncestor(expr, (n, _s2, anc) => {
        const par = anc[anc.length - 2];
        if (n.type === "Identifier" && uses.has(n.name) && !(par && par.type === "MemberExpression" && par.property === n && !par.computed))
          uses.set(n.name, uses.get(n.name) + 1);
      });
    const complex = args.map((arg, i) => (simple(arg) ? -1 : i)).filter((i) => i >= 0);
    if (complex.length > 1 || (complex.length === 1 && uses.get(a.params[complex[0]]) > 1))
      throw new Error("inline-accessors: " + where + " has an argument that would be evaluated twice or out of order: give it a name first");
    // Each expression's text, each parameter replaced by its argument.
    const texts = a.exprs.map((expr) => {
      const replaced = [];
      fullAncestor(expr, (n, _s2, anc) => {
        const par = anc[anc.length - 2];
        if (n.type !== "Identifier" || !uses.has(n.name)) return;
        if (par && par.type === "MemberExpression" && par.property === n && !par.computed) return;
        replaced.push(n);
      });
      replaced.sort((x, y) => x.start - y.start);
      let text = "";
      let pos = expr.start;
      for (const n of replaced) {
        const arg = args[a.params.indexOf(n.name)];
        text += code.slice(pos, n.start) + "(" + code.slice(arg.start, arg.end) + ")";
        pos = n.end;
      }
      return text + code.slice(pos, expr.end);
    });
    edit = { start: parent.start, end: parent.end, text: "(" + texts.join(", ") + ")" };
  });
  if (edit) return code.slice(0, edit.start) + edit.text + code.slice(edit.end);
  // No call left: the definitions go.
  const gone = [...defs.values()].sort((x, y) => y.start - x.start);
  if (!gone.length) return null;
  let out = code;
  for (const d of gone) out = out.slice(0, d.start) + out.slice(d.end);
  return out;
}

/**
 * `code` with every call of the functions named in `names` written out (see
 * above), and their definitions removed. Throws when one of them cannot be.
 * A name that is no top-level function of `code` is left to the caller's
 * name check.
 */
export function inlineAccessors(code, names, file = "bundle") {
  let out = code;
  for (;;) {
    const next = inlineOne(out, names, file);
    if (next === null) return out;
    out = next;
  }
}
