/** Types of build/espruino-gate.mjs (the Espruino gate) for TypeScript callers. */

/** The rules checkBundle applies, in the order they run. */
export type RuleId =
  | "es5-parse"
  | "hoist"
  | "var-order"
  | "prototype-lookup"
  | "array-spread"
  | "label"
  | "async-try"
  | "missing-builtin"
  | "regex"
  | "concat"
  | "length-assign"
  | "clear-all-timers"
  | "line-breaks"
  | "size";

/** Rules only checkDist reports: a board without its bundle, or no board at all. */
export type DistRuleId = "missing-bundle" | "no-boards";

export interface Violation<R extends string = RuleId> {
  rule: R;
  message: string;
  /** 1-based line of the construct; 0 when the violation is about the whole file. */
  line: number;
}

export const RULES: readonly RuleId[];

/** Violations of one bundle's source text; empty when it passes. Never throws. */
export function checkBundle(code: string, options?: { budget?: number }): Violation[];

export interface BoardBudget {
  id: string;
  /** NaN when boards/<id>.ts has no number for it. */
  bundleBudget: number;
  minBundleBudget: number;
}

/** Budgets parsed from boards/*.ts under root, sorted by id; empty when none. */
export function readBoardBudgets(root: string): BoardBudget[];

export interface BundleReport {
  board: string;
  file: string;
  path: string;
  bytes: number;
  budget: number;
  violations: Violation<RuleId | DistRuleId>[];
}

/** One report per expected dist/<board>/fabmqtt{,.min}.js under root. */
export function checkDist(root: string): BundleReport[];
