import type { DeviceBoard } from "../../boards/types";
import { E_INVALID_ARGUMENT, E_PIN_INVALID, E_PIN_UNSUPPORTED } from "../../base/errors";
import type { Gpio, PinMode } from "../types";
import { pinIn } from "../../base/pin-set";
import type { EspWatchEvent } from "./api";

declare function pinMode(pin: string, mode: string): void;
declare function digitalWrite(pin: string, value: number): void;
declare function digitalRead(pin: string): number;
declare function analogRead(pin: string): number;
declare function analogWrite(pin: string, value: number, options: { freq: number }): void;
declare function setWatch(fn: (e: EspWatchEvent) => void, pin: string, options: { repeat: boolean; edge: string; debounce: number }): number | undefined;
declare function clearWatch(id: number): void;

/** call_()'s `code` for a pin that must take output: E_PIN_UNSUPPORTED for an input-only pin. */
const OUTPUT = 1;

/** setWatch with the pin first, as call() passes it. */
function watchPin(pin: string, fn: (e: EspWatchEvent) => void, options: { repeat: boolean; edge: string; debounce: number }): number | undefined {
  return setWatch(fn, pin, options);
}

/**
 * Pins by Espruino name ("D2", "A0"), checked against the board before
 * Espruino sees them: a pin the board does not offer is E_PIN_INVALID, analog
 * on a pin without ADC or output on an input-only pin E_PIN_UNSUPPORTED, and
 * whatever Espruino throws (a mode it does not know, say) is E_PIN_UNSUPPORTED
 * too; nothing throws. pwm() takes a duty of 0..1 and a frequency over 0, else
 * E_INVALID_ARGUMENT. Watch handles are the HAL's own (Espruino reuses its
 * numbers, throws on an unknown one and clears every watch when given none).
 * One object, its methods on the prototype.
 */
export class EspruinoGpio implements Gpio {
  board_: DeviceBoard;
  /** HAL handle -> Espruino watch number. */
  watches_: { [id: number]: number } = {};
  next_ = 1;
  constructor(board: DeviceBoard) {
    this.board_ = board;
  }
  /** f(pin, a, b) as a number (0 for nothing) for a pin the board offers and a zero `code` (or OUTPUT, on a pin that is not input-only); else the code. */
  call_(pin: string, code: number, f: (pin: string, a?: any, b?: any) => unknown, a?: unknown, b?: unknown): number {
    if (!pinIn(this.board_.pins, pin)) return E_PIN_INVALID;
    if (code === OUTPUT) code = pinIn(this.board_.inputOnly, pin) ? E_PIN_UNSUPPORTED : 0;
    if (code) return code;
    try {
      return +(f(pin, a, b) as number) || 0;
    } catch (e) {
      return E_PIN_UNSUPPORTED;
    }
  }
  mode(pin: string, mode: PinMode): number {
    return this.call_(pin, mode === "output" || mode === "opendrain" ? OUTPUT : 0, pinMode, mode);
  }
  write(pin: string, high: boolean): number {
    return this.call_(pin, OUTPUT, digitalWrite, high ? 1 : 0);
  }
  read(pin: string): number {
    return this.call_(pin, 0, digitalRead);
  }
  analogRead(pin: string): number {
    return this.call_(pin, pinIn(this.board_.adc, pin) ? 0 : E_PIN_UNSUPPORTED, analogRead);
  }
  pwm(pin: string, duty: number, freq: number): number {
    return this.call_(pin, duty >= 0 && duty <= 1 && freq > 0 ? OUTPUT : E_INVALID_ARGUMENT, analogWrite, duty, { freq: freq });
  }
  watch(pin: string, debounceMs: number, fn: (high: boolean) => void): number {
    const w = this.call_(
      pin,
      0,
      watchPin,
      function (e: EspWatchEvent) {
        fn(!!e.state);
      },
      { repeat: true, edge: "both", debounce: debounceMs > 0 ? debounceMs : 0 },
    );
    // Espruino numbers watches from 1; undefined (0 here) when it cannot watch the pin.
    if (w <= 0) return w || E_PIN_UNSUPPORTED;
    this.watches_[this.next_] = w;
    return this.next_++;
  }
  unwatch(id: number): void {
    const w = this.watches_[id];
    if (w === undefined) return;
    delete this.watches_[id];
    try {
      clearWatch(w);
    } catch (e) {}
  }
}
