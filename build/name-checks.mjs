import { parse } from "acorn";
// The build names source identifiers in lists (build/memory-lists.mjs: KEEP_PARAMS,
// NOT_INLINED, HOT_METHODS, RECORD_FIELDS, DEVICE_FIELDS, BOOT_ONLY_*). A name
// that no longer matches would be dropped silently and its saving lost, so
// each list is checked against the bundle it applies to: an entry that
// matches nothing there stops the build with the list and the names.
import { topLevelNames } from "./top-level-names.mjs";

/** The error for `stale` entries of `list` in `file`; null when there are none. */
function staleError(list, what, file, stale) {
  return stale.length ? new Error(list + " names no " + what + " of " + file + ": " + stale.join(", ") + " (build/memory-lists.mjs)") : null;
}

/** Throws when a name of `names` is not a top-level function or variable of `code`. */
export function checkTopLevel(list, names, code, file) {
  const declared = new Set(topLevelNames(code));
  const e = staleError(
    list,
    "top-level name",
    file,
    names.filter((n) => !declared.has(n)),
  );
  if (e) throw e;
}

/**
 * Throws when an entry "Class.method" of `methods` is not assigned once as
 * `Class.prototype.method = function` at the start of a line of `code` (the
 * shape unwrap-classes.mjs gives a method).
 */
export function checkMethods(list, methods, code, file) {
  const stale = methods.filter((m) => {
    const [cls, method] = m.split(".");
    return code.split("\n" + cls + ".prototype." + method + " = function").length !== 2;
  });
  const e = staleError(list, "method", file, stale);
  if (e) throw e;
}

/**
 * Throws when a field of `fields` is used as a property nowhere in `code`
 * (`.field`, `field:` in an object literal, or a quoted "field"): the
 * minifier would shorten nothing for it.
 */
export function checkProperties(list, fields, code, file) {
  const stale = fields.filter((f) => !new RegExp("\\." + f + "\\b|[{,]\\s*" + f + "\\s*:|[\"']" + f + "[\"']").test(code));
  const e = staleError(list, "property", file, stale);
  if (e) throw e;
}

/** Throws when a name of `names` does not occur as a word in `code`. */
export function checkMentioned(list, names, code, file) {
  const e = staleError(
    list,
    "name used",
    file,
    names.filter((n) => !new RegExp("(^|[^\\w$.])" + n + "\\b").test(code)),
  );
  if (e) throw e;
}

/**
 * The code with terser's `/*@__NOINLINE__*\/` before each call of a function
 * of `names`, so that the minifier does not inline it into its one caller.
 * Throws, when `mustCall`, for a name with no call in `code`.
 */
export function markNotInlined(list, names, code, file, mustCall) {
  // One pass over the code for every name; calls named in comments are left
  // alone (the marker would end the comment).
  const comments = [];
  parse(code, { ecmaVersion: 5, onComment: (_block, _text, start, end) => comments.push([start, end]) });
  const inComment = (at) => comments.some(([start, end]) => at >= start && at < end);
  const found = new Set();
  const call = new RegExp("(^|[^\\w$.])(" + names.join("|") + ")\\(", "g");
  const marked =
    names.length === 0
      ? code
      : code.replace(call, (m, before, name, at) => {
          if (/function\s*$/.test(code.slice(Math.max(0, at - 12), at + before.length)) || inComment(at)) return m;
          found.add(name);
          return before + "/*@__NOINLINE__*/" + name + "(";
        });
  const e = mustCall
    ? staleError(
        list,
        "call",
        file,
        names.filter((n) => !found.has(n)),
      )
    : null;
  if (e) throw e;
  return marked;
}

/**
 * The names of a list that apply to a bundle: an entry "name@library" is the
 * library bundle's alone, any other is every bundle's. Never fails.
 */
export function namesFor(entries, library) {
  return entries.filter((e) => !e.includes("@") || (library && e.endsWith("@library"))).map((e) => e.split("@")[0]);
}

/** A name of a list ("f" or "Class.prototype.m") as the minifier renamed it (terser's name cache). */
export function minifiedName(name, cache) {
  const vars = (cache.vars && cache.vars.props) || {};
  const props = (cache.props && cache.props.props) || {};
  const parts = name.split(".prototype.");
  const top = vars["$" + parts[0]] || parts[0];
  return parts.length === 1 ? top : top + ".prototype." + (props["$" + parts[1]] || parts[1]);
}

/**
 * Throws when a name of `names` ("f" or "Class.prototype.m") is not a
 * function of the minified `code`, renamed through `cache`: a stale entry, or
 * a function the minifier inlined into its one caller.
 */
export function checkFunctions(list, names, code, cache, file) {
  const stale = names.filter((name) => {
    const m = minifiedName(name, cache).replace(/\$/g, "\\$");
    const re = name.includes(".prototype.")
      ? new RegExp(m.replace(".prototype.", "\\.prototype\\.") + "\\s*=\\s*function")
      : new RegExp("function " + m + "\\(");
    return !re.test(code);
  });
  const e = staleError(list, "function", file, stale);
  if (e) throw e;
}
