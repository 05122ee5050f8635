import { errorMessage, errorName } from "../../firmware/error-text";
import type { Log } from "../types";

/** A Log that keeps its lines (for tests and the simulator's view) and may echo them. */
export interface NodeLog extends Log {
  lines: string[];
}

/** A host log: errors are written with the code's name and message ("E-301 E_SOCKET_CLOSED: the socket is closed (mqtt)"). Never fails. */
export function createNodeLog(echo: ((line: string) => void) | null = null, keep = 1000): NodeLog {
  const lines: string[] = [];
  const put = (line: string) => {
    lines.push(line);
    if (lines.length > keep) lines.splice(0, lines.length - keep);
    if (echo) echo(line);
  };
  return {
    lines,
    info: (text) => put(text),
    error: (code, context) => put("E" + code + " " + errorName(code) + ": " + errorMessage(code) + " (" + context + ")"),
  };
}
