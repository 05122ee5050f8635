import type { DeviceBoard } from "../../boards/types";
import { E_PIN_INVALID, E_PIN_UNSUPPORTED, E_SENSOR_BUSY, E_SENSOR_KIND } from "../../base/errors";
import type { Gpio, Sensor, SensorSpec, Sensors } from "../types";
import { dht22Reading } from "./dht22";
import { ds18b20Reading } from "./ds18b20";
import { pinIn } from "../../base/pin-set";

declare function setTimeout(fn: (...args: any[]) => void, ms: number, ...args: unknown[]): number;

/** Takes one reading and ends it with `end(code, a, b)`, always asynchronously. */
export type Reading = (end: (code: number, a: number, b: number) => void) => void;

/** Time between the samples of a digital input: it counts once two agree. */
const SETTLE_MS = 10;

/** Analog: one sample. Digital: samples SETTLE_MS apart until two agree (at most five). */
function sampledReading(gpio: Gpio, pin: string, analog: boolean): Reading {
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
}

/** One opened sensor: its driver's reading, and whether one is under way. */
class EspruinoSensor implements Sensor {
  reading_: Reading;
  busy_ = false;
  constructor(reading: Reading) {
    this.reading_ = reading;
  }
  read(done: (code: number, a: number, b: number) => void): void {
    if (this.busy_) {
      // A turn later, as a reading ends (Espruino passes setTimeout's extra arguments on).
      setTimeout(done, 0, E_SENSOR_BUSY, 0, 0);
      return;
    }
    this.busy_ = true;
    const s = this;
    this.reading_(function (code, a, b) {
      s.busy_ = false;
      done(code, a, b);
    });
  }
}

/**
 * Sensors with the project's own drivers: dht22 and ds18b20 (dht22.ts,
 * ds18b20.ts), analog (gpio.analogRead, 0..1), digital (the level once two
 * samples SETTLE_MS apart agree, at most five samples: contact bounce is not
 * reported). A read while one is under way gets E_SENSOR_BUSY. open() gives
 * E_SENSOR_KIND for an unknown kind, E_PIN_INVALID for a pin the board does
 * not offer, E_PIN_UNSUPPORTED for analog without ADC.
 */
export class EspruinoSensors implements Sensors {
  board_: DeviceBoard;
  gpio_: Gpio;
  constructor(board: DeviceBoard, gpio: Gpio) {
    this.board_ = board;
    this.gpio_ = gpio;
  }
  open(spec: SensorSpec): Sensor | number {
    const kind = spec.kind;
    const pin = spec.pin;
    const sampled = kind === "analog" || kind === "digital";
    if (!(sampled || kind === "dht22" || kind === "ds18b20")) return E_SENSOR_KIND;
    if (!pinIn(this.board_.pins, pin)) return E_PIN_INVALID;
    if (kind === "analog" && !pinIn(this.board_.adc, pin)) return E_PIN_UNSUPPORTED;
    return new EspruinoSensor(sampled ? sampledReading(this.gpio_, pin, kind === "analog") : kind === "dht22" ? dht22Reading(pin) : ds18b20Reading(pin));
  }
}
