import { errorMessage, errorName } from "../../base/error-text";
import type { Log } from "../types";
import { LOG_KEEP, pushCapped } from "./capped";

/** A Log that keeps its lines (for tests and the simulator's view) and may echo them. */
export interface NodeLog extends Log {
  lines: string[];
}

/** A host log: errors are written with the code's name and message ("E-301 E_SOCKET_CLOSED: the socket is closed (mqtt)"). Never fails. */
export function createNodeLog(echo: ((line: string) => void) | null = null, keep = LOG_KEEP): NodeLog {
  const lines: string[] = [];
  const put = (line: string) => {
    pushCapped(lines, line, keep);
    if (echo) echo(line);
  };
  return {
    lines,
    info: (text) => put(text),
    error: (code, context) => put("E" + code + " " + errorName(code) + ": " + errorMessage(code) + " (" + context + ")"),
  };
}
