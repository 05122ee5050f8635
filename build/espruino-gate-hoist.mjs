// The Espruino gate's rules on declaration order (build/espruino-gate.mjs): var-order and hoist.
import { base } from "acorn-walk";
import { functionScope, isFunction, lookup, isGlobal, isWriteTarget, propertyName } from "./espruino-gate-scopes.mjs";
import { SYNC_CALLBACK_METHODS } from "./espruino-gate-nodes.mjs";

// ---------------------------------------------------------------- var-order

/**
 * Espruino creates a `var` only when execution reaches its declaration: until
 * then the name is the outer binding, so `x = 1; ... var x;` in a function
 * writes the outer x (a minifier that merges declarations makes exactly this).
 * Flags a name used in a function (or the program) textually before the first
 * declaration of that var in the same function, outside nested functions.
 */
export function varOrderViolations(ast, scopes) {
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
export function hoistViolations(ast, scopes) {
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
