/**
 * UTF-8 between Unicode strings and strings of bytes (one character per
 * byte), for the Espruino byte layer on an interpreter whose strings are
 * Unicode. ESP32 and ESP8266 firmware has 8-bit strings, so these run only
 * where Espruino was built with Unicode support (and in tests).
 */

/** `text` as UTF-8 bytes, one character per byte; a lone surrogate is written as its 3-byte form. Never fails. */
export function encodeUtf8(text: string): string {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    let c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) c = 0x10000 + ((c - 0xd800) << 10) + (text.charCodeAt(++i) - 0xdc00);
    if (c < 0x80) out += String.fromCharCode(c);
    else if (c < 0x800) out += String.fromCharCode(0xc0 | (c >> 6), 0x80 | (c & 0x3f));
    else if (c < 0x10000) out += String.fromCharCode(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
    else out += String.fromCharCode(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 0x3f), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
  }
  return out;
}

/** UTF-8 bytes (one character per byte) as text; a malformed sequence is kept byte for byte. Never fails. */
export function decodeUtf8(bytes: string): string {
  let out = "";
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes.charCodeAt(i);
    const n = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : c >= 0xc0 ? 1 : 0;
    let v = n === 3 ? c & 7 : n === 2 ? c & 15 : c & 31;
    let ok = n > 0 && i + n < bytes.length;
    for (let k = 1; ok && k <= n; k++) {
      const d = bytes.charCodeAt(i + k);
      ok = (d & 0xc0) === 0x80;
      v = (v << 6) | (d & 0x3f);
    }
    if (!ok) out += String.fromCharCode(c);
    else {
      out += v >= 0x10000 ? String.fromCharCode(0xd800 + ((v - 0x10000) >> 10), 0xdc00 + ((v - 0x10000) & 0x3ff)) : String.fromCharCode(v);
      i += n;
    }
  }
  return out;
}
