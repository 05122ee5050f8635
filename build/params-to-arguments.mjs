// Moves the parameters of a bundle's functions into their bodies:
//   function f(a, b) { ... }   becomes   function f() { var a = arguments[0], b = arguments[1]; ... }
// On Espruino every declared parameter is a variable that lives as long as
// its function does (measured with small Storage modules on a 1,600-variable
// pool: twenty functions cost 113 variables with no parameter and 153 with two
// each), while `var`s exist only during a call. The minified device bundles
// declare some 190 parameters: this keeps them off the board's pool between
// calls, at the price of a little time and some variables per call in
// progress: Espruino then holds the arguments twice more (the `arguments`
// array and the vars), 2n + 4 variables for n parameters instead of n. A
// function that reads `arguments` itself, or whose parameters are not plain
// names, a setter (which must declare one), and the functions named in `keep`
// (those in progress at the deepest point of the firmware, where the pool is
// lowest) are left as they are.
import { parse } from "acorn";
import { fullAncestor } from "acorn-walk";

/** Names for `arguments` read once; the first one a function does not use is taken. */
const ALIASES = ["$", "$$", "$0", "$1", "$2"];

/**
 * The code with each function's parameter list moved into its body as `var`s
 * read from `arguments`, except in the functions `keep` names: a function
 * declaration by its name ("f"), a function assigned by the assignment's
 * target ("C.prototype.m"). Returns the code unchanged when it cannot be
 * parsed as ES5.
 */
export function paramsToArguments(code, keep = []) {
  let ast;
  try {
    ast = parse(code, { ecmaVersion: 5, sourceType: "script" });
  } catch (e) {
    return code;
  }
  const edits = [];
  fullAncestor(ast, (node, _state, ancestors) => {
    if (node.type !== "FunctionDeclaration" && node.type !== "FunctionExpression") return;
    if (node.params.length === 0 || !node.params.every((p) => p.type === "Identifier")) return;
    // Only functions made at the top level: Espruino keeps `arguments` as a
    // variable of the call's scope once read, so a function made inside one
    // that read it would find that one's arguments instead of its own.
    if (ancestors.slice(0, -1).some((a) => a.type === "FunctionDeclaration" || a.type === "FunctionExpression")) return;
    const parent = ancestors[ancestors.length - 2];
    if (parent && parent.type === "Property" && parent.kind !== "init") return;
    if (node.id && keep.includes(node.id.name)) return;
    if (parent && parent.type === "AssignmentExpression" && keep.includes(code.slice(parent.left.start, parent.left.end))) return;
    if (/\barguments\b/.test(code.slice(node.body.start, node.body.end))) return;
    const names = node.params.map((p) => p.name);
    // With two or more, `arguments` is read once into a name the function does not use.
    const text = code.slice(node.start, node.end);
    const alias = names.length < 2 ? "" : ALIASES.find((a) => !new RegExp("(^|[^\\w$])" + a.replace(/\$/g, "\\$") + "(?![\\w$])").test(text));
    const decl = alias
      ? alias + "=arguments," + names.map((n, i) => n + "=" + alias + "[" + i + "]").join(",")
      : names.map((n, i) => n + "=arguments[" + i + "]").join(",");
    edits.push({ start: node.params[0].start, end: node.params[node.params.length - 1].end, text: "" });
    edits.push({ start: node.body.start + 1, end: node.body.start + 1, text: "var " + decl + ";" });
  });
  edits.sort((a, b) => b.start - a.start);
  let out = code;
  for (const e of edits) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return out;
}
