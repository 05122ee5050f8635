/**
 * Clean-up that must run even when the user stops the program: Node runs no
 * `finally` on SIGINT (Ctrl-C) or SIGTERM, so a temporary file holding the
 * configuration, passwords included, would stay on disk.
 */
const tasks = new Set<() => void>();

/** The exit code of a process stopped by `signal` (128 + its number, as a shell reports it). */
const EXIT_CODES: Record<string, number> = { SIGINT: 130, SIGTERM: 143 };

function stop(signal: NodeJS.Signals): void {
  // Last registered first, as nested finally blocks would run.
  for (const task of [...tasks].reverse()) {
    try {
      task();
    } catch {
      // the next task still runs
    }
  }
  process.exit(EXIT_CODES[signal]);
}

/**
 * Runs `task` if SIGINT or SIGTERM comes before the returned function is
 * called; the process then exits with 130 or 143. The signals keep their
 * usual effect while no task waits. Returns the function that drops `task`
 * (call it where the clean-up would run anyway). Never fails.
 */
export function onInterrupt(task: () => void): () => void {
  if (tasks.size === 0) for (const s of Object.keys(EXIT_CODES)) process.on(s, stop);
  tasks.add(task);
  return () => {
    if (!tasks.delete(task) || tasks.size > 0) return;
    for (const s of Object.keys(EXIT_CODES)) process.removeListener(s, stop);
  };
}
