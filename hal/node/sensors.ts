import * as E from "../../base/errors";
import type { Gpio, Sensor, SensorSpec, Sensors, Timers } from "../types";

/** One scripted outcome of a reading: values, or an error code; `ms` is how long the reading takes. */
export interface ScriptedReading {
  code?: number;
  a?: number;
  b?: number;
  ms?: number;
}

/** Sensors on the host with scripts for tests and plausible readings for the simulator. */
export interface ScriptedSensors extends Sensors {
  /** Queues outcomes for the sensor on `pin`; they are used before the plausible generator. */
  script(pin: string, readings: ScriptedReading[]): void;
  /** How many readings were taken, per pin. */
  reads(pin: string): number;
}

/**
 * Sensors on the host. Without a script a reading is plausible and changes
 * slowly with `now()` (DHT22 about 21 °C / 45 %RH, DS18B20 about 19 °C); analog
 * and digital sensors read the virtual pins. A read while one is under way gives
 * E_SENSOR_BUSY. open() gives E_SENSOR_KIND for an unknown kind.
 */
export function createScriptedSensors(timers: Timers, gpio: Gpio, now: () => number): ScriptedSensors {
  const scripts = new Map<string, ScriptedReading[]>();
  const counts = new Map<string, number>();
  const plausible = (spec: SensorSpec): ScriptedReading => {
    // Minutes: slow drifts, with a small faster ripple so that consecutive readings differ.
    const t = now() / 60000;
    const ripple = 0.3 * Math.sin(t * 9);
    if (spec.kind === "dht22") return { a: round(21 + 2 * Math.sin(t) + ripple, 1), b: round(45 + 5 * Math.cos(t / 2) - 2 * ripple, 1), ms: 5 };
    if (spec.kind === "ds18b20") return { a: round(19 + 1.5 * Math.sin(t / 3) + ripple, 2), ms: 10 };
    if (spec.kind === "analog") {
      const v = gpio.analogRead(spec.pin);
      return v < 0 ? { code: v } : { a: v, ms: 0 };
    }
    const d = gpio.read(spec.pin);
    return d < 0 ? { code: d } : { a: d, ms: 0 };
  };
  return {
    script(pin, readings) {
      scripts.set(pin, (scripts.get(pin) || []).concat(readings));
    },
    reads: (pin) => counts.get(pin) || 0,
    open(spec): Sensor | number {
      if (!spec || ["dht22", "ds18b20", "analog", "digital"].indexOf(spec.kind) < 0) return E.E_SENSOR_KIND;
      if (spec.kind === "analog" && gpio.analogRead(spec.pin) < 0) return gpio.analogRead(spec.pin);
      if (gpio.read(spec.pin) === E.E_PIN_INVALID) return E.E_PIN_INVALID;
      let busy = false;
      return {
        read(done) {
          if (busy) {
            setImmediate(() => done(E.E_SENSOR_BUSY, 0, 0));
            return;
          }
          busy = true;
          counts.set(spec.pin, (counts.get(spec.pin) || 0) + 1);
          const queue = scripts.get(spec.pin);
          const r = queue && queue.length ? (queue.shift() as ScriptedReading) : plausible(spec);
          const finish = () => {
            busy = false;
            if (r.code) done(r.code, 0, 0);
            else done(0, r.a ?? 0, r.b ?? 0);
          };
          // A timeout takes the driver's full wait; a good reading its conversion time.
          if (r.ms && r.ms > 0) timers.after(r.ms, finish);
          else setImmediate(finish);
        },
      };
    },
  };
}

function round(v: number, digits: number): number {
  const f = Math.pow(10, digits);
  return Math.round(v * f) / f;
}
