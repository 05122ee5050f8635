/** CRC-32 (IEEE 802.3, the one zlib and Espruino's E.CRC32 compute) of bytes or of an 8-bit string. */
const TABLE = makeTable();

function makeTable(): Uint32Array {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
}

/** The CRC-32 of `data` as an unsigned integer; a string counts one byte per character (its low 8 bits). Never fails. */
export function crc32(data: Uint8Array | string): number {
  let c = 0xffffffff;
  const n = data.length;
  for (let i = 0; i < n; i++) {
    const b = typeof data === "string" ? data.charCodeAt(i) & 0xff : data[i];
    c = TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  }
  return (c ^ 0xffffffff) >>> 0;
}
