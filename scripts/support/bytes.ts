/** Small helpers for writing packet bytes by hand in tests. */

/** The UTF-8 bytes of `text`. */
export function utf8(text: string): number[] {
  return Array.from(Buffer.from(text, "utf8"));
}

/** A big-endian 16-bit value as two bytes. */
export function u16(value: number): number[] {
  return [value >> 8, value & 0xff];
}

/** A length-prefixed UTF-8 string (MQTT section 1.5.3). */
export function str(text: string): number[] {
  const bytes = utf8(text);
  return u16(bytes.length).concat(bytes);
}

/** Bytes 0x00..0xFF, `count` of them, cycling. */
export function allBytes(count: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < count; i++) out.push(i & 0xff);
  return out;
}

/** A String of 8-bit characters holding these bytes, as Espruino's socket delivers them. */
export function byteString(bytes: ArrayLike<number>): string {
  let s = "";
  for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
  return s;
}

/** Hex dump for assertion messages. */
export function hex(bytes: ArrayLike<number>): string {
  return Array.from(bytes as ArrayLike<number>, (b) => b.toString(16).padStart(2, "0")).join(" ");
}
