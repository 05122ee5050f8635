/**
 * Running Espruino's interpreter for Linux from the host (the scripts
 * test:espruino and test:espruino-hal): one run of a script in a directory,
 * and Storage uploads a chunk per run (a 1,600-variable pool cannot hold a
 * whole bundle as text).
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

const CHUNK = 2048;

/** Runs `script` as run.js in `dir` with the interpreter `bin`, killed after `ms`; resolves with its output, terminal escapes removed. Never rejects. */
export function runEspruinoOnce(bin: string, dir: string, script: string, ms: number): Promise<string> {
  fs.writeFileSync(path.join(dir, "run.js"), script);
  return new Promise((resolve) => {
    const child = spawn(bin, ["run.js"], { cwd: dir, stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    const t = setTimeout(() => child.kill("SIGKILL"), ms);
    child.on("exit", () => {
      clearTimeout(t);
      resolve(out.replace(/\x1b\[[0-9;]*[A-Za-z]/g, ""));
    });
  });
}

/** Writes `text` to Storage file `name` of the interpreter in `dir`, a chunk per run; rejects with the interpreter's words when a write fails. */
export async function putEspruinoStorage(bin: string, dir: string, name: string, text: string): Promise<void> {
  for (let off = 0; off < text.length; off += CHUNK) {
    const chunk = JSON.stringify(text.slice(off, off + CHUNK));
    const out = await runEspruinoOnce(
      bin,
      dir,
      `print(require("Storage").write(${JSON.stringify(name)}, ${chunk}, ${off}, ${text.length}) ? "PUT-OK" : "PUT-FAILED");\n`,
      10000,
    );
    if (out.indexOf("PUT-OK") < 0) throw new Error(`writing ${name} at ${off}: ${out.trim().slice(-400)}`);
  }
}

/** Prints each check as "ok" or "FAIL"; returns the exit code: 0 only when there were checks and all held. */
export function reportChecks(checks: [string, boolean][]): number {
  for (const [what, ok] of checks) console.log((ok ? "  ok    " : "  FAIL  ") + what);
  return checks.length > 0 && checks.every((c) => c[1]) ? 0 : 1;
}

/** Runs a script's main and exits with its code (1, with the error printed, when it throws). */
export function runMain(main: () => Promise<number>): void {
  main().then(
    (code) => process.exit(code),
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
}

/** Runs `npm run -s <args>` in the repository, killed after `ms`; resolves with its exit code (null when killed) and output. Never rejects. */
export function runNpm(args: string[], ms: number): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn("npm", ["run", "-s", ...args], { cwd: path.join(import.meta.dirname, "..") });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), ms);
    child.on("close", (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}
