import type { DeviceBoard } from "../../boards/types";
import { E_PIN_INVALID, E_PIN_UNSUPPORTED, E_SENSOR_BUSY, E_SENSOR_KIND } from "../../firmware/errors";
import type { Gpio, Sensor, SensorSpec, Sensors } from "../types";
import { dht22Reading } from "./dht22";
import { ds18b20Reading } from "./ds18b20";
import { pinIn } from "../../firmware/pin-set";

declare function setTimeout(fn: () => void, ms: number): number;

/** Takes one reading and ends it with `end(code, a, b)`, always asynchronously. */
export type Reading = (end: (code: number, a: number, b: number) => void) => void;

/** Time between the samples of a digital input: it counts once two agree. */
const SETTLE_MS = 10;

/**
 * Sensors with the project's own drivers: dht22 and ds18b20 (dht22.ts,
 * ds18b20.ts), analog (gpio.analogRead, 0..1), digital (the level once two
 * samples SETTLE_MS apart agree, at most five samples: contact bounce is not
 * reported). A read while one is under way gets E_SENSOR_BUSY. open() gives
 * E_SENSOR_KIND for an unknown kind, E_PIN_INVALID for a pin the board does
 * not offer, E_PIN_UNSUPPORTED for analog without ADC.
 */
export function createEspruinoSensors(board: DeviceBoard, gpio: Gpio): Sensors {
  /** Analog: one sample. Digital: samples SETTLE_MS apart until two agree (at most five). */
  const sampled = function (analog: boolean) {
    return function (pin: string): Reading {
      return function (end) {
        let last = -1;
        let samples = 0;
        const sample = function () {
          const v = analog ? gpio.analogRead(pin) : gpio.read(pin);
          if (v < 0) return end(v, 0, 0);
          if (analog || v === last || ++samples > 4) return end(0, v, 0);
          last = v;
          setTimeout(sample, SETTLE_MS);
        };
        setTimeout(sample, 0);
      };
    };
  };
  return {
    open: function (spec: SensorSpec): Sensor | number {
      const kind = spec.kind;
      const pin = spec.pin;
      const make = kind === "dht22" ? dht22Reading : kind === "ds18b20" ? ds18b20Reading : kind === "analog" || kind === "digital" ? sampled(kind === "analog") : null;
      if (!make) return E_SENSOR_KIND;
      if (!pinIn(board.pins, pin)) return E_PIN_INVALID;
      if (kind === "analog" && !pinIn(board.adc, pin)) return E_PIN_UNSUPPORTED;
      const reading = make(pin);
      let busy = false;
      return {
        read: function (done) {
          if (busy) {
            setTimeout(function () {
              done(E_SENSOR_BUSY, 0, 0);
            }, 0);
            return;
          }
          busy = true;
          reading(function (code, a, b) {
            busy = false;
            done(code, a, b);
          });
        },
      };
    },
  };
}
