/** A secret written on the command line: the flag it came with, and its text as written and decoded. */
export interface ArgvSecret {
  flag: string;
  texts: string[];
}

/** The password of a URL in `arg` (scheme://user:password@host, up to the last "@"), or "" when it has none. */
function urlPassword(arg: string): string {
  const m = /:\/\/[^:@/]*:(.*)@[^@]*$/.exec(arg);
  return m ? m[1] : "";
}

/**
 * Secrets on the command line, found before parsing so that no parse error
 * can show them: --password's value (also --password=...), and the password
 * of any URL that has one (user:password@), whatever flag it comes with.
 * Returns [] when there are none. Never fails.
 */
export function argvSecrets(argv: string[]): ArgvSecret[] {
  const found: ArgvSecret[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const eq = a.startsWith("--") ? a.indexOf("=") : -1;
    const flag = eq > 0 ? a.slice(0, eq) : i > 0 && argv[i - 1].startsWith("--") ? argv[i - 1] : "(an argument)";
    let text = urlPassword(a);
    if (a === "--password" && i + 1 < argv.length) {
      text = argv[++i];
    } else if (a.startsWith("--password=")) text = a.slice("--password=".length);
    if (!text) continue;
    const texts = [text];
    try {
      if (decodeURIComponent(text) !== text) texts.push(decodeURIComponent(text));
    } catch {
      // kept as written
    }
    found.push({ flag: a === "--password" ? a : flag, texts });
  }
  return found;
}

/**
 * The warning for secrets on the command line, naming their flags and where
 * they show (npm's echo of the command line when `npmPrinted`, else the
 * process list and shell history), with the environment variables to use
 * instead; "" when there are none.
 */
export function argvSecretsWarning(found: ArgvSecret[], npmPrinted: boolean): string {
  if (found.length === 0) return "";
  const flags = found.map((f) => f.flag).filter((f, i, all) => all.indexOf(f) === i);
  const where = npmPrinted
    ? "npm printed the command line above, and other users of this machine can see it in the process list"
    : "other users of this machine can see it in the process list, and the shell keeps it in its history";
  const ways: string[] = [];
  if (flags.indexOf("--password") >= 0) ways.push("put the WiFi password in FABMQTT_WIFI_PASSWORD");
  if (flags.indexOf("--broker") >= 0) ways.push("put the broker password in FABMQTT_BROKER_PASSWORD (with --broker mqtt://user@host)");
  const others = flags.filter((f) => f !== "--password" && f !== "--broker");
  if (others.length) ways.push("leave the password out of " + others.join(", "));
  return "warning: a password is on the command line (" + flags.join(", ") + "): " + where + "; " + ways.join("; ") + " instead";
}
