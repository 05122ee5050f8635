import { E_SENSOR_CHECKSUM, E_SENSOR_TIMEOUT } from "../../base/errors";
import type { EspWatchEvent } from "./api";
import type { Reading } from "./sensors";

declare function pinMode(pin: string, mode: string): void;
declare function digitalWrite(pin: string, value: number): void;
declare function digitalPulse(pin: string, value: number, ms: number): void;
declare function setWatch(fn: (e: EspWatchEvent) => void, pin: string, options: { repeat: boolean; edge: string }): number | undefined;
declare function clearWatch(id: number): void;
declare function setTimeout(fn: () => void, ms: number): number;

/** Longest a whole transfer takes (1 ms start, 160 µs answer, 40 bits of at most 120 µs), with room to spare. */
const READ_MS = 60;
/** A bit's period, falling edge to falling edge: 50 µs low, then 26-28 µs high for 0 or 70 µs for 1. */
const ONE_ABOVE_S = 0.0001;

/**
 * A DHT22 (AM2302) on `pin`, from the datasheet's single-wire protocol: the
 * host pulls the line low for 1 ms and releases it; the sensor answers 80 µs
 * low, 80 µs high, then sends 40 bits, each 50 µs low followed by 26-28 µs
 * (0) or 70 µs (1) high, most significant first: humidity ×10 (16 bits),
 * temperature ×10 (15 bits and a sign bit), then the low 8 bits of the sum of
 * those four bytes. Falling edges are timed with setWatch; the last 40 periods
 * between them are the bits. Ends with (0, °C, %RH), E_SENSOR_TIMEOUT (no or
 * a partial answer) or E_SENSOR_CHECKSUM (bad sum, or more edges than a
 * transfer has).
 */
export function dht22Reading(pin: string): Reading {
  const bits = new Uint8Array(64);
  let periods = 0;
  let last = 0;
  const edge = function (e: EspWatchEvent) {
    if (last && periods < 64) bits[periods++] = e.time - last > ONE_ABOVE_S ? 1 : 0;
    last = e.time;
  };
  /** Byte k (0..4) of the 40 bits that end the transfer. */
  const byteAt = function (k: number): number {
    let v = 0;
    for (let i = 0; i < 8; i++) v = (v << 1) | bits[periods - 40 + k * 8 + i];
    return v;
  };
  return function (end) {
    let watch: number | undefined;
    periods = 0;
    last = 0;
    try {
      // Open drain: released, the pull-up holds the line high and the sensor can pull it low.
      pinMode(pin, "opendrain");
      digitalWrite(pin, 1);
      watch = setWatch(edge, pin, { repeat: true, edge: "falling" });
      digitalPulse(pin, 0, 1);
    } catch (e) {}
    setTimeout(function () {
      try {
        if (watch !== undefined) clearWatch(watch);
      } catch (e) {}
      if (periods < 40) return end(E_SENSOR_TIMEOUT, 0, 0);
      const h1 = byteAt(0);
      const h0 = byteAt(1);
      const t1 = byteAt(2);
      const t0 = byteAt(3);
      const t = ((t1 & 127) * 256 + t0) / 10;
      if (periods > 42 || ((h1 + h0 + t1 + t0) & 255) !== byteAt(4)) return end(E_SENSOR_CHECKSUM, 0, 0);
      end(0, t1 & 128 ? -t : t, (h1 * 256 + h0) / 10);
    }, READ_MS);
  };
}
