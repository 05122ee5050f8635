// Builds one ES5 bundle per board: dist/<board>/fabmqtt.js and fabmqtt.min.js.
// `board` resolves to boards/<id>.ts; the Espruino gate (scripts/espruino-gate.mjs)
// checks every bundle in `npm test`.
import typescript from "@rollup/plugin-typescript";
import { minify } from "terser";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.dirname(fileURLToPath(import.meta.url));
export const BOARD_IDS = ["esp32-devkitc", "esp8266-nodemcu"];

function boardAlias(id) {
  return {
    name: "board-alias",
    resolveId(source) {
      return source === "board" ? path.join(root, "boards", id + ".ts") : null;
    },
  };
}

// Minified copy: terser with function hoisting (Espruino does not hoist) and
// line breaks kept (a one-line bundle makes every Error carry the whole line).
function minified() {
  return {
    name: "espruino-minify",
    async generateBundle(_options, bundle) {
      for (const file of Object.values(bundle)) {
        if (file.type !== "chunk") continue;
        const out = await minify(file.code, {
          ecma: 5,
          compress: { hoist_funs: true, passes: 2 },
          mangle: true,
          format: { max_line_len: 160, ecma: 5 },
        });
        this.emitFile({ type: "asset", fileName: file.fileName.replace(/\.js$/, ".min.js"), source: out.code + "\n" });
      }
    },
  };
}

export default BOARD_IDS.map((id) => ({
  input: path.join(root, "firmware", "main.ts"),
  output: {
    file: path.join(root, "dist", id, "fabmqtt.js"),
    format: "iife",
    name: "fabmqtt",
    strict: false,
    freeze: false,
    esModule: false,
    generatedCode: { preset: "es5", constBindings: false, objectShorthand: false, arrowFunctions: false },
  },
  plugins: [boardAlias(id), typescript({ tsconfig: path.join(root, "tsconfig.json"), noEmitOnError: true }), minified()],
}));
