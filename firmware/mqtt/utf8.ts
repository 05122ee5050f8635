import { E_INVALID_UTF8 } from "../../base/errors";

/**
 * Text <-> bytes for topics, client ids, user names and string payloads.
 *
 * Two kinds of JavaScript strings meet here:
 * - Unicode strings (Node, Espruino builds with Unicode): a string is UTF-16
 *   text and is written as UTF-8.
 * - 8-bit strings (Espruino on ESP32/ESP8266): every character is one byte
 *   0x00-0xFF. The source text "café" already holds its UTF-8 bytes, so the
 *   string is written byte for byte and read back the same way: byte-exact.
 *
 * Which kind this interpreter has is a capability test made once at load, not a
 * platform check. Nothing here allocates except readText(), which builds the
 * string handed to the application.
 */
export const STRINGS_ARE_BYTES = String.fromCharCode(0x100).charCodeAt(0) !== 0x100;

/** Bytes that `text` takes on the wire, or E_INVALID_UTF8 for a lone surrogate. */
export function textByteLength(text: string): number {
  return writeText(null, 0, text);
}

/**
 * Writes `text` at `off` and returns the offset after it. The caller has checked
 * the space with textByteLength(), which is this with no buffer: then nothing
 * is written and the answer is `off` plus the byte count. Fails only with
 * E_INVALID_UTF8 (a lone surrogate).
 */
export function writeText(buf: Uint8Array | null, off: number, text: string): number {
  const n = text.length;
  if (STRINGS_ARE_BYTES) {
    if (!buf) return off + n;
    for (let i = 0; i < n; i++) buf[off++] = text.charCodeAt(i);
    return off;
  }
  for (let i = 0; i < n; i++) {
    let c = text.charCodeAt(i);
    const d = i + 1 < n ? text.charCodeAt(i + 1) : 0;
    if (c >= 0xdc00 && c <= 0xdfff) return E_INVALID_UTF8;
    if (c >= 0xd800 && c <= 0xdbff && (d < 0xdc00 || d > 0xdfff)) return E_INVALID_UTF8;
    if (!buf) {
      if (c < 0x80) off += 1;
      else if (c < 0x800) off += 2;
      else if (c >= 0xd800 && c <= 0xdbff) {
        off += 4;
        i++;
      } else off += 3;
    } else if (c < 0x80) buf[off++] = c;
    else if (c < 0x800) {
      buf[off++] = 0xc0 | (c >> 6);
      buf[off++] = 0x80 | (c & 0x3f);
    } else if (c >= 0xd800 && c <= 0xdbff) {
      c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
      i++;
      buf[off++] = 0xf0 | (c >> 18);
      buf[off++] = 0x80 | ((c >> 12) & 0x3f);
      buf[off++] = 0x80 | ((c >> 6) & 0x3f);
      buf[off++] = 0x80 | (c & 0x3f);
    } else {
      buf[off++] = 0xe0 | (c >> 12);
      buf[off++] = 0x80 | ((c >> 6) & 0x3f);
      buf[off++] = 0x80 | (c & 0x3f);
    }
  }
  return off;
}

/**
 * Checks that bytes [start, start+len) are well-formed UTF-8 without U+0000:
 * no overlong forms, no surrogates, nothing above U+10FFFF [MQTT-1.5.3-1]
 * [MQTT-1.5.3-2]. Returns 0, or E_INVALID_UTF8. Reads nothing outside the range.
 */
export function checkUtf8(buf: Uint8Array, start: number, len: number): number {
  const end = start + len;
  let i = start;
  while (i < end) {
    const b = buf[i];
    if (b === 0) return E_INVALID_UTF8;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let min: number;
    let cp: number;
    if (b >= 0xc2 && b <= 0xdf) {
      need = 1;
      min = 0x80;
      cp = b & 0x1f;
    } else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      min = 0x800;
      cp = b & 0x0f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      min = 0x10000;
      cp = b & 0x07;
    } else return E_INVALID_UTF8;
    if (i + need >= end) return E_INVALID_UTF8;
    for (let k = 1; k <= need; k++) {
      const cb = buf[i + k];
      if ((cb & 0xc0) !== 0x80) return E_INVALID_UTF8;
      cp = (cp << 6) | (cb & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return E_INVALID_UTF8;
    i += need + 1;
  }
  return 0;
}

/** One character per byte of [start, start+len), whatever the interpreter (for ASCII words and byte-exact hand-over). Never fails. */
export function byteText(buf: Uint8Array, start: number, len: number): string {
  let s = "";
  for (let i = start; i < start + len; i++) s += String.fromCharCode(buf[i]);
  return s;
}

/**
 * The text held in bytes [start, start+len): decoded from UTF-8 on a Unicode
 * interpreter, one character per byte on an 8-bit one. Allocates the string
 * (this is where the application is handed a topic or payload). Ill-formed
 * sequences become U+FFFD; call checkUtf8() first where that matters.
 */
export function readText(buf: Uint8Array, start: number, len: number): string {
  const end = start + len;
  let s = "";
  let i = start;
  while (i < end) {
    const b = buf[i];
    if (STRINGS_ARE_BYTES) {
      s += String.fromCharCode(b);
      i++;
      continue;
    }
    let cp = 0xfffd;
    let used = 1;
    if (b < 0x80) cp = b;
    else if (b >= 0xc2 && b <= 0xdf && i + 1 < end) {
      cp = ((b & 0x1f) << 6) | (buf[i + 1] & 0x3f);
      used = 2;
    } else if (b >= 0xe0 && b <= 0xef && i + 2 < end) {
      cp = ((b & 0x0f) << 12) | ((buf[i + 1] & 0x3f) << 6) | (buf[i + 2] & 0x3f);
      used = 3;
    } else if (b >= 0xf0 && b <= 0xf4 && i + 3 < end) {
      cp = ((b & 0x07) << 18) | ((buf[i + 1] & 0x3f) << 12) | ((buf[i + 2] & 0x3f) << 6) | (buf[i + 3] & 0x3f);
      used = 4;
    }
    if (cp >= 0x10000) {
      cp -= 0x10000;
      s += String.fromCharCode(0xd800 + (cp >> 10), 0xdc00 + (cp & 0x3ff));
    } else s += String.fromCharCode(cp);
    i += used;
  }
  return s;
}
