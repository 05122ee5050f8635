/** Types of build/name-checks.mjs (the checks of the build's lists of source names) for TypeScript callers. */
/** Throws when a name of `names` is not a top-level function or variable of `code`. */
export function checkTopLevel(list: string, names: readonly string[], code: string, file: string): void;
/** Throws when an entry "Class.method" is not assigned once as `Class.prototype.method = function` at a line's start. */
export function checkMethods(list: string, methods: readonly string[], code: string, file: string): void;
/** Throws when a field of `fields` is used as a property nowhere in `code`. */
export function checkProperties(list: string, fields: readonly string[], code: string, file: string): void;
/** Throws when a name of `names` does not occur as a word in `code`. */
export function checkMentioned(list: string, names: readonly string[], code: string, file: string): void;
/** The code with terser's NOINLINE mark before each call of `names`; throws, when `mustCall`, for a name never called. */
export function markNotInlined(list: string, names: readonly string[], code: string, file: string, mustCall: boolean): string;
export function namesFor(entries: readonly string[], library: boolean): string[];
/** A list's name as terser's name cache renamed it. */
export function minifiedName(name: string, cache: object): string;
/** Throws when a name ("f" or "Class.prototype.m") is not a function of the minified `code`. */
export function checkFunctions(list: string, names: readonly string[], code: string, cache: object, file: string): void;
