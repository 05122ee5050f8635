import crypto from "node:crypto";
import fs from "node:fs";
import { PACKAGE_VERSION } from "../../firmware/app/version";
import { imageTag, otaHash, tagHeader, type UpdateOffer } from "../../firmware/app/ota";
import { findBoard } from "../../boards/index";
import { crc32 } from "../flash/crc32";

/** A board's image as `npm run ota` sends it: its bytes (one char code each), and what it says of itself. */
export interface Image {
  bytes: string;
  board: string;
  /** The firmware's version: the package's, "+" and the commit it was built from. */
  version: string;
}

/**
 * The image in a minified board bundle (dist/<board>/fabmqtt.min.js): its
 * board and commit are read from the board description the build put in it.
 * Returns a sentence when the file is missing or is no board bundle.
 */
export function readImage(file: string): Image | string {
  let bytes: string;
  try {
    bytes = fs.readFileSync(file, "latin1");
  } catch {
    return file + ": no such bundle (npm run build)";
  }
  const board = /\bid:"([\w-]+)"/.exec(bytes);
  const commit = /\bversion:"([^"]*)"/.exec(bytes);
  if (!board || !commit || !findBoard(board[1])) return file + ": not a board's bundle (no board id or version in it)";
  return { bytes, board: board[1], version: PACKAGE_VERSION + "+" + commit[1] };
}

/**
 * The update key in a key file: 16 to 64 bytes as hex (spaces and line ends
 * ignored). Returns the bytes, or a sentence saying what is wrong with it.
 */
export function readKey(file: string): Buffer | string {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch {
    return file + ": no such key file (npm run provision -- ... --key-file " + file + " makes one)";
  }
  const hex = text.replace(/\s+/g, "");
  if (!/^([0-9a-fA-F]{2}){16,64}$/.test(hex)) return file + ": a key is 16 to 64 bytes in hex (32 to 128 hex digits)";
  return Buffer.from(hex, "hex");
}

/** A new random key of 32 bytes, as the hex text of a key file. */
export function newKeyText(): string {
  return crypto.randomBytes(32).toString("hex") + "\n";
}

/** The offer cmd/ota/begin carries for `image` with `key`; `force` lets the device take an older version. Never fails. */
export function offerFor(image: Image, key: Buffer, force = false): UpdateOffer {
  const board = findBoard(image.board)!;
  const hash = otaHash(board);
  const tag = imageTag(
    (data) => crypto.createHash(hash).update(Buffer.from(data, "latin1")).digest().toString("latin1"),
    key.toString("latin1"),
    tagHeader(image.board, image.version, image.bytes.length),
    image.bytes.length,
    (offset, length) => image.bytes.substr(offset, length),
  ) as string;
  const offer: UpdateOffer = { s: image.bytes.length, c: crc32(image.bytes), t: tag, b: image.board, v: image.version };
  if (force) offer.f = 1;
  return offer;
}
