import { E_SENSOR_CHECKSUM, E_SENSOR_NOT_FOUND } from "../../base/errors";
import type { EspOneWire } from "./api";
import type { Reading } from "./sensors";

declare const OneWire: { new (pin: string): EspOneWire };
declare function setTimeout(fn: () => void, ms: number): number;

/** 12-bit conversion time from the datasheet (750 ms at most). */
const CONVERT_MS = 750;

/**
 * The 1-Wire CRC-8 of bytes [0, n) of `bytes` (polynomial x^8 + x^5 + x^4 + 1,
 * least significant bit first, starting from 0): the DS18B20's scratchpad ends
 * with it. Never fails.
 */
export function crc8(bytes: ArrayLike<number>, n: number): number {
  let crc = 0;
  for (let i = 0; i < n; i++) {
    let b = bytes[i];
    for (let j = 0; j < 8; j++) {
      const mix = (crc ^ b) & 1;
      crc >>= 1;
      if (mix) crc ^= 0x8c;
      b >>= 1;
    }
  }
  return crc;
}

/**
 * One DS18B20 on the 1-Wire bus of `pin` (Espruino's built-in OneWire), from
 * the datasheet: reset (a device answers with a presence pulse), SKIP ROM
 * (0xCC), CONVERT T (0x44) with the line kept powered for parasite-powered
 * sensors, wait 750 ms, reset, SKIP ROM, READ SCRATCHPAD (0xBE), 9 bytes: the
 * temperature (16-bit two's complement, 1/16 °C), TH, TL, the configuration
 * register (its low five bits always 1), three reserved bytes and the CRC-8 of
 * the first eight. Ends with (0, °C), E_SENSOR_NOT_FOUND (no presence pulse)
 * or E_SENSOR_CHECKSUM (bad CRC, or a scratchpad no DS18B20 sends, such as
 * the all-zero one of a line held low).
 */
export function ds18b20Reading(pin: string): Reading {
  let bus: EspOneWire | null = null;
  /** Reset and SKIP ROM, then `command`; false when nothing answered the reset. */
  const command = function (command: number): boolean {
    if (!bus) bus = new OneWire(pin);
    if (!bus.reset()) return false;
    bus.skip();
    // Convert T keeps the line powered for parasite-powered sensors.
    bus.write(command, command === 0x44);
    return true;
  };
  return function (end) {
    let found = false;
    try {
      found = command(0x44);
    } catch (e) {}
    setTimeout(
      function () {
        let s: number[] | null = null;
        try {
          if (found && command(0xbe)) s = (bus as EspOneWire).read(9);
        } catch (e) {}
        if (!s) return end(E_SENSOR_NOT_FOUND, 0, 0);
        if (crc8(s, 8) !== s[8] || (s[4] & 31) !== 31) return end(E_SENSOR_CHECKSUM, 0, 0);
        // Sign-extend the high byte: 16-bit two's complement in 1/16 °C.
        end(0, (((s[1] << 24) >> 16) | s[0]) / 16, 0);
      },
      found ? CONVERT_MS : 0,
    );
  };
}
