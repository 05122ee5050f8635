import type { DeviceBoard } from "../../boards/types";
import { E_INVALID_ARGUMENT, E_PIN_INVALID, E_PIN_UNSUPPORTED } from "../../firmware/errors";
import type { Gpio } from "../types";
import { pinIn } from "../../firmware/pin-set";
import type { EspWatchEvent } from "./api";

declare function pinMode(pin: string, mode: string): void;
declare function digitalWrite(pin: string, value: number): void;
declare function digitalRead(pin: string): number;
declare function analogRead(pin: string): number;
declare function analogWrite(pin: string, value: number, options: { freq: number }): void;
declare function setWatch(fn: (e: EspWatchEvent) => void, pin: string, options: { repeat: boolean; edge: string; debounce: number }): number | undefined;
declare function clearWatch(id: number): void;


/**
 * Pins by Espruino name ("D2", "A0"), checked against the board before
 * Espruino sees them: a pin the board does not offer is E_PIN_INVALID, analog
 * on a pin without ADC or output on an input-only pin E_PIN_UNSUPPORTED, and
 * whatever Espruino throws (a mode it does not know, say) is E_PIN_UNSUPPORTED
 * too; nothing throws. pwm() takes a duty of 0..1 and a frequency over 0, else
 * E_INVALID_ARGUMENT. Watch
 * handles are the HAL's own (Espruino reuses its numbers, throws on an unknown
 * one and clears every watch when given none).
 */
export function createEspruinoGpio(board: DeviceBoard): Gpio {
  const watches: { [id: number]: number } = {};
  let next = 1;
  /** f(pin, a, b) as a number (0 for nothing) for a pin the board offers and a zero `code`; else the code. */
  const call = function (pin: string, code: number, f: (pin: string, a?: any, b?: any) => unknown, a?: unknown, b?: unknown): number {
    if (!pinIn(board.pins, pin)) return E_PIN_INVALID;
    if (code) return code;
    try {
      return +(f(pin, a, b) as number) || 0;
    } catch (e) {
      return E_PIN_UNSUPPORTED;
    }
  };
  const inputOnly = function (pin: string): number {
    return pinIn(board.inputOnly, pin) ? E_PIN_UNSUPPORTED : 0;
  };
  return {
    mode: function (pin, mode) {
      return call(pin, mode === "output" || mode === "opendrain" ? inputOnly(pin) : 0, pinMode, mode);
    },
    write: function (pin, high) {
      return call(pin, inputOnly(pin), digitalWrite, high ? 1 : 0);
    },
    read: function (pin) {
      return call(pin, 0, digitalRead);
    },
    analogRead: function (pin) {
      return call(pin, pinIn(board.adc, pin) ? 0 : E_PIN_UNSUPPORTED, analogRead);
    },
    pwm: function (pin, duty, freq) {
      return call(pin, duty >= 0 && duty <= 1 && freq > 0 ? inputOnly(pin) : E_INVALID_ARGUMENT, analogWrite, duty, { freq: freq });
    },
    watch: function (pin, debounceMs, fn) {
      const w = call(pin, 0, function () {
        return setWatch(
          function (e) {
            fn(!!e.state);
          },
          pin,
          { repeat: true, edge: "both", debounce: debounceMs > 0 ? debounceMs : 0 },
        );
      });
      // Espruino numbers watches from 1; undefined (0 here) when it cannot watch the pin.
      if (w <= 0) return w || E_PIN_UNSUPPORTED;
      watches[next] = w;
      return next++;
    },
    unwatch: function (id) {
      const w = watches[id];
      if (w === undefined) return;
      delete watches[id];
      try {
        clearWatch(w);
      } catch (e) {}
    },
  };
}
