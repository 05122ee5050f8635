import * as E from "../../base/errors";
import type { DeviceBoard } from "../../boards/types";
import type { Gpio, PinMode, Timers } from "../types";
import { pinIn } from "../../base/pin-set";
import { pushCapped } from "./capped";

/** One entry of the virtual pins' event log. */
export interface PinEvent {
  pin: string;
  kind: "mode" | "write" | "pwm" | "input";
  value: number | string;
}

/** Virtual pins with an event log and a way to drive inputs. */
export interface VirtualGpio extends Gpio {
  /** The newest events, at most LOG_KEEP (capped.ts), oldest first. */
  log: PinEvent[];
  /** The level an output was last driven to (0/1), or the PWM duty; undefined when never driven. */
  level(pin: string): number | undefined;
  modeOf(pin: string): PinMode | undefined;
  /** Sets an input's level (a button press, a switch): watches fire after their debounce. */
  setInput(pin: string, high: boolean): void;
  /** Sets what analogRead gives for a pin (0..1). */
  setAnalog(pin: string, value: number): void;
}

/**
 * Pins of `board` on the host. Unknown pins give E_PIN_INVALID; analog on a
 * pin without ADC, or output on an input-only pin, E_PIN_UNSUPPORTED.
 */
export function createVirtualGpio(board: DeviceBoard, timers: Timers): VirtualGpio {
  const modes = new Map<string, PinMode>();
  const levels = new Map<string, number>();
  const inputs = new Map<string, boolean>();
  const analog = new Map<string, number>();
  const watches = new Map<number, { pin: string; debounce: number; fn: (high: boolean) => void; timer: number; last: boolean }>();
  let nextWatch = 1;
  const log: PinEvent[] = [];
  const has = (pin: string) => typeof pin === "string" && pinIn(board.pins, pin);
  const inputOnly = (pin: string) => pinIn(board.inputOnly, pin);
  const hasAdc = (pin: string) => pinIn(board.adc, pin);
  const output = (pin: string) => {
    if (!has(pin)) return E.E_PIN_INVALID;
    if (inputOnly(pin)) return E.E_PIN_UNSUPPORTED;
    return 0;
  };
  return {
    log,
    level: (pin) => levels.get(pin),
    modeOf: (pin) => modes.get(pin),
    mode(pin, mode) {
      if (!has(pin)) return E.E_PIN_INVALID;
      if ((mode === "output" || mode === "opendrain") && inputOnly(pin)) return E.E_PIN_UNSUPPORTED;
      modes.set(pin, mode);
      pushCapped(log, { pin, kind: "mode", value: mode });
      return 0;
    },
    write(pin, high) {
      const code = output(pin);
      if (code) return code;
      levels.set(pin, high ? 1 : 0);
      pushCapped(log, { pin, kind: "write", value: high ? 1 : 0 });
      return 0;
    },
    read(pin) {
      if (!has(pin)) return E.E_PIN_INVALID;
      if (inputs.has(pin)) return inputs.get(pin) ? 1 : 0;
      return levels.get(pin) ? 1 : 0;
    },
    analogRead(pin) {
      if (!has(pin)) return E.E_PIN_INVALID;
      if (!hasAdc(pin)) return E.E_PIN_UNSUPPORTED;
      return analog.get(pin) ?? 0;
    },
    pwm(pin, duty, _freq) {
      const code = output(pin);
      if (code) return code;
      if (!(duty >= 0 && duty <= 1)) return E.E_INVALID_ARGUMENT;
      levels.set(pin, duty);
      pushCapped(log, { pin, kind: "pwm", value: duty });
      return 0;
    },
    watch(pin, debounceMs, fn) {
      if (!has(pin)) return E.E_PIN_INVALID;
      const id = nextWatch++;
      watches.set(id, { pin, debounce: Math.max(0, debounceMs), fn, timer: 0, last: !!inputs.get(pin) });
      return id;
    },
    unwatch(id) {
      const w = watches.get(id);
      if (!w) return;
      timers.cancel(w.timer);
      watches.delete(id);
    },
    setInput(pin, high) {
      inputs.set(pin, high);
      pushCapped(log, { pin, kind: "input", value: high ? 1 : 0 });
      for (const w of watches.values()) {
        if (w.pin !== pin) continue;
        timers.cancel(w.timer);
        // Report only a level that held for the debounce time and differs from the last reported one.
        w.timer = timers.after(w.debounce, () => {
          w.timer = 0;
          const now = !!inputs.get(pin);
          if (now === w.last) return;
          w.last = now;
          w.fn(now);
        });
      }
    },
    setAnalog(pin, value) {
      analog.set(pin, value);
    },
  };
}
