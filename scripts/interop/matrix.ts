/**
 * The interop matrix: scenario x broker cells (pass, fail, differs, missing)
 * printed as a text table with numbered notes, or as one JSON object.
 */
import type { Outcome, Scenario } from "./scenario-context";

export type CellStatus = Outcome["status"] | "missing";

export interface Cell {
  status: CellStatus;
  note: string;
  ms: number;
}

export interface BrokerColumn {
  name: string;
  version: string;
  /** Why the column has no results (not installed, did not start); null when it ran. */
  problem: string | null;
  /** Seconds to start the first time. */
  startSeconds: number | null;
  cells: Record<string, Cell>;
}

export interface Matrix {
  date: string;
  node: string;
  scenarios: Scenario[];
  brokers: BrokerColumn[];
  seconds: number;
}

const LABEL: Record<CellStatus, string> = { pass: "pass", fail: "FAIL", differs: "differs", missing: "missing" };

/** How many cells count as failures (fail, or missing: a broker that could not run); 0 when none. */
export function failures(m: Matrix): number {
  let n = 0;
  for (const b of m.brokers) for (const s of m.scenarios) if (b.cells[s.id] && (b.cells[s.id].status === "fail" || b.cells[s.id].status === "missing")) n++;
  return n;
}

/** The matrix as a text table and its notes. Never fails. */
export function formatMatrix(m: Matrix): string {
  const notes: string[] = [];
  const rows: string[][] = [["scenario", ...m.brokers.map((b) => `${b.name} ${b.version}`)]];
  for (const s of m.scenarios) {
    const row = [s.title];
    for (const b of m.brokers) {
      const cell = b.cells[s.id];
      if (!cell) {
        row.push("-");
        continue;
      }
      let text = LABEL[cell.status];
      if (cell.note && cell.status !== "missing") {
        notes.push(`[${notes.length + 1}] ${b.name}, ${s.title}: ${cell.note}`);
        text += ` [${notes.length}]`;
      }
      row.push(text);
    }
    rows.push(row);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => c.padEnd(widths[i]))
      .join("  ")
      .trimEnd();
  const out = [line(rows[0]), widths.map((w) => "-".repeat(w)).join("  "), ...rows.slice(1).map(line)];
  const problems = m.brokers.filter((b) => b.problem).map((b) => `${b.name}: ${b.problem}`);
  const starts = m.brokers.filter((b) => b.startSeconds !== null).map((b) => `${b.name} ${b.startSeconds!.toFixed(1)} s`);
  return [
    ...out,
    "",
    ...(problems.length ? ["Brokers that did not run:", ...problems, ""] : []),
    ...(notes.length ? ["Notes:", ...notes, ""] : []),
    `Start-up: ${starts.join(", ") || "-"}. Whole run: ${m.seconds.toFixed(1)} s. ${failures(m)} failing cell(s).`,
  ].join("\n");
}

/** The matrix as one JSON-ready object. Never fails. */
export function matrixJson(m: Matrix): object {
  return {
    date: m.date,
    node: m.node,
    seconds: Number(m.seconds.toFixed(1)),
    failures: failures(m),
    scenarios: m.scenarios.map((s) => ({ id: s.id, title: s.title })),
    brokers: m.brokers.map((b) => ({
      name: b.name,
      version: b.version,
      problem: b.problem,
      startSeconds: b.startSeconds === null ? null : Number(b.startSeconds.toFixed(1)),
      cells: b.cells,
    })),
  };
}
