import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

const ROOT = path.join(import.meta.dirname, "..", "..");

/** What the bundles are built from: a change to any of these makes a built bundle stale. */
const INPUTS = ["base", "firmware", "targets", "hal", "boards", "build", "rollup.config.js", "tsconfig.json", "package-lock.json"];

/** The minified bundle that goes to a board's Storage. */
export function bundlePath(boardId: string): string {
  return path.join(ROOT, "dist", boardId, "fabmqtt.min.js");
}

/** The newest modification time (ms) among the files under `p`; 0 when it does not exist. */
function newestMtime(p: string): number {
  let st: fs.Stats;
  try {
    st = fs.statSync(p);
  } catch {
    return 0;
  }
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = 0;
  for (const name of fs.readdirSync(p)) newest = Math.max(newest, newestMtime(path.join(p, name)));
  return newest;
}

/** Whether the board's bundle exists and is newer than every input of the build. */
export function bundleIsFresh(boardId: string): boolean {
  const built = newestMtime(bundlePath(boardId));
  if (built === 0) return false;
  return INPUTS.every((i) => newestMtime(path.join(ROOT, i)) <= built);
}

/**
 * The path of the board's minified bundle, built first (that board alone,
 * with the build's output shown) when missing or stale. Returns a sentence
 * instead when the build failed.
 */
export function ensureBundle(boardId: string, log: (line: string) => void): { path: string } | string {
  const file = bundlePath(boardId);
  if (bundleIsFresh(boardId)) {
    log("bundle: " + path.relative(process.cwd(), file) + " is up to date");
    return { path: file };
  }
  log("bundle: building " + boardId + " (npm run build for that board)");
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  const r = spawnSync(npm, ["run", "--silent", "build"], {
    cwd: ROOT,
    stdio: ["ignore", "inherit", "inherit"],
    env: { ...process.env, FABMQTT_BOARD: boardId },
  });
  if (r.status !== 0 || !fs.existsSync(file)) return "the build of " + boardId + " failed (exit code " + r.status + ")";
  return { path: file };
}
