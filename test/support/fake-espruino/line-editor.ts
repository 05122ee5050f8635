/**
 * The fake board's console input, as Espruino's REPL reads it: characters
 * are echoed while echo is on; 0x10 at the start of a line turns echo off for
 * that line; ESC followed by a newline is a newline that does not execute;
 * other ESC sequences (cursor keys, the IDE's line-number marks) are dropped;
 * Ctrl-C clears the line; Enter executes the line when its brackets and
 * strings are closed, else continues it.
 */
export interface LineEvents {
  /** Bytes to send back (echo). */
  echo(text: string): void;
  /** A complete line to execute; `echoOff` when it began with 0x10. */
  execute(code: string, echoOff: boolean): void;
  /** Ctrl-C on an idle console. */
  interrupt(): void;
}

/** Whether `code` has every bracket, string and comment closed. */
export function isComplete(code: string): boolean {
  let depth = 0;
  let quote = "";
  for (let i = 0; i < code.length; i++) {
    const c = code[i];
    if (quote) {
      if (c === "\\") i++;
      else if (c === quote) quote = "";
      continue;
    }
    if (c === '"' || c === "'" || c === "`") quote = c;
    else if (c === "/" && code[i + 1] === "*") {
      const end = code.indexOf("*/", i + 2);
      if (end < 0) return false;
      i = end + 1;
    } else if (c === "/" && code[i + 1] === "/") {
      const end = code.indexOf("\n", i);
      if (end < 0) break;
      i = end;
    } else if (c === "(" || c === "{" || c === "[") depth++;
    else if (c === ")" || c === "}" || c === "]") depth--;
  }
  return depth <= 0 && quote === "";
}

export class LineEditor {
  private line = "";
  private echoOff = false;
  private esc = 0; // 0 none, 1 after ESC, 2 inside ESC [ ...
  private afterCR = false;

  constructor(
    private readonly events: LineEvents,
    private readonly echoOn: () => boolean,
  ) {}

  /** Feeds received bytes (one character per byte). */
  feed(text: string): void {
    for (const c of text) this.char(c);
  }

  private showing(): boolean {
    return this.echoOn() && !this.echoOff;
  }

  private char(c: string): void {
    const wasCR = this.afterCR;
    this.afterCR = false;
    if (this.esc === 1) {
      this.esc = c === "[" ? 2 : 0;
      if (c === "\n" || c === "\r") this.line += "\n";
      return;
    }
    if (this.esc === 2) {
      if (/[A-Za-z~]/.test(c)) this.esc = 0;
      return;
    }
    if (c === "\x1b") {
      this.esc = 1;
    } else if (c === "\x03") {
      this.line = "";
      this.echoOff = false;
      this.events.interrupt();
    } else if (c === "\x10") {
      if (this.line === "") this.echoOff = true;
    } else if (c === "\x08" || c === "\x7f") {
      if (this.line) {
        this.line = this.line.slice(0, -1);
        if (this.showing()) this.events.echo("\x08 \x08");
      }
    } else if (c === "\r" || c === "\n") {
      if (c === "\n" && wasCR) return;
      this.afterCR = c === "\r";
      this.enter();
    } else {
      this.line += c;
      if (this.showing()) this.events.echo(c);
    }
  }

  private enter(): void {
    if (!isComplete(this.line)) {
      this.line += "\n";
      if (this.showing()) this.events.echo("\r\n:");
      return;
    }
    const code = this.line;
    const echoOff = this.echoOff;
    this.line = "";
    this.echoOff = false;
    this.events.execute(code, echoOff);
  }
}
