/**
 * The broker processes this run started, by PID: each is spawned as the
 * leader of its own process group (so a shell wrapper and the VM it starts go
 * together), stopped with SIGTERM to the leader and, past a grace period,
 * SIGKILL to every PID of its family (its group and its descendants, found in
 * /proc). Whatever is still alive when the program exits, or gets SIGINT or
 * SIGTERM, is killed then. Nothing is ever stopped by name.
 */
import { spawn, type ChildProcess, type SpawnOptions } from "node:child_process";
import fs from "node:fs";

const groups = new Set<number>();
const everStarted: number[] = [];

/** Every PID this run started (also ones already stopped), for the final check. Never fails. */
export function startedPids(): number[] {
  return everStarted.slice();
}

/** Records a PID started elsewhere (the mosquitto harness) so that the final check covers it. Never fails. */
export function notePid(pid: number): void {
  if (pid > 0 && !everStarted.includes(pid)) everStarted.push(pid);
}

/** True while a process with this PID exists (a zombie counts as gone); false when it cannot be signalled. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return true;
  }
}

interface ProcEntry {
  pid: number;
  ppid: number;
  pgrp: number;
}

/** The live (not zombie) processes, from /proc; [] where /proc is absent. */
function listProcesses(): ProcEntry[] {
  const out: ProcEntry[] = [];
  let entries: string[] = [];
  try {
    entries = fs.readdirSync("/proc");
  } catch {
    return out;
  }
  for (const name of entries) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (fields[0] !== "Z") out.push({ pid: Number(name), ppid: Number(fields[1]), pgrp: Number(fields[2]) });
    } catch {
      // The process ended while we looked.
    }
  }
  return out;
}

/**
 * The processes that belong to the one started as `leader`: its process group
 * and every descendant (the Erlang VM puts its port helpers in groups of their
 * own). [] once all are gone.
 */
export function familyOf(leader: number): number[] {
  const procs = listProcesses();
  const family = new Set<number>();
  for (const p of procs) if (p.pid === leader || p.pgrp === leader) family.add(p.pid);
  let grew = true;
  while (grew) {
    grew = false;
    for (const p of procs) {
      if (!family.has(p.pid) && family.has(p.ppid)) {
        family.add(p.pid);
        grew = true;
      }
    }
  }
  return [...family];
}

function killPids(pids: number[], signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // Already gone.
    }
  }
}

/** Spawns `command` as a new process group whose PID is tracked; throws when it cannot be started. */
export function spawnTracked(command: string, args: string[], options: SpawnOptions): ChildProcess {
  const child = spawn(command, args, { ...options, detached: true });
  if (!child.pid) throw new Error(`could not start ${command}`);
  const pid = child.pid;
  groups.add(pid);
  everStarted.push(pid);
  return child;
}

/**
 * Stops the process started as `child`: SIGTERM to it (a clean shutdown),
 * then SIGKILL to each PID of its family still alive after `graceMs` or after
 * the leader exited. Resolves once none is left (or after 5 s more of trying);
 * never rejects.
 */
export async function stopTracked(child: ChildProcess, graceMs: number): Promise<void> {
  const pid = child.pid;
  if (!pid) return;
  // Taken before the leader goes: its descendants are re-parented to init then.
  const family = new Set(familyOf(pid));
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    try {
      process.kill(pid, "SIGTERM");
    } catch {
      // Already gone.
    }
    await Promise.race([exited, new Promise((r) => setTimeout(r, graceMs))]);
  }
  const deadline = Date.now() + 5000;
  for (;;) {
    const left = [...new Set([...familyOf(pid), ...[...family].filter(isAlive)])];
    if (left.length === 0 || Date.now() > deadline) break;
    killPids(left, "SIGKILL");
    await new Promise((r) => setTimeout(r, 50));
  }
  groups.delete(pid);
}

const dirs = new Set<string>();

/** Marks a broker's temporary directory for removal when the program exits (stop() removes it sooner). Never fails. */
export function removeOnExit(dir: string): void {
  dirs.add(dir);
}

/** Kills every tracked process and its family, at once, and removes the marked directories (for exit paths that cannot wait). Never throws. */
export function killAllTracked(): void {
  for (const pid of groups) killPids(familyOf(pid), "SIGKILL");
  groups.clear();
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  dirs.clear();
}

let installed = false;

/**
 * Makes sure no tracked process outlives this one: on exit, and on SIGINT or
 * SIGTERM after `onSignal` had `graceMs` to stop things cleanly. The signal
 * often comes twice at once (the terminal sends it to the whole process
 * group, and the tsx wrapper passes it on): a repeat within a second is
 * ignored; a later one kills everything at once. Never fails.
 */
export function installCleanup(onSignal: () => Promise<void>, graceMs: number): void {
  if (installed) return;
  installed = true;
  process.on("exit", killAllTracked);
  let firstAt = 0;
  const handler = (signal: NodeJS.Signals) => {
    if (firstAt) {
      if (Date.now() - firstAt > 1000) process.exit(130);
      return;
    }
    firstAt = Date.now();
    process.stderr.write(`\n${signal}: stopping the brokers\n`);
    const timer = setTimeout(() => process.exit(130), graceMs);
    onSignal().finally(() => {
      clearTimeout(timer);
      process.exit(130);
    });
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
}
