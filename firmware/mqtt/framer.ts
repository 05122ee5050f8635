import { E_BAD_REMAINING_LENGTH, E_UNKNOWN_TYPE } from "../../base/errors";

/**
 * Incremental framing of the byte stream from the broker.
 *
 * Chunks arrive split and merged arbitrarily: Uint8Array on Node, 8-bit Strings
 * from Espruino's socket (read with charCodeAt, never converted). The framer
 * keeps one preallocated buffer of `maxPacketSize` bytes (whole packet, fixed
 * header included) and calls its sink's `onPacket(buf, start, length, length)`
 * once per complete packet; the bytes are valid until it returns. A packet that
 * lies whole in one Uint8Array chunk is handed over from the chunk itself
 * (`buf` is then the chunk), without a copy.
 *
 * Oversized packets (policy): a packet larger than `maxPacketSize` is skipped
 * without losing the framing of the packets after it. Its packet id is read
 * as it streams past (a PUBLISH at QoS 1/2 carries it after the topic, whose
 * length starts the body), however long the topic, and the sink's
 * `onOversized(firstByte, packetId)` runs once the packet has passed
 * (packetId 0 at QoS 0 and for other types), so that the client can
 * acknowledge it. A sink without onOversized gets the first `maxPacketSize`
 * bytes instead, as `onPacket(buf, 0, kept, total)` (kept < total tells it
 * apart). Memory never grows.
 *
 * A reserved packet type (0 or 15) or a remaining length over 4 bytes makes the
 * stream untrustworthy: framerPush() returns the code and the framer stays
 * failed until framerReset() (the client closes the connection).
 */

const ST_TYPE = 0;
const ST_LENGTH = 1;
const ST_BODY = 2;
const ST_FAILED = 3;

/**
 * Where complete packets go. The framer calls them as methods of the sink, so
 * an owner (the client) can be its own sink without a closure per instance.
 */
export interface FrameSink {
  /** A packet of `total` bytes; `length` of them are at buf[start..]: all, or (for a sink without onOversized) the first ones of an oversized packet. */
  onPacket(buf: Uint8Array, start: number, length: number, total: number): void;
  /** A packet over the size limit has streamed past: its first byte, and its packet id (0 when it carries none). */
  onOversized?(firstByte: number, packetId: number): void;
}

/** The framer's state; create one with createFramer() and reuse it. */
export interface Framer {
  buf: Uint8Array;
  phase: number;
  /** Bytes stored in buf for the current packet. */
  stored: number;
  /** Bytes of the current packet consumed so far (stored + skipped). */
  consumed: number;
  /** Total size of the current packet, known once its length is read. */
  frameSize: number;
  /** Remaining-length value being read, and its multiplier. */
  remaining: number;
  multiplier: number;
  failCode: number;
  /** The fixed header's size, and the packet id of an oversized PUBLISH read as it passes. */
  headerSize: number;
  skippedId: number;
  /** Bumped by framerReset(), so a reset from inside a sink call stops the chunk. */
  generation: number;
  sink: FrameSink;
}

/** A framer whose buffer holds `maxPacketSize` bytes (at least 5). Never fails. */
export function createFramer(maxPacketSize: number, sink: FrameSink): Framer {
  return {
    buf: new Uint8Array(maxPacketSize < 8 ? 8 : maxPacketSize),
    phase: ST_TYPE,
    stored: 0,
    consumed: 0,
    frameSize: 0,
    remaining: 0,
    multiplier: 1,
    failCode: 0,
    headerSize: 0,
    skippedId: 0,
    generation: 0,
    sink: sink,
  };
}

/** Forgets any partial packet and a failure (a new connection starts clean). Never fails. */
export function framerReset(f: Framer): void {
  f.phase = ST_TYPE;
  f.stored = 0;
  f.consumed = 0;
  f.frameSize = 0;
  f.failCode = 0;
  f.generation++;
}

/**
 * The size of the packet at bytes[i] when all of it is in bytes[i, n), its
 * type is not reserved and it fits in `cap` bytes; otherwise 0 (the byte by
 * byte path then frames it, and reports what is wrong with it).
 */
function wholePacketAt(bytes: Uint8Array, i: number, n: number, cap: number): number {
  const type = bytes[i] >> 4;
  if (type === 0 || type === 15) return 0;
  let remaining = 0;
  let multiplier = 1;
  for (let h = 1; h <= 4 && i + h < n; h++) {
    const b = bytes[i + h];
    remaining += (b & 0x7f) * multiplier;
    multiplier *= 128;
    if ((b & 0x80) === 0) {
      const size = h + 1 + remaining;
      return size <= cap && i + size <= n ? size : 0;
    }
  }
  return 0;
}

/**
 * Reads the packet id of an oversized PUBLISH from the `take` bytes of the
 * chunk at `i`, which are bytes `from`.. of the packet. The id follows the
 * topic, whose two length bytes are among the first 8, always stored.
 */
function captureId(f: Framer, text: string, bytes: Uint8Array, isText: boolean, i: number, from: number, take: number): void {
  const h = f.headerSize;
  if (f.stored < h + 2) return;
  const at = h + 2 + ((f.buf[h] << 8) | f.buf[h + 1]);
  for (let pos = at; pos < at + 2; pos++) {
    if (pos >= from && pos < from + take) f.skippedId = (f.skippedId << 8) | (isText ? text.charCodeAt(i + pos - from) & 0xff : bytes[i + pos - from]);
  }
}

/**
 * Feeds a chunk. Returns 0, or E_UNKNOWN_TYPE / E_BAD_REMAINING_LENGTH when
 * the stream cannot be framed (then every later push returns the same code
 * until framerReset()). When a sink call
 * resets the framer, the rest of the chunk is dropped and 0 is returned.
 */
export function framerPush(f: Framer, chunk: Uint8Array | string): number {
  if (f.phase === ST_FAILED) return f.failCode;
  const isText = typeof chunk === "string";
  const text = chunk as string;
  const bytes = chunk as Uint8Array;
  const n = chunk.length;
  const buf = f.buf;
  const cap = buf.length;
  const generation = f.generation;
  let i = 0;
  let code = 0;
  while (i < n) {
    // A packet that lies whole in the chunk goes to the sink from the chunk itself, not copied.
    if (!isText && f.phase === ST_TYPE) {
      const size = wholePacketAt(bytes, i, n, cap);
      if (size > 0) {
        f.sink.onPacket(bytes, i, size, size);
        if (f.generation !== generation) return 0;
        i += size;
        continue;
      }
    }
    let done = false;
    if (f.phase === ST_BODY) {
      // Copy what fits; bytes beyond the buffer (an oversized packet) are skipped.
      let take = f.frameSize - f.consumed;
      if (take > n - i) take = n - i;
      let room = cap - f.stored;
      if (room > take) room = take;
      const from = f.consumed;
      const at = i;
      let pos = f.stored;
      const stop = i + room;
      if (isText) while (i < stop) buf[pos++] = text.charCodeAt(i++);
      else while (i < stop) buf[pos++] = bytes[i++];
      f.stored = pos;
      i += take - room;
      f.consumed += take;
      if (f.frameSize > cap) captureId(f, text, bytes, isText, at, from, take);
      done = f.consumed === f.frameSize;
    } else {
      const b = isText ? text.charCodeAt(i) & 0xff : bytes[i];
      i++;
      if (f.phase === ST_TYPE) {
        const type = b >> 4;
        if (type === 0 || type === 15) code = E_UNKNOWN_TYPE;
        buf[0] = b;
        f.stored = 1;
        f.consumed = 1;
        f.remaining = 0;
        f.multiplier = 1;
        f.phase = ST_LENGTH;
      } else {
        buf[f.stored++] = b;
        f.consumed++;
        f.remaining += (b & 0x7f) * f.multiplier;
        f.multiplier *= 128;
        if (b & 0x80) {
          if (f.consumed === 5) code = E_BAD_REMAINING_LENGTH;
        } else {
          f.frameSize = f.consumed + f.remaining;
          f.headerSize = f.consumed;
          f.skippedId = 0;
          f.phase = ST_BODY;
          done = f.remaining === 0;
        }
      }
      if (code !== 0) {
        f.phase = ST_FAILED;
        f.failCode = code;
        return code;
      }
    }
    if (done) {
      const total = f.frameSize;
      const kept = f.stored;
      f.phase = ST_TYPE;
      f.stored = 0;
      f.consumed = 0;
      if (kept < total && f.sink.onOversized) {
        const first = buf[0];
        f.sink.onOversized(first, first >> 4 === 3 && (first & 6) !== 0 ? f.skippedId : 0);
      } else f.sink.onPacket(buf, 0, kept, total);
      if (f.generation !== generation) return 0;
    }
  }
  return 0;
}
