import * as E from "../../base/errors";
import type { DeviceBoard } from "../../boards/types";
import { PACKAGE_VERSION } from "./version";

declare function btoa(bytes: string): string;

/**
 * Updates over MQTT (docs/updates.md). The firmware is a Storage file that
 * the boot code evaluates; there are two, IMAGE_A and IMAGE_B, and
 * IMAGE_FILE names the one in force (absent, or anything but IMAGE_B: A). An
 * update is written to the other one, checked (size, CRC-32, tag), and put
 * on trial: OTA_TRIAL_FILE names it, and the boot code boots it once,
 * marking the trial with TRIAL_MARK first. Once it reaches the broker
 * (within CONFIG_TRIAL_MS, as a configuration on trial) it becomes the image
 * in force; a boot that finds a marked trial goes back
 * to the image in force (scripts/flash/boot-code.ts). The old image is
 * never written while it is in force, so every power cut leaves one that
 * boots.
 *
 * The tag: with the device's key K (OTA_KEY_FILE, written at provisioning,
 * never sent over MQTT) and H the board's hash (otaHash),
 *   d0 = HMAC-H(K, tagHeader(board, version, size)),
 *   di = HMAC-H(K, d(i-1) + block i)   (blocks of TAG_BLOCK bytes),
 * and the tag is the last d in base64. Every link is an HMAC under K, so
 * without K no link can be computed, and the last one authenticates the
 * whole image with its board, version and size. A board holds no more than
 * a block in memory to check it: ESP8266's crypto has a one-shot SHA1, no
 * streaming hash.
 */

/** The image `npm run flash` writes (scripts/flash/boot-code.ts BUNDLE_FILE). */
export const IMAGE_A = "fabmqtt";
/** The second image. */
export const IMAGE_B = "fabmqtt.b";
/** Which image is in force: IMAGE_B's name, or absent for IMAGE_A. */
export const IMAGE_FILE = "fabmqtt.img";
/** The image on trial, its name; TRIAL_MARK appended once the boot code booted it. */
export const OTA_TRIAL_FILE = "fabmqtt.ota";
export const TRIAL_MARK = "!";
/** ota/result's answer to publish at the next connect (written before a trial's first boot: a rollback's). */
export const OTA_RESULT_FILE = "fabmqtt.otr";
/** The device's update key, as hex (16 to 64 bytes). */
export const OTA_KEY_FILE = "fabmqtt.key";
/** The largest image taken: two images and the rest must fit in an ESP8266's 192 KB of Storage. */
export const OTA_MAX_BYTES = 70000;
/**
 * Bytes of image per link of the tag. A link hashes the key's block, the last
 * link and the block as one String, built by concatenation and read by the
 * hash: with blocks of 512 bytes the Linux firmware on the pool of 1,600 ran
 * out of memory (test:espruino); 128 bytes do not.
 */
export const TAG_BLOCK = 128;
/**
 * The largest chunk a device asks for, under its largest packet: a chunk is
 * held several times over while it is written (the socket's data, the
 * packet, the payload), and 1,024-byte chunks ran the Linux firmware on
 * the pool of 1,600 out of memory (test:espruino).
 */
export const OTA_CHUNK_MAX = 256;

/** The image in force, from IMAGE_FILE's text (null when absent). Never fails. */
export function imageInForce(pointer: string | null): string {
  return pointer === IMAGE_B ? IMAGE_B : IMAGE_A;
}

/** The image an update writes: the one not in force. Never fails. */
export function imageForUpdate(pointer: string | null): string {
  return imageInForce(pointer) === IMAGE_A ? IMAGE_B : IMAGE_A;
}

/** The hash of the board's tags: SHA1 on an ESP8266 (all its crypto has), SHA256 elsewhere. */
export function otaHash(board: { chip: string }): string {
  return board.chip === "esp8266" ? "sha1" : "sha256";
}

/** The text the tag's first link covers. */
export function tagHeader(board: string, version: string, size: number): string {
  return "fabmqtt-ota/1 " + board + " " + version + " " + size;
}

/** `hex` as bytes, or null when it is not an even number of hex digits. */
export function hexBytes(hex: string): string | null {
  if (hex.length % 2 || !/^[0-9a-fA-F]*$/.test(hex)) return null;
  let out = "";
  for (let i = 0; i < hex.length; i += 2) out += String.fromCharCode(parseInt(hex.substr(i, 2), 16));
  return out;
}

/** A digest function: bytes in, bytes out, null when the hash is missing. */
export type Digest = (data: string) => string | null;

/** The key's 64-byte block XOR `x` (HMAC's ipad 0x36, opad 0x5c); `key` at most 64 bytes. */
function keyBlock(key: string, x: number): string {
  let out = "";
  for (let i = 0; i < 64; i++) out += String.fromCharCode((i < key.length ? key.charCodeAt(i) : 0) ^ x);
  return out;
}

/**
 * The tag of an image of `size` bytes that `read(offset, length)` gives, for
 * `header` (tagHeader), in base64; null when the key is not 16 to 64 bytes, the
 * digest is missing, or a block cannot be read whole.
 */
export function imageTag(digest: Digest, key: string, header: string, size: number, read: (offset: number, length: number) => string | null): string | null {
  if (key.length < 16 || key.length > 64) return null;
  const inner = keyBlock(key, 0x36);
  const outer = keyBlock(key, 0x5c);
  let d: string | null = "";
  for (let offset = -TAG_BLOCK; offset < size; offset += TAG_BLOCK) {
    const length = Math.min(TAG_BLOCK, size - offset);
    const block = offset < 0 ? header : read(offset, length);
    if (block === null || (offset >= 0 && block.length !== length)) return null;
    d = digest(inner + d + block);
    if (d !== null) d = digest(outer + d);
    if (d === null) return null;
  }
  return btoa(d as string);
}

/**
 * What cmd/ota/begin announces, as JSON with one-letter keys: on an ESP8266 the
 * whole packet must fit in 160 bytes (board.maxPacketSize), topic included.
 */
export interface UpdateOffer {
  /** The image's size in bytes. */
  s: number;
  /** Its CRC-32, unsigned. */
  c: number;
  /** Its tag (imageTag), base64. */
  t: string;
  /** The board it is built for. */
  b: string;
  /** Its version. */
  v: string;
  /** 1: take it even when older than the running one. */
  f?: number;
}

/** Whether package version `a` ("1.2.3", anything after a "+" ignored) is older than `b`. Never fails: parts that are not numbers count as 0. */
export function versionOlder(a: string, b: string): boolean {
  const x = a.split("+")[0].split(".");
  const y = b.split("+")[0].split(".");
  for (let i = 0; i < 3; i++) {
    const d = (parseInt(x[i], 10) || 0) - (parseInt(y[i], 10) || 0);
    if (d) return d < 0;
  }
  return false;
}

/**
 * cmd/ota/begin's payload checked for `board` (its id and version): the offer,
 * or [code, reason] for a refusal (E_OTA_REQUEST for a payload that is not
 * one, E_OTA_BOARD, E_OTA_OLDER, E_OTA_SIZE). Never throws.
 */
export function checkOffer(text: string, board: DeviceBoard): UpdateOffer | [number, string] {
  let o: UpdateOffer;
  try {
    o = JSON.parse(text);
  } catch (e) {
    return [E.E_OTA_REQUEST, "not JSON"];
  }
  if (!o || typeof o !== "object") return [E.E_OTA_REQUEST, "not a JSON object"];
  if (typeof o.s !== "number" || typeof o.c !== "number" || typeof o.t !== "string" || typeof o.b !== "string" || typeof o.v !== "string")
    return [E.E_OTA_REQUEST, "s, c, t, b and v are needed"];
  if (o.b !== board.id) return [E.E_OTA_BOARD, "built for " + o.b.substr(0, 40) + ", this is " + board.id];
  if (!(o.s > 0 && o.s <= OTA_MAX_BYTES && o.s % 1 === 0)) return [E.E_OTA_SIZE, "size must be 1 to " + OTA_MAX_BYTES];
  if (!o.f && versionOlder(o.v, PACKAGE_VERSION)) return [E.E_OTA_OLDER, "older than " + PACKAGE_VERSION];
  return o;
}

/** ota/result's refusal text. Written as text: the device bundle's minifier writes false as 0. */
export function refusal(code: number, reason: string): string {
  return '{"ok":false,"code":' + code + ',"error":' + JSON.stringify(reason) + "}";
}
