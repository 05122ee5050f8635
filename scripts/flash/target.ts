import { findBoard, BOARDS } from "../../boards/index";
import type { Board } from "../../boards/types";

/** Where an upload goes and how: from --board, --port, --fast and --timeout. */
export interface Target {
  board: Board;
  port: string;
  fast: boolean;
  /** From --timeout (seconds); undefined for the default, which grows with the upload. */
  timeoutMs?: number;
}

/** The options every upload command takes, for node:util parseArgs. */
export const TARGET_OPTIONS = {
  board: { type: "string" },
  port: { type: "string" },
  fast: { type: "boolean" },
  timeout: { type: "string" },
  help: { type: "boolean" },
} as const;

/** The target from parsed option values, or a sentence naming the option that is missing or wrong. */
export function readTarget(v: { board?: string; port?: string; fast?: boolean; timeout?: string }): Target | string {
  if (!v.board) return "--board: missing (one of " + BOARDS.map((b) => b.id).join(", ") + ")";
  const board = findBoard(v.board);
  if (!board) return "--board: unknown board " + JSON.stringify(v.board) + " (one of " + BOARDS.map((b) => b.id).join(", ") + ")";
  if (!v.port) return "--port: missing (a serial device such as /dev/ttyUSB0, or tcp://host:port for a board's telnet console)";
  if (v.port.startsWith("-")) return "--port: " + JSON.stringify(v.port) + " is not a port";
  const t: Target = { board, port: v.port, fast: !!v.fast };
  if (v.timeout !== undefined) {
    const s = Number(v.timeout);
    if (!(s > 0 && s <= 3600)) return "--timeout: seconds 1..3600";
    t.timeoutMs = Math.round(s * 1000);
  }
  return t;
}
