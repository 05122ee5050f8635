/**
 * Small facts about this machine for the broker launchers: installed Debian
 * package versions, ports that accept connections, the ends of log files.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";

/** The installed version of a Debian package, or "?" when it is not installed (or dpkg is absent). */
export function debianVersion(pkg: string): string {
  try {
    const v = execFileSync("dpkg-query", ["-W", "-f", "${Status} ${Version}", pkg], { stdio: ["ignore", "pipe", "ignore"] }).toString();
    return v.startsWith("install ok installed ") ? v.slice("install ok installed ".length).trim() : "?";
  } catch {
    return "?";
  }
}

export { waitForPort } from "../support/mosquitto";

/** The last `lines` lines of a text file; "" when it cannot be read. */
export function fileTail(file: string, lines = 30): string {
  try {
    return fs.readFileSync(file, "utf8").split("\n").slice(-lines).join("\n");
  } catch {
    return "";
  }
}
