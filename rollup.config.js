// Builds one ES5 bundle per board: dist/<board>/fabmqtt.js and fabmqtt.min.js.
// Every board in boards/index.ts is validated first (boards/validate.ts): a
// problem stops the build with its sentence. `board` then resolves to the
// compact device view of the board (boards/device-view.ts), inlined as data,
// with its chip and TLS support also as constants (BOARD_CHIP, BOARD_TLS).
// The Espruino gate (build/espruino-gate.mjs) checks every bundle in `npm test`.
import typescript from "@rollup/plugin-typescript";
import { build } from "esbuild";
import { parse } from "acorn";
import { simple as walkSimple } from "acorn-walk";
import { minify } from "terser";
import { inlineConstants } from "./build/inline-constants.mjs";
import { unwrapClasses } from "./build/unwrap-classes.mjs";
import { inlineSingleUseMethods } from "./build/inline-methods.mjs";
import { inlineAccessors } from "./build/inline-accessors.mjs";
import {
  RECORD_FIELDS,
  DEVICE_FIELDS,
  LIBRARY_FIELDS,
  TABLE_ACCESSORS,
  NOT_INLINED,
  MADE_AT_EACH_CALL,
  KEEP_PARAMS,
  HOT_METHODS,
  BOOT_ONLY_NAMES,
  BOOT_ONLY_BUILTINS,
  BOOT_ONLY_HAL_FIELDS,
  BOOT_ONLY_BOARD_FIELDS,
  BOOT_ONLY_CLASSES,
  BOOT_ONLY_METHODS,
  RESIDENT,
  ON_CALL_GROUP_BYTES,
} from "./build/memory-lists.mjs";
import { paramsToArguments } from "./build/params-to-arguments.mjs";
import { onCallFunctions } from "./build/on-call-functions.mjs";
import { topLevelNames } from "./build/top-level-names.mjs";
import { CORE_BUDGET, MODULE_BUDGET } from "./build/bundle-budgets.mjs";
import { checkFunctions, checkMentioned, checkMethods, checkProperties, checkTopLevel, markNotInlined, minifiedName, namesFor } from "./build/name-checks.mjs";
import path from "node:path";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = path.dirname(fileURLToPath(import.meta.url));

// The boards are TypeScript: compile boards/index.ts + validate + device view into one module.
async function loadBoards() {
  const out = await build({
    stdin: {
      contents:
        'export { BOARDS } from "./boards/index";\n' +
        'export { validateBoards } from "./boards/validate";\n' +
        'export { toDeviceBoard } from "./boards/device-view";\n',
      resolveDir: root,
      loader: "ts",
    },
    bundle: true,
    format: "esm",
    write: false,
    platform: "node",
  });
  return import("data:text/javascript;base64," + Buffer.from(out.outputFiles[0].text).toString("base64"));
}

const { BOARDS, validateBoards, toDeviceBoard } = await loadBoards();
const problems = validateBoards(BOARDS);
if (problems.length) throw new Error("boards/ has problems:\n  " + problems.join("\n  "));
export const BOARD_IDS = BOARDS.map((b) => b.id);

// The firmware's version in its diagnostics: the commit it was built from
// ("+" when the work tree had changes), "unknown" outside a git checkout.
function buildVersion() {
  try {
    const commit = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    const dirty = execFileSync("git", ["status", "--porcelain", "--untracked-files=no"], {
      cwd: root,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    }).trim();
    return commit + (dirty ? "+" : "");
  } catch {
    return "unknown";
  }
}
const BUILD_VERSION = buildVersion();

function boardAlias(board) {
  const id = "\0board:" + board.id;
  return {
    name: "board-alias",
    resolveId(source) {
      return source === "board" ? id : null;
    },
    load(source) {
      // BOARD_CHIP and BOARD_TLS are constants, so code for another chip or for TLS
      // on a firmware without it is left out of the board's bundle.
      if (source !== id) return null;
      return (
        "export default " +
        JSON.stringify({ ...toDeviceBoard(board), version: BUILD_VERSION }) +
        ";\n" +
        "export var BOARD_CHIP = " +
        JSON.stringify(board.chip) +
        ";\n" +
        "export var BOARD_TLS = " +
        JSON.stringify(board.tls) +
        ";\n"
      );
    },
  };
}

// Every bundle here runs on Espruino: the protocol engine's byte layer is the
// one on 8-bit Strings (firmware/wire/text.ts) instead of the Node one that
// firmware/wire/index.ts names (see firmware/wire/). A stale path fails the build.
const WIRE_INDEX = path.join(root, "firmware", "wire", "index.ts");
const WIRE_ESPRUINO = path.join(root, "firmware", "wire", "text.ts");
function espruinoWire() {
  return {
    name: "espruino-wire",
    async resolveId(source, importer) {
      if (!importer || !/wire[\/]index$|wire[\/]index\.ts$/.test(source)) return null;
      const resolved = await this.resolve(source, importer, { skipSelf: true });
      return resolved && resolved.id === WIRE_INDEX ? WIRE_ESPRUINO : null;
    },
    buildEnd() {
      if (!this.getModuleIds || ![...this.getModuleIds()].includes(WIRE_ESPRUINO))
        this.error("espruino-wire: " + WIRE_ESPRUINO + " was never used: the engine no longer imports " + WIRE_INDEX);
    },
  };
}

// Functions in a bundle: on Espruino a top-level one costs about 5 variables
// while loaded and one made inside another about 8 (see docs/memory.md), whatever
// its length, so this count, not the byte size, predicts memory.
function countFunctions(code) {
  let n = 0;
  walkSimple(parse(code, { ecmaVersion: 5 }), {
    FunctionDeclaration: () => n++,
    FunctionExpression: () => n++,
  });
  return n;
}

// Prints each bundle's size against its board's budget after writing it.
function sizeReport(board) {
  return {
    name: "size-report",
    writeBundle(_options, bundle) {
      for (const [name, file] of Object.entries(bundle)) {
        const size = Buffer.byteLength(file.type === "chunk" ? file.code : file.source);
        const budget = name.endsWith(".min.js") ? board.minBundleBudget : board.bundleBudget;
        const verdict = size <= budget ? "ok" : "OVER BUDGET";
        const code = file.type === "chunk" ? file.code : String(file.source);
        console.log(
          "  " +
            board.id +
            "/" +
            name +
            ": " +
            size +
            " B of " +
            budget +
            " B (" +
            Math.round((100 * size) / budget) +
            "%) " +
            verdict +
            ", " +
            countFunctions(code) +
            " functions",
        );
      }
    },
  };
}

/** The properties a minified bundle shortens: names ending in `_`, and `fields`. */
function internalProperties(fields) {
  return new RegExp("^(?:[a-zA-Z][a-zA-Z0-9]*_|" + fields.join("|") + ")$");
}
const INTERNAL_PROPERTIES = internalProperties(RECORD_FIELDS);
const DEVICE_INTERNAL_PROPERTIES = internalProperties(RECORD_FIELDS.concat(DEVICE_FIELDS));
const LIBRARY_INTERNAL_PROPERTIES = internalProperties(RECORD_FIELDS.concat(LIBRARY_FIELDS));

// Names the minifier must not give a top-level function or variable: a device
// bundle runs at the global scope (see globalScopeLoad), where Espruino's pins
// (D0, A0, ...) and E are globals too, and `fabmqtt` is the bundle's exports.
const GLOBAL_NAMES = ["fabmqtt", "E"];
for (let i = 0; i < 100; i++) GLOBAL_NAMES.push("D" + i);
for (let i = 0; i < 10; i++) GLOBAL_NAMES.push("A" + i);

/**
 * The minified device bundle's release (see releaseBootCode) also deletes the
 * global names it set to undefined: on Espruino a name left holding undefined
 * is one variable more. Deleting needs the names as the minifier made them,
 * so it is written here. Only a bundle run at the global scope deletes (its
 * names are globals then); where deleting a global does nothing (a Node
 * `vm`), the names stay, undefined. Throws when the minified release is not
 * found once, as written: the names would stay on the board unnoticed.
 */
function deleteReleasedNames(code, cache) {
  const names = BOOT_ONLY_NAMES.concat(BOOT_ONLY_CLASSES).map((name) => minifiedName(name, cache));
  const chain = names.join("=") + "=void 0";
  const parts = code.split(chain);
  if (parts.length !== 2) throw new Error("release-boot-code: the minified bundle has the release " + (parts.length - 1) + " times, not once: " + chain);
  // Only at the global scope (fabmqtt is then a global): required as a module, the names are the module's own.
  const deletes = names.concat(BOOT_ONLY_BUILTINS).map((n) => "delete global." + n);
  return parts[0] + chain + ',"object"==typeof global&&global.fabmqtt===fabmqtt&&(' + deletes.join(",") + ")" + parts[1];
}

// A device bundle's top-level names are globals on the board (see
// globalScopeLoad), where what one types at the console makes globals too: a
// `for (i = 0; ...)` there would overwrite a firmware function named `i`. So
// the minifier names each top-level function and variable of a device bundle
// `$` and one or two letters or digits ($a, ..., $Z, $_, $a0, ...): at most 4
// characters, which on Espruino cost one variable, as a one-letter name does.
// Names are given through terser's name cache (it keeps a cached name for a
// top-level symbol, and gives no other symbol that name); the build stops if
// the minified bundle has a top-level name without the `$`.
const DOLLAR_FIRST = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_";
const DOLLAR_NEXT = DOLLAR_FIRST + "0123456789";

/** A name cache that gives the top-level names of `code`, except GLOBAL_NAMES, `$` names. */
function dollarNameCache(code) {
  const props = {};
  let i = 0;
  for (const name of topLevelNames(code)) {
    if (GLOBAL_NAMES.includes(name) || props["$" + name]) continue;
    const k = i++;
    props["$" + name] =
      "$" +
      (k < DOLLAR_FIRST.length
        ? DOLLAR_FIRST[k]
        : DOLLAR_FIRST[Math.floor((k - DOLLAR_FIRST.length) / DOLLAR_NEXT.length)] + DOLLAR_NEXT[(k - DOLLAR_FIRST.length) % DOLLAR_NEXT.length]);
  }
  return { vars: { props: props } };
}

// Minified copy: terser with function hoisting (Espruino does not hoist) and
// line breaks kept (a one-line bundle makes every Error carry the whole line).
function minified() {
  return {
    name: "espruino-minify",
    async generateBundle(_options, bundle) {
      for (const file of Object.values(bundle)) {
        if (file.type !== "chunk") continue;
        const device = file.code.startsWith(GLOBAL_SCOPE_BANNER);
        const library = !device && file.fileName === "fabmqtt.js";
        const constantsInlined = inlineConstants(file.code);
        checkTopLevel("TABLE_ACCESSORS", TABLE_ACCESSORS, constantsInlined, file.fileName);
        const accessorsInlined = inlineAccessors(constantsInlined, TABLE_ACCESSORS, file.fileName);
        let source = markNotInlined("NOT_INLINED", namesFor(NOT_INLINED, library), accessorsInlined, file.fileName, device || library);
        if (device || library) source = markNotInlined("MADE_AT_EACH_CALL", namesFor(MADE_AT_EACH_CALL, library), source, file.fileName, true);
        checkProperties("RECORD_FIELDS", RECORD_FIELDS, source, file.fileName);
        if (device) checkProperties("DEVICE_FIELDS", DEVICE_FIELDS, source, file.fileName);
        if (library) checkProperties("LIBRARY_FIELDS", LIBRARY_FIELDS, source, file.fileName);
        const cache = device ? dollarNameCache(source) : {};
        // In a device bundle the minifier writes true and false as 1 and 0: on Espruino a
        // field holding a small integer is one variable, one holding a boolean two. The
        // firmware never shows a boolean it made (its JSON is written as text, its
        // configuration's booleans come from JSON.parse and stay booleans).
        const out = await minify(source, {
          ecma: 5,
          toplevel: true,
          compress: { hoist_funs: true, hoist_vars: true, passes: 2, booleans_as_integers: device },
          mangle: {
            reserved: GLOBAL_NAMES,
            properties: { regex: device ? DEVICE_INTERNAL_PROPERTIES : library ? LIBRARY_INTERNAL_PROPERTIES : INTERNAL_PROPERTIES, builtins: true },
          },
          format: { max_line_len: 160, ecma: 5 },
          nameCache: cache,
        });
        // Parameters become `var`s read from `arguments` (build/params-to-arguments.mjs):
        // on Espruino a declared parameter costs a variable for as long as its function lives.
        let code = paramsToArguments(
          out.code,
          namesFor(KEEP_PARAMS, library).map((name) => minifiedName(name, cache)),
        );
        if (device || library) {
          const resident = namesFor(
            RESIDENT.concat(
              KEEP_PARAMS,
              HOT_METHODS.map((m) => m.replace(".", ".prototype.")),
            ),
            library,
          );
          if (device) checkFunctions("RESIDENT", namesFor(RESIDENT, false), code, cache, file.fileName);
          code = onCallFunctions(code, {
            resident: resident.map((name) => minifiedName(name, cache)),
            internal: new Set(Object.values((cache.props && cache.props.props) || {})),
            groupBytes: ON_CALL_GROUP_BYTES,
            count: Boolean(process.env.FABMQTT_COUNT_ON_CALL),
          });
        }
        if (device) {
          checkFunctions("KEEP_PARAMS", namesFor(KEEP_PARAMS, false), out.code, cache, file.fileName);
          const plain = topLevelNames(out.code).filter((n) => n[0] !== "$" && !GLOBAL_NAMES.includes(n));
          if (plain.length) throw new Error("dollar-names: top-level names without $ in " + file.fileName + ": " + plain.join(", "));
          code = deleteReleasedNames(code, cache);
        }
        this.emitFile({ type: "asset", fileName: file.fileName.replace(/\.js$/, ".min.js"), source: code + "\n" });
      }
    },
  };
}

// Top-level functions, classes included (see build/unwrap-classes.mjs): on
// Espruino a function made inside another function costs about three variables
// more than one at the top level of a module.

function topLevelClasses() {
  return {
    name: "top-level-classes",
    renderChunk(code, chunk) {
      const unwrapped = unwrapClasses(code);
      checkMethods("HOT_METHODS", HOT_METHODS, unwrapped, chunk.fileName);
      return {
        code: inlineSingleUseMethods(
          unwrapped,
          HOT_METHODS.map((m) => m.split(".")[1]),
        ),
        map: null,
      };
    },
  };
}

// A device bundle runs at the global scope: the boot file evaluates the Storage
// file there (scripts/flash/boot-code.ts). On Espruino a function made in a
// module's scope holds a link to it, a variable for as long as the function
// lives; at the global scope there is none: some 110 variables fewer on an
// ESP8266 (measured on a 1,600-variable pool). The exports go on `fabmqtt`,
// which is the module's `exports` where the bundle is required as a module
// (the tests' stand-ins, programs of one's own) and a global of its own at the
// global scope.
const GLOBAL_SCOPE_BANNER = 'var fabmqtt = typeof exports == "object" ? exports : {};\n';

function globalScopeLoad() {
  return {
    name: "global-scope-load",
    renderChunk(code) {
      const body = code.replace(/^exports\.([A-Za-z_$][\w$]*) = /gm, "fabmqtt.$1 = ");
      if (/\bexports\b/.test(body)) throw new Error("global-scope-load: the bundle uses `exports` other than to export");
      return { code: GLOBAL_SCOPE_BANNER + body, map: null };
    },
  };
}

function releaseBootCode() {
  return {
    name: "release-boot-code",
    renderChunk(code, chunk) {
      const call = /releaseBootCode\(([\w$]+), ([\w$]+)\);/g;
      const calls = [...code.matchAll(call)];
      if (calls.length !== 1) throw new Error("release-boot-code: the bundle must call releaseBootCode(hal, board) once");
      const [marker, hal, board] = calls[0];
      checkProperties("BOOT_ONLY_HAL_FIELDS", BOOT_ONLY_HAL_FIELDS, code, chunk.fileName);
      checkProperties("BOOT_ONLY_BOARD_FIELDS", BOOT_ONLY_BOARD_FIELDS, code, chunk.fileName);
      checkTopLevel("BOOT_ONLY_NAMES", BOOT_ONLY_NAMES, code, chunk.fileName);
      checkTopLevel("BOOT_ONLY_CLASSES", BOOT_ONLY_CLASSES, code, chunk.fileName);
      checkMethods("BOOT_ONLY_METHODS", BOOT_ONLY_METHODS, code, chunk.fileName);
      checkMentioned("BOOT_ONLY_BUILTINS", BOOT_ONLY_BUILTINS, code, chunk.fileName);
      const names = BOOT_ONLY_NAMES.concat(BOOT_ONLY_CLASSES);
      const methods = BOOT_ONLY_METHODS.map((name) => name.replace(".", ".prototype."));
      // One statement a line: the Espruino gate keeps the readable bundle's lines short.
      const release = methods
        .map((method) => "delete " + method + ";")
        .concat(BOOT_ONLY_HAL_FIELDS.map((field) => "delete " + hal + "." + field + ";"))
        .concat(BOOT_ONLY_BOARD_FIELDS.map((field) => "delete " + board + "." + field + ";"))
        .concat(BOOT_ONLY_CLASSES.map((name) => "delete " + name + ".prototype.constructor;"))
        .concat([names.join(" = ") + " = void 0;", "delete fabmqtt.createEspruinoHal;"])
        .join("\n    ");
      return { code: code.replace(marker, release), map: null };
    },
  };
}

// CommonJS with no wrapper function: `require("fabmqtt")` runs the Storage file
// in a scope of its own with `exports` and `module`; a device bundle is run at
// the global scope instead (see globalScopeLoad), and a wrapper would make
// every function cost more (see topLevelClasses).
const output = (file) => ({
  file,
  format: "cjs",
  exports: "named",
  strict: false,
  freeze: false,
  esModule: false,
  generatedCode: { preset: "es5", constBindings: false, objectShorthand: false, arrowFunctions: false },
});

const tsPlugin = () => typescript({ tsconfig: path.join(root, "tsconfig.json"), noEmitOnError: true });

/** The library bundle runs on any board: an ESP32-like view of the board. */
const LIBRARY_BOARD = { ...BOARDS.find((b) => b.id === "esp32-devkitc"), id: "modules", sendQueueBytes: 2048 };

// FABMQTT_BOARD=<id> builds that board's bundle alone (npm run flash does, when its bundle is stale).
const ONLY_BOARD = process.env.FABMQTT_BOARD;

/**
 * Every list of source names above, each checked against the bundles it applies to
 * (build/name-checks.mjs): a stale entry stops the build. test/build/name-lists.test.ts
 * adds one to each list and builds.
 */
export const NAME_LISTS = {
  TABLE_ACCESSORS,
  KEEP_PARAMS,
  RESIDENT,
  NOT_INLINED,
  MADE_AT_EACH_CALL,
  HOT_METHODS,
  RECORD_FIELDS,
  DEVICE_FIELDS,
  BOOT_ONLY_NAMES,
  BOOT_ONLY_CLASSES,
  BOOT_ONLY_METHODS,
  BOOT_ONLY_BUILTINS,
  BOOT_ONLY_HAL_FIELDS,
  BOOT_ONLY_BOARD_FIELDS,
};

export default [
  ...BOARDS.filter((board) => !ONLY_BOARD || board.id === ONLY_BOARD).map((board) => ({
    input: path.join(root, "targets", "espruino", "device.ts"),
    output: output(path.join(root, "dist", board.id, "fabmqtt.js")),
    plugins: [boardAlias(board), espruinoWire(), tsPlugin(), topLevelClasses(), globalScopeLoad(), releaseBootCode(), minified(), sizeReport(board)],
  })),
  ...(ONLY_BOARD
    ? []
    : [
        {
          input: path.join(root, "targets", "espruino", "library.ts"),
          output: output(path.join(root, "dist", "modules", "fabmqtt.js")),
          // The library runs on any board: an ESP32-like view (TLS asked of require("tls") at connect time).
          plugins: [boardAlias(LIBRARY_BOARD), espruinoWire(), tsPlugin(), topLevelClasses(), minified(), sizeReport(MODULE_BUDGET)],
        },
        {
          input: path.join(root, "targets", "espruino", "core.ts"),
          output: output(path.join(root, "dist", "core", "fabmqtt-core.js")),
          plugins: [boardAlias(LIBRARY_BOARD), espruinoWire(), tsPlugin(), topLevelClasses(), minified(), sizeReport(CORE_BUDGET)],
        },
      ]),
];
