/**
 * Mosquitto (Debian's `mosquitto`) for `npm run interop`, through the test
 * harness (scripts/support/mosquitto.ts): its own directory, free port, password
 * file made by mosquitto_passwd, persistence, anonymous clients refused.
 */
import { execFileSync } from "node:child_process";
import { mosquittoBinary, startMosquitto } from "../support/mosquitto";
import { INTEROP_PASSWORD, INTEROP_USER, type BrokerLauncher, type InteropBroker } from "./broker";
import { isAlive, notePid } from "./processes";

function installed(): string | null {
  try {
    mosquittoBinary();
  } catch {
    return "mosquitto is not installed: apt-get install mosquitto mosquitto-clients";
  }
  try {
    execFileSync("mosquitto_passwd", ["-h"], { stdio: "ignore" });
  } catch (e) {
    // mosquitto_passwd -h exits 1 after printing its usage; only a missing binary matters.
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return "mosquitto_passwd is missing: apt-get install mosquitto";
  }
  return null;
}

export const mosquittoLauncher: BrokerLauncher = {
  name: "mosquitto",
  packages: "mosquitto mosquitto-clients",
  missing: installed,
  version() {
    try {
      const out = execFileSync(mosquittoBinary(), ["-h"], { stdio: ["ignore", "pipe", "pipe"] }).toString();
      return /version (\S+)/.exec(out)?.[1] ?? "?";
    } catch (e) {
      // `mosquitto -h` prints its usage and exits 3.
      const out = String((e as { stdout?: Buffer }).stdout ?? "");
      return /version (\S+)/.exec(out)?.[1] ?? "?";
    }
  },
  async start(): Promise<InteropBroker> {
    const m = await startMosquitto({ passwords: { [INTEROP_USER]: INTEROP_PASSWORD }, allowAnonymous: false, persistence: true, noDelay: true });
    notePid(m.pid());
    return {
      port: m.port,
      username: INTEROP_USER,
      password: INTEROP_PASSWORD,
      async restart() {
        await m.terminate();
        await m.restart();
        notePid(m.pid());
      },
      stop: () => m.stop(),
      pids: () => [m.pid()].filter((pid) => pid > 0 && isAlive(pid)),
      logTail: () => m.log().split("\n").slice(-30).join("\n"),
    };
  },
  deviations: {},
};
