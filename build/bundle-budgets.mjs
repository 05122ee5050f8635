// Byte budgets of the bundles that are not a board's (boards/*.ts carry their own).
/** The library build: it goes to Storage or the Web IDE on any board, the ESP8266 included. */
export const MODULE_BUDGET = { id: "modules", bundleBudget: 110000, minBundleBudget: 29000 };
/** Codec + client alone, for measuring them (see targets/espruino/core.ts). */
export const CORE_BUDGET = { id: "core", bundleBudget: 100000, minBundleBudget: 22000 };
