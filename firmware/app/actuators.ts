import * as E from "../../base/errors";
import type { Payload } from "../mqtt/encode";
import { payloadText } from "../wire/index";
import type { ActuatorConfig } from "./config";

/** A level: 0 (off) .. 100 (on or full PWM). */
export type Level = number;

/**
 * The level a command asks of an actuator now at `current`: ON/OFF/TOGGLE
 * (any case, also 1/0/true/false) for every kind, a whole number 0..100 for
 * pwm. Returns E_COMMAND_BAD_VALUE for anything else.
 */
export function parseCommand(kind: ActuatorConfig["kind"], payload: Payload, current: Level): Level {
  // No valid command is longer than 8 bytes.
  const t = payload.length > 8 ? "" : payloadText(payload).toUpperCase();
  if (t === "ON" || t === "TRUE" || (t === "1" && kind !== "pwm")) return 100;
  if (t === "OFF" || t === "FALSE" || t === "0") return 0;
  if (t === "TOGGLE") return current > 0 ? 0 : 100;
  if (kind === "pwm" && t.length > 0 && t.length <= 3) {
    let n = 0;
    for (let i = 0; i < t.length; i++) {
      const d = t.charCodeAt(i) - 48;
      if (d < 0 || d > 9) return E.E_COMMAND_BAD_VALUE;
      n = n * 10 + d;
    }
    if (n <= 100) return n;
  }
  return E.E_COMMAND_BAD_VALUE;
}

/** The state payload: "ON"/"OFF" for relay and led, the level for pwm. */
export function stateText(a: ActuatorConfig, level: Level): string {
  return a.kind === "pwm" ? String(level) : level > 0 ? "ON" : "OFF";
}
