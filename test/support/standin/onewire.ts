/** What a DS18B20 on a pin does: its temperature, or a fault. */
export interface Ds18b20 {
  tempC: number;
  /** absent: no presence pulse; crc: the scratchpad's CRC byte is wrong; low: the line is held low (all zeros, presence seen). */
  fault?: "absent" | "crc" | "low";
}

/** 12-bit conversion time of the DS18B20 (datasheet: 750 ms at most). */
const CONVERT_MS = 750;

/** The 1-Wire CRC-8 (x^8 + x^5 + x^4 + 1, least significant bit first), written for the stand-in from Maxim's description. */
export function oneWireCrc(bytes: number[]): number {
  let crc = 0;
  for (const byte of bytes) {
    let b = byte;
    for (let i = 0; i < 8; i++) {
      const mix = (crc ^ b) & 1;
      crc >>= 1;
      if (mix) crc ^= 0x8c;
      b >>= 1;
    }
  }
  return crc;
}

/** The 9 scratchpad bytes of a DS18B20 at `tempC`: temperature (1/16 °C), TH, TL, config (12-bit), reserved, CRC. */
export function scratchpad(tempC: number): number[] {
  const raw = Math.round(tempC * 16) & 0xffff;
  const bytes = [raw & 255, raw >> 8, 0x4b, 0x46, 0x7f, 0xff, 0x0c, 0x10];
  bytes.push(oneWireCrc(bytes));
  return bytes;
}

/**
 * Espruino's built-in `OneWire` class over simulated DS18B20s, one per pin at
 * most: reset() (true on a presence pulse), skip(), select(rom), write(data,
 * power), read(count) (a number, or an Array of `count`), search(). The device
 * follows the datasheet: CONVERT T (0x44) takes CONVERT_MS, and until the
 * first conversion completes the scratchpad holds the power-on 85 °C; READ
 * SCRATCHPAD (0xBE) then reads the 9 bytes, 0xFF past them.
 * `devices` maps pins to devices; `makeArray` builds Arrays of the vm's realm.
 */
export function createOneWireClass(resolve: (pin: unknown) => string, devices: Map<string, Ds18b20>, makeArray: (values: unknown[]) => unknown) {
  interface State {
    out: number[];
    expect: "rom" | "function" | "select";
    selectLeft: number;
    latched: number | null;
    converting: NodeJS.Timeout | null;
  }
  const states = new Map<string, State>();
  const stateOf = (pin: string): State => {
    let s = states.get(pin);
    if (!s) {
      s = { out: [], expect: "rom", selectLeft: 0, latched: null, converting: null };
      states.set(pin, s);
    }
    return s;
  };
  return function OneWire(this: Record<string, unknown>, pin: unknown) {
    const p = resolve(pin);
    const device = () => devices.get(p);
    const present = () => {
      const d = device();
      return !!d && d.fault !== "absent";
    };
    const readByte = (): number => {
      const d = device();
      if (!d || d.fault === "absent") return 0xff;
      if (d.fault === "low") return 0;
      const s = stateOf(p);
      return s.out.length ? (s.out.shift() as number) : 0xff;
    };
    const command = (byte: number) => {
      const d = device();
      const s = stateOf(p);
      if (!present() || !d) return;
      if (s.expect === "select") {
        if (--s.selectLeft === 0) s.expect = "function";
        return;
      }
      if (s.expect === "rom") {
        if (byte === 0xcc) s.expect = "function";
        else if (byte === 0x55) {
          s.expect = "select";
          s.selectLeft = 8;
        }
        return;
      }
      if (byte === 0x44) {
        if (s.converting) clearTimeout(s.converting);
        const temp = d.tempC;
        s.converting = setTimeout(() => {
          s.converting = null;
          s.latched = temp;
        }, CONVERT_MS);
        s.converting.unref();
      } else if (byte === 0xbe) {
        const bytes = scratchpad(s.latched ?? 85);
        if (d.fault === "crc") bytes[8] ^= 0x5a;
        s.out = bytes;
      }
      s.expect = "rom";
    };
    this.reset = () => {
      const s = stateOf(p);
      s.expect = "rom";
      s.out = [];
      return present();
    };
    this.skip = () => command(0xcc);
    this.select = (rom: unknown) => {
      command(0x55);
      for (let i = 0; i < 8; i++) command(0);
      void rom;
    };
    this.write = (data: unknown, _power?: unknown) => {
      const list = typeof data === "number" ? [data] : Array.from(data as ArrayLike<number>);
      for (const b of list) command(b & 255);
    };
    this.read = (count?: unknown) => {
      if (count === undefined) return readByte();
      const out: number[] = [];
      for (let i = 0; i < Number(count); i++) out.push(readByte());
      return makeArray(out);
    };
    this.search = () => makeArray(present() ? ["28cc2e230500006b"] : []);
  };
}
