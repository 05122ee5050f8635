/**
 * Runs an npm script of this project the way a person does (`npm run ...`),
 * collecting everything it prints and how long it took.
 */
import { spawn } from "node:child_process";
import path from "node:path";

export interface NpmRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout and stderr together. */
  all: string;
  ms: number;
}

const ROOT = path.join(import.meta.dirname, "..", "..");

/** `npm <args>` in the project root with `env` added; killed after `limitMs`. Never rejects. */
export function npmRun(args: string[], env: Record<string, string> = {}, limitMs = 60000): Promise<NpmRun> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.platform === "win32" ? "npm.cmd" : "npm", args, {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    let all = "";
    child.stdout.on("data", (d) => {
      stdout += d;
      all += d;
    });
    child.stderr.on("data", (d) => {
      stderr += d;
      all += d;
    });
    const t = setTimeout(() => child.kill("SIGKILL"), limitMs);
    child.on("close", (code) => {
      clearTimeout(t);
      resolve({ code, stdout, stderr, all, ms: Date.now() - started });
    });
  });
}
