// Replaces the uses of numeric and string ALL_CAPS constants
// (`var E_TRUNCATED = -113;`, `var CONFIG_FILE = "fabmqtt.json";`) by their
// value before minifying. On Espruino every variable that survives
// in a scope costs JS variables for as long as the scope lives, and terser
// keeps a constant as a variable whenever that is shorter in bytes.
import { parse } from "acorn";
import { ancestor } from "acorn-walk";

const CONSTANT = /^[A-Z][A-Z0-9_]*$/;

function literal(init) {
  if (!init) return null;
  if (init.type === "Literal" && typeof init.value === "number") return String(init.value);
  if (init.type === "Literal" && typeof init.value === "string") return JSON.stringify(init.value);
  if (init.type === "UnaryExpression" && init.operator === "-" && init.argument.type === "Literal" && typeof init.argument.value === "number")
    return "(-" + init.argument.value + ")";
  return null;
}

/**
 * The code with every use of a numeric or string constant replaced by its value. A name
 * declared twice, or assigned anywhere, is left alone. Returns the code
 * unchanged when it cannot be parsed as ES5.
 */
export function inlineConstants(code) {
  let ast;
  try {
    ast = parse(code, { ecmaVersion: 5 });
  } catch (e) {
    return code;
  }
  const values = new Map();
  const spoiled = new Set();
  const declarators = [];
  ancestor(ast, {
    VariableDeclarator(n) {
      const name = n.id.name;
      if (!CONSTANT.test(name)) return;
      if (values.has(name)) spoiled.add(name);
      const v = literal(n.init);
      if (v === null) spoiled.add(name);
      else values.set(name, v);
      declarators.push(n);
    },
    Function(n) {
      for (const p of n.params) spoiled.add(p.name);
      if (n.id && n.type === "FunctionDeclaration") spoiled.add(n.id.name);
    },
    AssignmentExpression(n) {
      if (n.left.type === "Identifier") spoiled.add(n.left.name);
    },
    UpdateExpression(n) {
      if (n.argument.type === "Identifier") spoiled.add(n.argument.name);
    },
  });
  const edits = [];
  ancestor(ast, {
    Identifier(n, anc) {
      const v = values.get(n.name);
      if (v === undefined || spoiled.has(n.name)) return;
      const parent = anc[anc.length - 2];
      if (parent.type === "VariableDeclarator" && parent.id === n) return;
      if (parent.type === "MemberExpression" && parent.property === n && !parent.computed) return;
      if (parent.type === "Property" && parent.key === n) {
        if (parent.shorthand) edits.push([n.start, n.end, n.name + ": " + v]);
        return;
      }
      edits.push([n.start, n.end, v]);
    },
  });
  edits.sort((a, b) => b[0] - a[0]);
  let out = code;
  for (const [s, e, t] of edits) out = out.slice(0, s) + t + out.slice(e);
  return out;
}
