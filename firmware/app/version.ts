/** The package's version, as package.json gives it. */
export const PACKAGE_VERSION = "0.1.0";

/**
 * The firmware's version: the package's (package.json; test/app/app-discovery.test.ts
 * checks that they agree), then "+" and the commit a bundle was built from
 * (the board's `version`, "dev" on the host): "0.1.0+c7f71f5". Never fails.
 */
export function firmwareVersion(board: { version?: string }): string {
  return PACKAGE_VERSION + "+" + (board.version || "dev");
}
