// Moves the functions of ES5 classes to the top level of the bundle.
//
// TypeScript compiles `class X { m() {} }` to ES5 as
//   var X = /** @class */ (function () { function X() {} X.prototype.m = function () {}; return X; }());
// On Espruino a function created inside another function costs about three
// variables more, for as long as it lives, than one created at the top level
// of a Storage module (measured with `npm run test:espruino`: the codec and
// client loaded took 426 variables inside one wrapper function, 359 without
// it). This rewrites each such top-level class into its statements:
//   function X() {} X.prototype.m = function () {};
// A class with a base (a parameter to its wrapper) or with anything but
// statements about itself before `return X` is left as it is.
import { parse } from "acorn";

function classBody(init, name) {
  let call = init;
  if (!call || call.type !== "CallExpression" || call.arguments.length !== 0) return null;
  const fn = call.callee;
  if (fn.type !== "FunctionExpression" || fn.params.length !== 0 || fn.id) return null;
  const body = fn.body.body;
  if (body.length < 2) return null;
  const first = body[0];
  const last = body[body.length - 1];
  if (first.type !== "FunctionDeclaration" || first.id.name !== name) return null;
  if (last.type !== "ReturnStatement" || !last.argument || last.argument.type !== "Identifier" || last.argument.name !== name) return null;
  for (const st of body.slice(1, -1)) {
    // Only `X.prototype.m = function () {...};` and `X.s = ...;` statements.
    if (st.type !== "ExpressionStatement" || st.expression.type !== "AssignmentExpression") return null;
    let target = st.expression.left;
    while (target.type === "MemberExpression") target = target.object;
    if (target.type !== "Identifier" || target.name !== name) return null;
  }
  return body.slice(0, -1);
}

/**
 * The code with every top-level ES5 class wrapper replaced by its
 * statements. Returns the code unchanged when it cannot be parsed as ES5.
 */
export function unwrapClasses(code) {
  let ast;
  try {
    ast = parse(code, { ecmaVersion: 5 });
  } catch (e) {
    return code;
  }
  const edits = [];
  for (const st of ast.body) {
    if (st.type !== "VariableDeclaration" || st.declarations.length !== 1) continue;
    const d = st.declarations[0];
    const statements = classBody(d.init, d.id.name);
    if (!statements) continue;
    edits.push({ start: st.start, end: st.end, text: statements.map((s) => code.slice(s.start, s.end)).join("\n") });
  }
  let out = code;
  for (const e of edits.reverse()) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return out;
}
