// The Espruino gate's scopes (build/espruino-gate.mjs): which name a node means.
import { base } from "acorn-walk";

// ---------------------------------------------------------------- scopes

// A scope is { node, kind: "program" | "function" | "catch", parent, bindings }.
// bindings: name -> { kind: "function" | "param" | "var" | "catch" | "fname", node }.
export const BINDING_RANK = { fname: 1, var: 2, param: 3, catch: 3, function: 4 };

export function newScope(node, kind, parent) {
  return { node, kind, parent, bindings: new Map() };
}

export function bind(scope, name, kind, node) {
  const old = scope.bindings.get(name);
  if (!old || BINDING_RANK[kind] >= BINDING_RANK[old.kind]) scope.bindings.set(name, { kind, node });
}

export function functionScope(scope) {
  while (scope.kind === "catch") scope = scope.parent;
  return scope;
}

export function isFunction(node) {
  return node.type === "FunctionDeclaration" || node.type === "FunctionExpression";
}

/** Map from Program, function and CatchClause nodes to their scope. */
export function buildScopes(ast) {
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

export function lookup(name, scope) {
  for (let s = scope; s; s = s.parent) {
    const binding = s.bindings.get(name);
    if (binding) return { scope: s, binding };
  }
  return null;
}

export function isGlobal(name, scope) {
  return lookup(name, scope) === null;
}

// An identifier reached with these walker overrides is written, not read.
export function isWriteTarget(override) {
  return override === "Pattern" || override === "ForInit";
}

export function propertyName(member) {
  if (!member.computed) return member.property.name;
  const p = member.property;
  return p.type === "Literal" && typeof p.value === "string" ? p.value : null;
}
