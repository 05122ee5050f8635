import { spawn } from "node:child_process";
import path from "node:path";
import { onInterrupt } from "./on-interrupt";
import { createRequire } from "node:module";

/**
 * How one run of the espruino CLI ended: its exit code (null when it was
 * stopped), everything it printed (stdout and stderr, in arrival order),
 * whether the time limit stopped it, whether `isDone` did.
 */
export interface CliRun {
  code: number | null;
  output: string;
  timedOut: boolean;
  finished: boolean;
  ms: number;
}

/** Loaded into the CLI's process to report its upload's progress on file descriptor 3 (see the file). */
const PROGRESS_HOOK = path.join(import.meta.dirname, "progress-hook.cjs");

/** The espruino CLI's script inside node_modules. */
export function espruinoCliPath(): string {
  return createRequire(import.meta.url).resolve("espruino/bin/espruino-cli.js");
}

/**
 * Runs the espruino CLI with `args` under a time limit (it has none of its
 * own: it waits until the board has been quiet for half a second, so a board
 * that keeps printing keeps it running). `onLine` gets each complete line as
 * it arrives; once `isDone(output)` holds the CLI is stopped at once (the
 * board has answered everything asked of it). `onProgress` gets the bytes
 * sent and the bytes to send as the upload goes. Never rejects: a CLI that
 * could not start resolves with code null and the reason in `output`.
 */
export function runEspruinoCli(
  args: string[],
  timeoutMs: number,
  onLine?: (line: string) => void,
  isDone?: (output: string) => boolean,
  onProgress?: (sent: number, total: number) => void,
): Promise<CliRun> {
  const started = Date.now();
  return new Promise((resolve) => {
    let output = "";
    let pending = "";
    let timedOut = false;
    let finished = false;
    let child: ReturnType<typeof spawn>;
    const take = (chunk: Buffer) => {
      const text = chunk.toString("latin1");
      output += text;
      pending += text;
      let nl: number;
      while ((nl = pending.indexOf("\n")) >= 0) {
        if (onLine) onLine(pending.slice(0, nl).replace(/\r$/, ""));
        pending = pending.slice(nl + 1);
      }
      if (!finished && !timedOut && isDone && isDone(output)) {
        finished = true;
        child.kill("SIGKILL");
      }
    };
    try {
      const hook = onProgress ? ["--require", PROGRESS_HOOK] : [];
      child = spawn(process.execPath, [...hook, espruinoCliPath(), ...args], { stdio: ["ignore", "pipe", "pipe", onProgress ? "pipe" : "ignore"] });
    } catch (e) {
      resolve({ code: null, output: "could not start the espruino CLI: " + (e as Error).message, timedOut: false, finished: false, ms: 0 });
      return;
    }
    // Stopped with this program, also when a signal stops it.
    const dropOnInterrupt = onInterrupt(() => child.kill("SIGKILL"));
    child.stdout!.on("data", take);
    child.stderr!.on("data", take);
    if (onProgress) {
      let progress = "";
      child.stdio[3]!.on("data", (chunk: Buffer) => {
        progress += chunk.toString("latin1");
        let nl: number;
        while ((nl = progress.indexOf("\n")) >= 0) {
          const [sent, total] = progress.slice(0, nl).split(" ").map(Number);
          progress = progress.slice(nl + 1);
          if (total > 0) onProgress(sent, total);
        }
      });
    }
    const timer = setTimeout(() => {
      if (finished) return;
      timedOut = true;
      child.kill("SIGKILL");
    }, timeoutMs);
    child.on("error", (e) => {
      output += "could not start the espruino CLI: " + e.message + "\n";
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      dropOnInterrupt();
      if (pending && onLine) onLine(pending);
      resolve({ code, output, timedOut, finished, ms: Date.now() - started });
    });
  });
}
