// The Espruino gate's rules on single nodes (build/espruino-gate.mjs).
import { base } from "acorn-walk";
import { isFunction, lookup, isGlobal, isWriteTarget, propertyName } from "./espruino-gate-scopes.mjs";

// Constructors whose `X.prototype.method` lookup gives undefined on Espruino.
export const BUILTIN_CONSTRUCTORS = new Set([
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
export const SPREAD_HELPERS = new Set(["__spreadArray", "__spreadArrays", "__spread", "__read"]);
export const MISSING_GLOBALS = new Set(["Map", "Set", "WeakMap", "WeakSet", "Symbol", "Proxy", "Reflect"]);
export const MISSING_STATICS = {
  Object: new Set(["freeze", "seal"]),
  Array: new Set(["from"]),
  Number: new Set(["isInteger"]),
  Date: new Set(["UTC"]),
};
// Methods that call a function argument before they return.
export const SYNC_CALLBACK_METHODS = new Set(["forEach", "map", "filter", "reduce", "reduceRight", "some", "every", "sort", "find", "findIndex"]);

// ---------------------------------------------------------------- node rules

export function checkRegex(pattern, flags) {
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
export function nodeViolations(ast, scopes) {
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
