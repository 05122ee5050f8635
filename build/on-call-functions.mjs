// Keeps a minified bundle's rare functions out of memory until they are called.
//
// On Espruino a function costs about four variables for as long as it exists
// (its name, the function, its code, the link to that code in flash), however
// rarely it runs: most of a running device's pool goes to functions that run
// at a connect, on an error or on a command. This moves such functions into
// dispatchers, each a `switch` over functions written out in its text:
//   function f() {...}  f(a);  C.prototype.m = function () {...};  x.m(b);
// becomes
//   function $$0(k) { switch (k) { case 0: return function () {...};
//     case 1: return function () {...}; } }   $$0(0)(a);  $$0(1).call(x, b);
// A call makes the function from the bundle's text (in flash, where the
// bundle runs from Storage), runs it and lets it go: a dispatcher of n
// functions costs what one function does. The price is time: Espruino reads
// all of a function's text at each call, so a call through a dispatcher reads
// the whole group (`groupBytes` bounds it), about 1 ms for 2 KB on the Linux
// build. Functions on the paths taken per message and per tick stay as they
// are (`resident`).
//
// An internal method that nothing in the bundle calls, binds or names (a
// part of the client's API that this bundle does not use) is dropped.
//
// Only what is safe to move moves: a top-level function declaration named by
// calls only (never passed as a value, except to `setTimeout`, which lets it
// go once it has run; never `new`, no `this`), and a method
// assigned at the top level as `C.prototype.m = function` whose property the
// minifier shortened (`internal`: no caller outside the bundle knows it),
// defined once, and used only in calls `x.m(...)` and in `x.m.bind(...)`
// (the bound function keeps the one function made for it, about 3 variables
// where a method costs 5, and only while it exists: a pin watch's handler).
import { parse } from "acorn";
import { fullAncestor } from "acorn-walk";

function usesThis(fn) {
  let found = false;
  fullAncestor(fn.body, (node, _s, ancestors) => {
    if (node.type !== "ThisExpression") return;
    // `this` inside a function made within fn is that function's own.
    if (!ancestors.slice(0, -1).some((a) => a !== fn && (a.type === "FunctionExpression" || a.type === "FunctionDeclaration"))) found = true;
  });
  return found;
}

/** The names a function declares itself: parameters, its own name, `var`s and functions in its body, not within functions made in it. */
export function declaredNames(fn) {
  const names = new Set(fn.params.map((p) => p.name));
  if (fn.type === "FunctionExpression" && fn.id) names.add(fn.id.name);
  fullAncestor(fn.body, (node, _s, ancestors) => {
    const inner = ancestors.slice(0, -1).some((a) => a.type === "FunctionExpression" || a.type === "FunctionDeclaration");
    if (node.type === "VariableDeclarator" && !inner && node.id.type === "Identifier") names.add(node.id.name);
    if (node.type === "FunctionDeclaration" && !ancestors.slice(0, -1).some((a) => a.type === "FunctionExpression" || a.type === "FunctionDeclaration"))
      names.add(node.id.name);
  });
  return names;
}

/** The top-level method definitions `C.prototype.m = function () {}` in a statement: [assignment, property name]. */
function methodDefinitions(statement) {
  if (statement.type !== "ExpressionStatement") return [];
  const e = statement.expression;
  const parts = e.type === "SequenceExpression" ? e.expressions : [e];
  return parts.filter(
    (a) =>
      a.type === "AssignmentExpression" &&
      a.operator === "=" &&
      a.right.type === "FunctionExpression" &&
      a.left.type === "MemberExpression" &&
      !a.left.computed &&
      a.left.object.type === "MemberExpression" &&
      !a.left.object.computed &&
      a.left.object.property.name === "prototype" &&
      a.left.object.object.type === "Identifier",
  );
}

/**
 * The code with its rare functions moved into dispatchers (see above).
 * `resident` names functions that stay ("f", "C.prototype.m", minified
 * names); `internal` is the set of property names the minifier made;
 * `prefix` starts the dispatchers' names; with `count`, each dispatcher counts
 * its calls in the global `$$C`. Returns the code unchanged when it
 * cannot be parsed as ES5, or when fewer than two functions can move.
 */
export function onCallFunctions(code, { resident = [], internal = new Set(), groupBytes = 2500, prefix = "$$", count = false } = {}) {
  let ast;
  try {
    ast = parse(code, { ecmaVersion: 5, sourceType: "script" });
  } catch (e) {
    return code;
  }
  const param = prefix + "k";
  if (new RegExp(prefix.replace(/\$/g, "\\$") + "[\\dk]").test(code))
    throw new Error("on-call-functions: the bundle already uses names like " + prefix + "0 or " + param);
  // Candidates: top-level functions by name, methods by property.
  const tops = new Map();
  const methods = new Map();
  const definedProps = new Map();
  for (const st of ast.body) {
    if (st.type === "FunctionDeclaration") {
      if (!resident.includes(st.id.name) && !usesThis(st)) tops.set(st.id.name, { node: st, fn: st, calls: [] });
    }
    for (const a of methodDefinitions(st)) {
      const prop = a.left.property.name;
      definedProps.set(prop, (definedProps.get(prop) || 0) + 1);
      const name = a.left.object.object.name + ".prototype." + prop;
      if (internal.has(prop) && !resident.includes(name)) methods.set(prop, { node: a, statement: st, fn: a.right, calls: [], binds: [] });
    }
  }
  for (const [prop, n] of definedProps) if (n > 1) methods.delete(prop);
  // Every use: a call keeps a candidate, anything else rules it out. A name
  // some function declares for itself there is that function's own.
  const declared = new Map();
  const local = (name, ancestors) =>
    ancestors.some((a) => {
      // A catch's name is its clause's own (the name itself included).
      if (a.type === "CatchClause") return a.param !== null && a.param.name === name;
      if (a.type !== "FunctionExpression" && a.type !== "FunctionDeclaration") return false;
      if (!declared.has(a)) declared.set(a, declaredNames(a));
      return declared.get(a).has(name);
    });
  fullAncestor(ast, (node, _s, ancestors) => {
    const parent = ancestors[ancestors.length - 2];
    if (node.type === "Identifier" && tops.has(node.name) && !local(node.name, ancestors.slice(0, -1))) {
      const t = tops.get(node.name);
      if (parent === t.node) return;
      const call = parent && parent.type === "CallExpression";
      // setTimeout(f, ...) holds f only until it fires: made there, it goes then.
      if (call && (parent.callee === node || (parent.arguments[0] === node && parent.callee.type === "Identifier" && parent.callee.name === "setTimeout")))
        t.calls.push(node);
      else if (!(parent && parent.type === "MemberExpression" && parent.property === node && !parent.computed)) tops.delete(node.name);
    }
    if (node.type === "MemberExpression" && !node.computed && methods.has(node.property.name)) {
      const m = methods.get(node.property.name);
      if (m.node.left === node) return;
      const grand = ancestors[ancestors.length - 3];
      if (parent && parent.type === "CallExpression" && parent.callee === node) m.calls.push(parent);
      // x.m.bind(...): the bound function holds the function made from the group's text, not the group.
      else if (
        parent &&
        parent.type === "MemberExpression" &&
        parent.object === node &&
        !parent.computed &&
        parent.property.name === "bind" &&
        grand &&
        grand.type === "CallExpression" &&
        grand.callee === parent
      )
        m.binds.push(node);
      else methods.delete(node.property.name);
    }
    if (node.type === "Property" && !node.computed && node.key.type === "Identifier" && methods.has(node.key.name)) methods.delete(node.key.name);
    if (node.type === "Literal" && typeof node.value === "string" && methods.has(node.value)) methods.delete(node.value);
  });
  // Groups in the order of the bundle, each at most groupBytes of text.
  const moving = [...tops.values(), ...methods.values()]
    .filter((c) => c.calls.length > 0 || (c.binds && c.binds.length > 0))
    .sort((a, b) => a.fn.start - b.fn.start);
  const groups = [];
  let current = null;
  for (const c of moving) {
    const size = c.fn.end - c.fn.start;
    if (!current || current.bytes + size > groupBytes) groups.push((current = { bytes: 0, members: [] }));
    current.members.push(c);
    current.bytes += size;
  }
  const kept = groups.filter((g) => g.members.length > 1);
  // An internal method that nothing calls, binds or names is dead in this bundle: its definition goes.
  const unused = [...methods.values()].filter((c) => c.calls.length === 0 && c.binds.length === 0).map((c) => c.node);
  if (kept.length === 0 && unused.length === 0) return code;
  const edits = [];
  kept.forEach((g, gi) =>
    g.members.forEach((c, k) => {
      c.ref = prefix + gi + "(" + k + ")";
      if (c.node.type === "FunctionDeclaration") {
        for (const id of c.calls) edits.push({ start: id.start, end: id.end, text: () => c.ref });
        edits.push({ start: c.node.start, end: c.node.end, text: () => "" });
      } else {
        for (const ref of c.binds) edits.push({ start: ref.start, end: ref.end, text: () => c.ref });
        for (const call of c.calls) {
          const obj = call.callee.object;
          const args = call.arguments;
          edits.push({
            start: call.start,
            end: call.end,
            text: () => c.ref + ".call(" + render(obj.start, obj.end) + (args.length ? "," + render(args[0].start, args[args.length - 1].end) : "") + ")",
          });
        }
      }
    }),
  );
  // A statement of method definitions keeps those that stay.
  const movedDefs = new Set(kept.flatMap((g) => g.members.filter((c) => c.node.type !== "FunctionDeclaration").map((c) => c.node)).concat(unused));
  for (const st of ast.body) {
    const defs = methodDefinitions(st).filter((a) => movedDefs.has(a));
    if (!defs.length) continue;
    const e = st.expression;
    const parts = (e.type === "SequenceExpression" ? e.expressions : [e]).filter((p) => !movedDefs.has(p));
    edits.push({ start: st.start, end: st.end, text: () => (parts.length ? parts.map((p) => render(p.start, p.end)).join(",") + ";" : "") });
  }
  edits.sort((a, b) => a.start - b.start || b.end - a.end);
  function render(start, end) {
    let out = "";
    let pos = start;
    for (const e of edits) {
      if (e.start < pos || e.end > end) continue;
      out += code.slice(pos, e.start) + e.text();
      pos = e.end;
    }
    return out + code.slice(pos, end);
  }
  const functionText = (c) => (c.node.type === "FunctionDeclaration" ? "function" + render(c.node.id.end, c.node.end) : render(c.fn.start, c.fn.end));
  const dispatchers = kept.map(
    (g, gi) =>
      "function " +
      prefix +
      gi +
      "(" +
      param +
      "){" +
      (count ? "$$C[" + gi + "*100+" + param + "]=($$C[" + gi + "*100+" + param + "]|0)+1;" : "") +
      "switch(" +
      param +
      "){\n" +
      g.members.map((c, k) => "case " + k + ":return " + functionText(c) + "\n").join("") +
      "}}\n",
  );
  // Function declarations only: they go first, before anything can call them.
  // Counting: $$C[100 * group + case] is the number of calls, and a comment says which function each is.
  const names = kept.flatMap((g, gi) =>
    g.members.map((c, k) => gi * 100 + k + "=" + (c.node.type === "FunctionDeclaration" ? c.node.id.name : code.slice(c.node.left.start, c.node.left.end))),
  );
  return (count ? "var $$C={};\n// " + names.join(" ") + "\n" : "") + dispatchers.join("") + render(0, code.length);
}
