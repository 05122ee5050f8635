// The names a script declares at its top level: on the board these are the
// globals a device bundle makes (it runs at the global scope). Used by the
// build (rollup.config.js) and by test/build/global-scope-load.test.ts.
import { parse } from "acorn";

/** The names `code` (ES5) declares at its top level, functions and vars, in order. Throws when it is not ES5. */
export function topLevelNames(code) {
  const names = [];
  for (const node of parse(code, { ecmaVersion: 5 }).body) {
    if (node.type === "FunctionDeclaration") names.push(node.id.name);
    if (node.type === "VariableDeclaration") for (const d of node.declarations) names.push(d.id.name);
  }
  return names;
}
