/**
 * Small facts about this machine for the broker launchers: installed Debian
 * package versions, ports that accept connections, the ends of log files.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";

/** The installed version of a Debian package, or "?" when it is not installed (or dpkg is absent). */
export function debianVersion(pkg: string): string {
  try {
    const v = execFileSync("dpkg-query", ["-W", "-f", "${Status} ${Version}", pkg], { stdio: ["ignore", "pipe", "ignore"] }).toString();
    return v.startsWith("install ok installed ") ? v.slice("install ok installed ".length).trim() : "?";
  } catch {
    return "?";
  }
}

/**
 * Resolves true once 127.0.0.1:`port` accepts a connection, false after `ms`
 * or as soon as `gaveUp()` says the process serving it is gone.
 */
export function waitForPort(port: number, ms: number, gaveUp: () => boolean = () => false): Promise<boolean> {
  const deadline = Date.now() + ms;
  return new Promise((resolve) => {
    const attempt = () => {
      const s = net.connect({ host: "127.0.0.1", port });
      s.on("connect", () => {
        s.destroy();
        resolve(true);
      });
      s.on("error", () => {
        s.destroy();
        if (Date.now() > deadline || gaveUp()) resolve(false);
        else setTimeout(attempt, 100);
      });
    };
    attempt();
  });
}

/** The last `lines` lines of a text file; "" when it cannot be read. */
export function fileTail(file: string, lines = 30): string {
  try {
    return fs.readFileSync(file, "utf8").split("\n").slice(-lines).join("\n");
  } catch {
    return "";
  }
}
