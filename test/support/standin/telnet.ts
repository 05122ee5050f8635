import type { StandinMode } from "./net";

/** What a test sees of the telnet console. */
export interface TelnetControl {
  /** "on" while the console listens (port 23 on a board), "off" once closed. */
  mode(): "on" | "off";
  /** The options setOptions() was given, in order. */
  calls: unknown[];
}

/**
 * Espruino's `require("TelnetServer")` (libs/network/telnet/jswrap_telnet.c):
 * setOptions({mode: "on" | "off"}), which throws for an options value that is
 * not an object or an unknown mode. The console listens from boot on ESP8266
 * and ESP32 builds; on Linux only when the interpreter was started with
 * --telnet (here: never). Never fails.
 */
export function createStandinTelnet(mode: StandinMode): { module: object; control: TelnetControl } {
  let on = mode !== "linux";
  const calls: unknown[] = [];
  return {
    module: {
      setOptions(options: unknown) {
        calls.push(options);
        if (!options || typeof options !== "object") throw new Error("Expecting Object, got " + typeof options);
        const m = (options as { mode?: unknown }).mode;
        if (typeof m !== "string") return;
        if (m !== "on" && m !== "off") throw new Error("Unknown mode value");
        on = m === "on";
      },
    },
    control: { mode: () => (on ? "on" : "off"), calls },
  };
}
