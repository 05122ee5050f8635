/** The names `code` (ES5) declares at its top level, functions and vars, in order. Throws when it is not ES5. */
export function topLevelNames(code: string): string[];
