import type { Loop } from "./loop";
import type { StandinMode } from "./net";

/** One entry of the pins' event log. */
export interface PinEvent {
  pin: string;
  kind: "mode" | "write" | "pwm" | "input" | "pulse" | "watch" | "unwatch";
  value: number | string;
  /** getTime() when a write happened (seconds, the firmware's clock). */
  at?: number;
}

/** What a DHT22 on a pin answers to the start pulse. */
export type Dht22Answer = { temp: number; rh: number; fault?: "checksum" | "partial" } | "silent";

/** What a test controls and sees of the pins. */
export interface PinControl {
  log: PinEvent[];
  /** Sets the level an input sees (a button, a contact): watches fire after their debounce. */
  setInput(pin: string, high: boolean): void;
  /** What analogRead gives for an ADC pin (0..1). */
  setAnalog(pin: string, value: number): void;
  /** The level a pin is driven to, or the PWM duty; undefined when never driven. */
  level(pin: string): number | undefined;
  mode(pin: string): string | undefined;
  /** Watches set now. */
  watches(): number;
  /** Puts a DHT22 on `pin`: its answer to every start pulse. */
  dht22(pin: string, answer: Dht22Answer): void;
}

export interface StandinPins {
  globals: Record<string, unknown>;
  control: PinControl;
  dispose(): void;
}

const MODES = ["analog", "input", "input_pulldown", "input_pullup", "output", "opendrain", "opendrain_pullup", "af_output", "af_opendrain", "auto"];

interface Watch {
  id: number;
  pin: string;
  fn: unknown;
  repeat: boolean;
  edge: number;
  debounceMs: number;
  state: boolean;
  lastTime: number;
  timer: NodeJS.Timeout | null;
}

/** The pins a mode's firmware has: D0..D16 and A0 on ESP8266, D0..D39 on ESP32, D0..D31 on Linux. */
function pinNames(mode: StandinMode): Set<string> {
  const n = mode === "esp8266" ? 17 : mode === "esp32" ? 40 : 32;
  const names = new Set<string>();
  for (let i = 0; i < n; i++) names.add("D" + i);
  if (mode === "esp8266") names.add("A0");
  return names;
}

/** ADC pins Espruino reads: A0 on ESP8266, D32-D39 (ADC1) on ESP32, none on Linux. */
function adcNames(mode: StandinMode): Set<string> {
  if (mode === "esp8266") return new Set(["A0"]);
  if (mode === "esp32") return new Set(["D32", "D33", "D34", "D35", "D36", "D37", "D38", "D39"]);
  return new Set();
}

/**
 * Espruino's pin functions over virtual pins, with an event log: pins named
 * as Strings ("D2") or pin objects (the globals D0, D1, ...; an unknown name
 * throws "Invalid pin"), pinMode (an unknown mode throws), digitalRead/Write,
 * analogRead (an ADC pin only, else it throws), analogWrite, digitalPulse,
 * setWatch/clearWatch as in src/jswrap_io.c (numbers from 1 reused like
 * timers', clearWatch(undefined) throws, clearWatch() clears every watch, an
 * unknown number throws "Unknown Watch"; GPIO16 of an ESP8266 cannot be
 * watched: undefined and a warning). Watch callbacks get {state, time,
 * lastTime} (seconds, getTime's clock), after `debounce` ms of a stable level.
 * A DHT22 put on a pin answers a low start pulse with the datasheet's
 * waveform, its edges timed exactly, delivered to the pin's watches.
 */
export function createStandinPins(loop: Loop, mode: StandinMode, getTime: () => number): StandinPins {
  const names = pinNames(mode);
  const adc = adcNames(mode);
  const log: PinEvent[] = [];
  const modes = new Map<string, string>();
  const driven = new Map<string, number>();
  const inputs = new Map<string, boolean>();
  const analog = new Map<string, number>();
  const sensors = new Map<string, Dht22Answer>();
  let watches: Watch[] = [];
  const pinObjects: Record<string, unknown> = {};
  for (const name of names) pinObjects[name] = { toString: () => name, getInfo: () => ({ num: Number(name.slice(1)) }) };
  const resolve = (pin: unknown): string => {
    const name = typeof pin === "string" ? pin : pin && typeof pin === "object" ? String(pin) : "";
    if (!names.has(name)) throw new Error("Invalid pin: " + String(pin));
    return name;
  };
  const levelOf = (pin: string): boolean => (inputs.has(pin) ? !!inputs.get(pin) : (driven.get(pin) ?? 1) > 0);
  /** The line changed to `high` at `time` seconds: every watch on the pin hears it (after its debounce). */
  const edge = (pin: string, high: boolean, time: number) => {
    for (const w of [...watches]) {
      if (w.pin !== pin) continue;
      const report = () => {
        w.timer = null;
        const now = w.debounceMs > 0 ? levelOf(pin) : high;
        if (w.debounceMs > 0 && now === w.state) return;
        if (w.edge === 1 && !now) {
          w.state = now;
          return;
        }
        if (w.edge === -1 && now) {
          w.state = now;
          return;
        }
        const e = { state: now, time: w.debounceMs > 0 ? getTime() : time, lastTime: w.lastTime };
        w.state = now;
        w.lastTime = e.time;
        if (!w.repeat) watches = watches.filter((x) => x !== w);
        loop.post(w.fn, [e]);
      };
      if (w.debounceMs > 0) {
        if (w.timer) clearTimeout(w.timer);
        w.timer = setTimeout(report, w.debounceMs);
      } else report();
    }
  };
  const drive = (pin: string, level: number) => {
    const before = levelOf(pin);
    driven.set(pin, level);
    const after = levelOf(pin);
    if (before !== after) edge(pin, after, getTime());
  };
  /** The DHT22's answer to a start pulse ending at `t0` seconds: 80 µs low, 80 µs high, 40 bits, a last low. */
  const answerDht22 = (pin: string, t0: number) => {
    const answer = sensors.get(pin);
    if (!answer || answer === "silent") return;
    const rh = Math.round(answer.rh * 10);
    const t = Math.round(Math.abs(answer.temp) * 10) | (answer.temp < 0 ? 0x8000 : 0);
    const bytes = [rh >> 8, rh & 255, t >> 8, t & 255];
    bytes.push((bytes[0] + bytes[1] + bytes[2] + bytes[3]) & 255);
    if (answer.fault === "checksum") bytes[4] ^= 0x01;
    const bits: number[] = [];
    for (const b of bytes) for (let i = 7; i >= 0; i--) bits.push((b >> i) & 1);
    if (answer.fault === "partial") bits.length = 20;
    const edges: [boolean, number][] = [];
    let us = 30;
    edges.push([false, us]);
    us += 80;
    edges.push([true, us]);
    us += 80;
    for (const bit of bits) {
      edges.push([false, us]);
      us += 50;
      edges.push([true, us]);
      us += bit ? 70 : 27;
    }
    if (answer.fault !== "partial") {
      edges.push([false, us]);
      us += 50;
      edges.push([true, us]);
    }
    for (const [high, at] of edges) edge(pin, high, t0 + at / 1e6);
  };
  const globals: Record<string, unknown> = {
    ...pinObjects,
    pinMode(pin: unknown, m: unknown) {
      const p = resolve(pin);
      if (typeof m !== "string" || MODES.indexOf(m) < 0) throw new Error("Unknown pin mode");
      modes.set(p, m);
      log.push({ pin: p, kind: "mode", value: m });
    },
    getPinMode(pin: unknown) {
      return modes.get(resolve(pin));
    },
    digitalWrite(pin: unknown, value: unknown) {
      const p = resolve(pin);
      if (!modes.has(p)) modes.set(p, "output");
      log.push({ pin: p, kind: "write", value: value ? 1 : 0, at: getTime() });
      drive(p, value ? 1 : 0);
    },
    digitalRead(pin: unknown) {
      return levelOf(resolve(pin)) ? 1 : 0;
    },
    analogRead(pin: unknown) {
      const p = resolve(pin);
      if (!adc.has(p)) throw new Error("Pin " + p + " is not an ADC pin");
      return analog.get(p) ?? 0;
    },
    analogWrite(pin: unknown, value: unknown, _options?: unknown) {
      const p = resolve(pin);
      const v = Math.max(0, Math.min(1, Number(value)));
      log.push({ pin: p, kind: "pwm", value: v });
      driven.set(p, v);
    },
    digitalPulse(pin: unknown, value: unknown, ms: unknown) {
      const p = resolve(pin);
      if (typeof ms !== "number" || !(ms >= 0)) throw new Error("Pulse Time is less than 0 or not a number");
      const t0 = getTime();
      log.push({ pin: p, kind: "pulse", value: (value ? "high " : "low ") + ms });
      drive(p, value ? 1 : 0);
      // The pulse is timed exactly: the line goes back when it ends, and a DHT22 answers a low one.
      const end = t0 + ms / 1000;
      const before = levelOf(p);
      driven.set(p, value ? 0 : 1);
      if (levelOf(p) !== before) edge(p, levelOf(p), end);
      if (!value) answerDht22(p, end);
    },
    setWatch(fn: unknown, pin: unknown, options: unknown) {
      const p = resolve(pin);
      if (typeof fn !== "function") throw new Error("Function or String not supplied!");
      if (mode === "esp8266" && p === "D16") {
        // GPIO16 has no interrupt: Espruino warns and returns undefined.
        loop.print(
          "WARNING: Unable to set watch. You may already have a watch on a pin with the same number (eg. A0 and B0),\nor this pin cannot be used with watch",
        );
        return undefined;
      }
      const o = (options && typeof options === "object" ? options : { repeat: !!options }) as Record<string, unknown>;
      const edgeName = o.edge;
      const e =
        edgeName === undefined || edgeName === "both" || edgeName === 0
          ? 0
          : edgeName === "rising" || edgeName === 1
            ? 1
            : edgeName === "falling" || edgeName === -1
              ? -1
              : NaN;
      if (Number.isNaN(e)) throw new TypeError("'edge' in setWatch should be 1, -1, 0, 'rising', 'falling' or 'both'");
      const id = watches.length ? watches[watches.length - 1].id + 1 : 1;
      watches.push({
        id,
        pin: p,
        fn,
        repeat: !!o.repeat,
        edge: e,
        debounceMs: Number(o.debounce) > 0 ? Number(o.debounce) : 0,
        state: levelOf(p),
        lastTime: getTime(),
        timer: null,
      });
      log.push({ pin: p, kind: "watch", value: id });
      return id;
    },
    clearWatch(...ids: unknown[]) {
      if (ids.length === 0) {
        for (const w of watches) if (w.timer) clearTimeout(w.timer);
        watches = [];
        log.push({ pin: "*", kind: "unwatch", value: "all" });
        return;
      }
      if (ids[0] === undefined) throw new Error("clearWatch(undefined) not allowed. Use clearWatch() instead");
      const w = watches.find((x) => x.id === Number(ids[0]));
      if (!w) throw new Error("Unknown Watch " + String(ids[0]));
      if (w.timer) clearTimeout(w.timer);
      watches = watches.filter((x) => x !== w);
      log.push({ pin: w.pin, kind: "unwatch", value: w.id });
    },
  };
  return {
    globals,
    control: {
      log,
      setInput(pin, high) {
        const p = resolve(pin);
        const before = levelOf(p);
        inputs.set(p, high);
        log.push({ pin: p, kind: "input", value: high ? 1 : 0 });
        if (before !== high) edge(p, high, getTime());
      },
      setAnalog(pin, value) {
        analog.set(resolve(pin), value);
      },
      level: (pin) => driven.get(pin),
      mode: (pin) => modes.get(pin),
      watches: () => watches.length,
      dht22(pin, answer) {
        sensors.set(resolve(pin), answer);
      },
    },
    dispose() {
      for (const w of watches) if (w.timer) clearTimeout(w.timer);
      watches = [];
    },
  };
}
