/**
 * What `npm run flash` shows while the espruino CLI uploads: bytes sent,
 * percent and time left, from the CLI's own count (progress-hook.cjs).
 */

/**
 * "12,288 of 57,800 B sent (21%), about 22 s left": bytes on the link (the
 * CLI sends files as base64 in Storage writes, a third more than the files);
 * the time left once enough is known (a tenth of a second and 2% sent).
 */
export function progressText(sent: number, total: number, elapsedMs: number): string {
  const percent = Math.floor((100 * sent) / total);
  let text = sent.toLocaleString("en-US") + " of " + total.toLocaleString("en-US") + " B sent (" + percent + "%)";
  if (sent >= total) return text;
  if (elapsedMs >= 100 && sent >= total / 50) text += ", about " + Math.ceil(((total - sent) * elapsedMs) / sent / 1000) + " s left";
  return text;
}

export interface ProgressPrinter {
  /** The upload's count: bytes sent, bytes to send. */
  update(sent: number, total: number): void;
  /** Ends the line a terminal was rewriting. */
  end(): void;
}

/**
 * Writes progress to `out`: on a terminal one line rewritten in place, else a
 * line each time another tenth is sent (a log keeps a dozen lines, not
 * hundreds). Time runs from the first count, when the CLI starts sending.
 */
export function createProgressPrinter(out: { isTTY?: boolean; write(text: string): unknown }, prefix: string, now: () => number = Date.now): ProgressPrinter {
  let started = -1;
  let lastTenth = -1;
  let open = false;
  return {
    update(sent, total) {
      if (started < 0) started = now();
      const text = prefix + progressText(sent, total, now() - started);
      if (out.isTTY) {
        out.write("\r\x1b[K" + text);
        open = true;
        return;
      }
      const tenth = Math.floor((10 * sent) / total);
      if (tenth === lastTenth) return;
      lastTenth = tenth;
      out.write(text + "\n");
    },
    end() {
      if (open) out.write("\n");
      open = false;
    },
  };
}
