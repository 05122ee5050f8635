import { E_BAD_REMAINING_LENGTH, E_UNKNOWN_TYPE } from "../../base/errors";

/**
 * Framing of the 8-bit Strings that Espruino's socket delivers (split and
 * merged arbitrarily), with native string operations only: a chunk is
 * appended to what waits, the fixed header is read with charCodeAt, and each
 * complete packet goes to the sink as `onPacket(text, start, size, size)`,
 * `text` being the received string that holds it (no copy per packet), or,
 * for the acks of our messages (PUBACK, PUBREC, PUBCOMP: four bytes of
 * header), as `onAck_(type, id)`: a publishing device gets one per message,
 * and on the interpreter a decoder's call costs what it reads.
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
  /**
   * A PUBACK, PUBREC or PUBCOMP (`type`, its packet id): the four bytes of
   * an ack are all header, so the framer reads them itself, and the packet
   * goes through no decoder (an id of 0 is the sink's to refuse).
   */
  onAck_(type: number, id: number): void;
  /** A packet over the size limit has streamed past: its first byte, and its packet id (0 when it carries none). */
  onOversized(firstByte: number, packetId: number): void;
}

/** An oversized packet being skipped: what is left of it, and the bytes of it read as they pass. */
interface Skipping {
  /** Bytes still to skip, and skipped so far. */
  left: number;
  done: number;
  /** Its first byte, and its fixed header's length. */
  first: number;
  header: number;
  /** Whether it carries a packet id (a PUBLISH at QoS 1/2); its topic's length and the id, read as they pass. */
  hasId: boolean;
  topicLength: number;
  id: number;
}

export interface TextFramer {
  /** Bytes received and not yet framed: the start of a packet. */
  pending: string;
  maxPacketSize: number;
  failCode: number;
  /** Bumped by framerReset(), so a reset from inside a sink call stops the chunk. */
  generation: number;
  sink: TextSink;
  /** The oversized packet being skipped, or null (the record exists only meanwhile). */
  skipping: Skipping | null;
}

/** A framer for packets of up to `maxPacketSize` bytes, fixed header included. Never fails. */
export function createFramer(maxPacketSize: number, sink: TextSink): TextFramer {
  return { pending: "", maxPacketSize: maxPacketSize, failCode: 0, generation: 0, sink: sink, skipping: null };
}

/** Forgets any partial packet and a failure (a new connection starts clean). Never fails. */
export function framerReset(f: TextFramer): void {
  f.pending = "";
  f.skipping = null;
  f.failCode = 0;
  f.generation++;
}

/**
 * Skips what it can of an oversized packet from text[at...], reading the four
 * bytes it needs (the topic's length, then the packet id) when they pass by.
 * Returns how many characters it used.
 */
function skipOversized(k: Skipping, text: string, at: number): number {
  const used = text.length - at < k.left ? text.length - at : k.left;
  const from = k.done;
  for (let n = 0; n < 4 && (n < 2 || k.hasId); n++) {
    // Positions within the packet, in stream order; the id's depend on the topic's length read before them.
    const pos = n < 2 ? k.header + n : k.header + 2 + k.topicLength + n - 2;
    if (pos < from || pos >= from + used) continue;
    const b = text.charCodeAt(at + pos - from);
    if (n < 2) k.topicLength = (k.topicLength << 8) | b;
    else k.id = (k.id << 8) | b;
  }
  k.done += used;
  k.left -= used;
  return used;
}

/**
 * Feeds a chunk. Returns 0, or E_UNKNOWN_TYPE / E_BAD_REMAINING_LENGTH when
 * the stream cannot be framed (then every later push returns that code until
 * framerReset()). When a sink call resets the framer, the rest of the chunk
 * is dropped and 0 is returned. The common packet (a remaining length of one
 * byte, whole in the text, of a known type, within the limit) is framed here;
 * everything else is framerStep's.
 */
export function framerPush(f: TextFramer, chunk: string): number {
  if (f.failCode !== 0) return f.failCode;
  const generation = f.generation;
  const text = f.pending === "" ? chunk : f.pending + chunk;
  const n = text.length;
  f.pending = "";
  let at = 0;
  while (at < n) {
    const first = text.charCodeAt(at);
    const size = 2 + text.charCodeAt(at + 1);
    if (size < 0x82 && at + size <= n && first > 0x0f && first < 0xf0 && size <= f.maxPacketSize && !f.skipping) {
      if (size === 4 && (first === 0x40 || first === 0x50 || first === 0x70))
        f.sink.onAck_(first >> 4, (text.charCodeAt(at + 2) << 8) | text.charCodeAt(at + 3));
      else f.sink.onPacket(text, at, size, size);
    } else {
      const next = framerStep(f, text, at);
      if (f.failCode !== 0) return f.failCode;
      if (next < 0) break;
      at = next;
      if (f.generation !== generation) return 0;
      continue;
    }
    if (f.generation !== generation) return 0;
    at += size;
  }
  if (at < n) f.pending = at === 0 ? text : text.substr(at);
  return 0;
}

/**
 * framerPush() off its common case, at text[at]: a step of an oversized
 * packet being skipped (then its onOversized), a packet with a longer fixed
 * header, one over the limit (skipping starts), or a stream that cannot be
 * framed (failCode is set). Returns where the next packet starts, or -1 when
 * the rest must wait for more data.
 */
function framerStep(f: TextFramer, text: string, at: number): number {
  const n = text.length;
  const k = f.skipping;
  if (k) {
    at += skipOversized(k, text, at);
    if (k.left > 0) return at;
    f.skipping = null;
    f.sink.onOversized(k.first, k.hasId ? k.id : 0);
    return at;
  }
  const first = text.charCodeAt(at);
  const type = first >> 4;
  if (type === 0 || type === 15) {
    f.failCode = E_UNKNOWN_TYPE;
    return -1;
  }
  // The remaining length: 1 to 4 bytes of 7 bits, low first (section 2.2.3).
  let remaining = 0;
  let multiplier = 1;
  let header = 1;
  let more = true;
  while (more) {
    if (header === 5) {
      f.failCode = E_BAD_REMAINING_LENGTH;
      return -1;
    }
    if (at + header >= n) return -1;
    const b = text.charCodeAt(at + header);
    remaining += (b & 0x7f) * multiplier;
    multiplier *= 128;
    header++;
    more = (b & 0x80) !== 0;
  }
  const size = header + remaining;
  if (size > f.maxPacketSize) {
    f.skipping = { left: size, done: 0, first: first, header: header, hasId: type === 3 && (first & 6) !== 0, topicLength: 0, id: 0 };
    return at;
  }
  if (at + size > n) return -1;
  f.sink.onPacket(text, at, size, size);
  return at + size;
}
