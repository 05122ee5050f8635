import path from "node:path";

/**
 * The board description the espruino CLI gets with `--board <file>`, one per
 * chip (board-json/<chip>.json). With it the CLI knows the built-in modules
 * (so `require("Storage")` is not looked up online) and does not ask
 * espruino.com for the board's description, which offline would never answer.
 */
export function boardJsonPath(chip: "esp32" | "esp8266" | "linux"): string {
  return path.join(import.meta.dirname, "board-json", chip + ".json");
}
