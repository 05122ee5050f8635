/**
 * The soak's optional wire trace: one line per packet seen on either
 * client's wire (time in ms, client, connection, direction, packet, id, DUP,
 * the message's key), to study a failing seed.
 */
import fs from "node:fs";
import { checkPayload } from "./payload";
import type { Direction, TapListener, TappedPacket } from "./wire-tap";

export interface Trace {
  /** A listener that writes the packets of `client` and then calls `next`. */
  listener(client: string, next: TapListener): TapListener;
  /** Writes a free-form line (a SIGKILL, a disconnect). */
  note(line: string): void;
  close(): void;
}

/** A trace to `file`, or one that writes nothing when file is null. Throws when the file cannot be opened. */
export function createTrace(file: string | null, now: () => number): Trace {
  if (file === null) return { listener: (_c, next) => next, note: () => undefined, close: () => undefined };
  const fd = fs.openSync(file, "w");
  const write = (line: string) => fs.writeSync(fd, `${now().toFixed(1).padStart(9)} ${line}\n`);
  return {
    listener: (client, next) => (direction: Direction, p: TappedPacket, connection: number) => {
      const key = p.cmd === "publish" ? `${checkPayload(String(p.payload ?? "")) ?? String(p.payload ?? "").slice(0, 12)} ${p.topic}` : "";
      write(
        `${client}#${connection} ${direction === "in" ? "<-" : "->"} ${p.cmd}${p.messageId !== undefined ? ` ${p.messageId}` : ""}${p.dup ? " DUP" : ""}${p.qos ? ` q${p.qos}` : ""} ${key}`,
      );
      next(direction, p, connection);
    },
    note: (line) => write(line),
    close: () => fs.closeSync(fd),
  };
}
