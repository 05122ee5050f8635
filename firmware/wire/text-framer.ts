import { E_BAD_REMAINING_LENGTH, E_UNKNOWN_TYPE } from "../errors";

/**
 * Framing of the 8-bit Strings that Espruino's socket delivers (split and
 * merged arbitrarily), with native string operations only: a chunk is
 * appended to what waits, the fixed header is read with charCodeAt, and each
 * complete packet goes to the sink as `onPacket(text, start, size, size)`,
 * `text` being the received string that holds it (no copy per packet).
 * Nothing is copied byte by byte and no buffer is sized for the largest
 * packet: what waits between chunks is at most the start of one packet.
 *
 * A packet larger than `maxPacketSize` is never kept: it is skipped as it
 * streams past, its packet id captured on the way (a PUBLISH at QoS 1/2
 * carries it after the topic, whose length is the first two bytes of the
 * body), then the sink's `onOversized(firstByte, packetId)` runs (packetId 0
 * at QoS 0 and for other types). The framing of what follows is kept.
 *
 * A reserved packet type (0 or 15) or a remaining length over 4 bytes makes
 * the stream untrustworthy: framerPush() returns the code, and so does every
 * later push until framerReset().
 */
/** Where complete packets go; called as methods of the sink (the client is its own). */
export interface TextSink {
  /** A whole packet of `length` bytes at text[start..]; `total` equals `length`. */
  onPacket(text: string, start: number, length: number, total: number): void;
  /** A packet over the size limit has streamed past: its first byte, and its packet id (0 when it carries none). */
  onOversized(firstByte: number, packetId: number): void;
}

export interface TextFramer {
  /** Bytes received and not yet framed: the start of a packet. */
  pending: string;
  maxPacketSize: number;
  failCode: number;
  /** Bumped by framerReset(), so a reset from inside a sink call stops the chunk. */
  generation: number;
  sink: TextSink;
  /** An oversized packet being skipped: bytes still to skip (0: none), bytes skipped so far, its first byte and fixed header's length. */
  skipLeft: number;
  skipDone: number;
  skipFirst: number;
  skipHeader: number;
  /** Whether it carries a packet id (a PUBLISH at QoS 1/2); its topic's length and the id, read as they pass. */
  skipHasId: boolean;
  skipTopicLength: number;
  skipId: number;
}

/** A framer for packets of up to `maxPacketSize` bytes, fixed header included. Never fails. */
export function createFramer(maxPacketSize: number, sink: TextSink): TextFramer {
  return {
    pending: "",
    maxPacketSize: maxPacketSize,
    failCode: 0,
    generation: 0,
    sink: sink,
    skipLeft: 0,
    skipDone: 0,
    skipFirst: 0,
    skipHeader: 0,
    skipHasId: false,
    skipTopicLength: 0,
    skipId: 0,
  };
}

/** Forgets any partial packet and a failure (a new connection starts clean). Never fails. */
export function framerReset(f: TextFramer): void {
  f.pending = "";
  f.skipLeft = 0;
  f.failCode = 0;
  f.generation++;
}

/**
 * Skips what it can of an oversized packet from text[at...], reading the four
 * bytes it needs (the topic's length, then the packet id) when they pass by.
 * Returns how many characters it used.
 */
function skipOversized(f: TextFramer, text: string, at: number): number {
  const used = text.length - at < f.skipLeft ? text.length - at : f.skipLeft;
  const from = f.skipDone;
  for (let k = 0; k < 4 && (k < 2 || f.skipHasId); k++) {
    // Positions within the packet, in stream order; the id's depend on the topic's length read before them.
    const pos = k < 2 ? f.skipHeader + k : f.skipHeader + 2 + f.skipTopicLength + k - 2;
    if (pos < from || pos >= from + used) continue;
    const b = text.charCodeAt(at + pos - from);
    if (k < 2) f.skipTopicLength = (f.skipTopicLength << 8) | b;
    else f.skipId = (f.skipId << 8) | b;
  }
  f.skipDone += used;
  f.skipLeft -= used;
  return used;
}

/**
 * Feeds a chunk. Returns 0, or E_UNKNOWN_TYPE / E_BAD_REMAINING_LENGTH when
 * the stream cannot be framed (then every later push returns that code until
 * framerReset()). When a sink call resets the framer, the rest of the chunk
 * is dropped and 0 is returned.
 */
export function framerPush(f: TextFramer, chunk: string): number {
  if (f.failCode !== 0) return f.failCode;
  const generation = f.generation;
  const text = f.pending === "" ? chunk : f.pending + chunk;
  const n = text.length;
  f.pending = "";
  let at = 0;
  let waiting = false;
  while (!waiting && at < n) {
    if (f.skipLeft > 0) {
      at += skipOversized(f, text, at);
      if (f.skipLeft > 0) return 0;
      f.sink.onOversized(f.skipFirst, f.skipHasId ? f.skipId : 0);
      if (f.generation !== generation) return 0;
      continue;
    }
    const first = text.charCodeAt(at);
    const type = first >> 4;
    let code = type === 0 || type === 15 ? E_UNKNOWN_TYPE : 0;
    // The remaining length: 1 to 4 bytes of 7 bits, low first (section 2.2.3).
    let remaining = 0;
    let multiplier = 1;
    let header = 1;
    let more = true;
    while (more && code === 0) {
      if (header === 5) code = E_BAD_REMAINING_LENGTH;
      else if (at + header >= n) {
        waiting = true;
        more = false;
      } else {
        const b = text.charCodeAt(at + header);
        remaining += (b & 0x7f) * multiplier;
        multiplier *= 128;
        header++;
        more = (b & 0x80) !== 0;
      }
    }
    if (code !== 0) {
      f.failCode = code;
      return code;
    }
    if (waiting) break;
    const size = header + remaining;
    if (size > f.maxPacketSize) {
      f.skipLeft = size;
      f.skipDone = 0;
      f.skipFirst = first;
      f.skipHeader = header;
      f.skipHasId = type === 3 && (first & 6) !== 0;
      f.skipTopicLength = 0;
      f.skipId = 0;
      continue;
    }
    if (at + size > n) break;
    f.sink.onPacket(text, at, size, size);
    if (f.generation !== generation) return 0;
    at += size;
  }
  if (at < n) f.pending = at === 0 ? text : text.substr(at);
  return 0;
}
