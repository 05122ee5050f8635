import * as E from "../../base/errors";
import type { UpdateFiles } from "../../hal/types";
import type { Message } from "../session/subscriptions";
import { payloadBytes, payloadText } from "../wire/index";
import {
  checkOffer,
  hexBytes,
  imageForUpdate,
  imageTag,
  otaHash,
  refusal,
  tagHeader,
  IMAGE_A,
  IMAGE_B,
  IMAGE_FILE,
  OTA_CHUNK_MAX,
  OTA_KEY_FILE,
  OTA_RESULT_FILE,
  OTA_TRIAL_FILE,
  TRIAL_MARK,
  type UpdateOffer,
} from "./ota";
import { firmwareVersion } from "./version";
import { RESTART_DELAY_MS } from "./device-types";
import { DeviceProgram } from "./device-program";

/**
 * An update over MQTT, as the device takes it (ota.ts says how images are
 * kept and checked; docs/updates.md the topics). Methods of DeviceProgram
 * (device-program.ts declares them). On the board these are made from the
 * bundle's text when called (build/on-call-functions.mjs): between updates
 * they cost no memory.
 *
 *   cmd/ota/begin           in: the offer (ota.ts UpdateOffer: JSON of size, CRC-32, tag, board, version, force)
 *   cmd/ota/chunk/<offset>  in: the image's bytes from <offset>
 *   ota/next                out: {"offset":n,"chunk":c}, the bytes wanted next and how many at most
 *   ota/result              out: {"ok":false,"code":-42x,"error":...}, or {"ok":true,...} once checked and once running
 *
 * What comes to the device is a device command (cmd/ota/...): the device's
 * one subscription to cmd/# takes it. A subscription of its own (ota/#)
 * cost 9 variables for as long as the device runs (ESP8266 firmware
 * connected, test:espruino on the pool of 1,600), and brought the device's
 * own ota/next and ota/result back to it.
 */

/** An update under way: the offer, the image it writes, the next offset wanted, and the largest chunk the device takes. */
export interface UpdateRun {
  offer: UpdateOffer;
  file: string;
  next: number;
  chunk: number;
}

/** A message on <root>cmd/ota/<path>: "begin" or "chunk/<offset>". A retained one is ignored (it would start again at every connect). */
DeviceProgram.prototype.otaMessage_ = function (this: DeviceProgram, path: string, m: Message): void {
  const hal = this.hal_;
  if (m.retain) return hal.log.error(E.E_COMMAND_RETAINED, "ota");
  if (!hal.updateFiles || !hal.restart) return this.otaAnswer_("result", refusal(E.E_COMMAND_UNKNOWN, "this platform takes no update"));
  if (path === "begin") return this.otaBegin_(payloadText(m.payload));
  const run = this.update_;
  if (path.substr(0, 6) !== "chunk/" || !run)
    return this.otaAnswer_("result", refusal(E.E_OTA_REQUEST, run ? "cmd/ota/begin or cmd/ota/chunk/<offset>" : "no update is open"));
  const offset = +path.substr(6);
  // A chunk sent again, or one after a lost one: the offset wanted, again.
  if (offset !== run.next) return this.otaNext_();
  const data = payloadBytes(m.payload);
  if (!data.length || offset + data.length > run.offer.s) return this.otaFail_(E.E_OTA_SIZE, "a chunk goes past the image's size");
  const r = (hal.updateFiles() as UpdateFiles).writeAt(run.file, data, offset, run.offer.s);
  if (r < 0) return this.otaFail_(r, "writing the image failed");
  run.next += data.length;
  // The last one: the tick checks the image (otaCheck_), outside the socket's
  // data handler, whose calls and packet would hold memory the hashing needs.
  if (run.next < run.offer.s) this.otaNext_();
};

/**
 * ota/begin: an offer checked (board, size, version) opens an update, and
 * the device asks for its first bytes. The same offer again (the sender
 * came back) resumes where the update is.
 */
DeviceProgram.prototype.otaBegin_ = function (this: DeviceProgram, text: string): void {
  const storage = this.hal_.storage;
  const offer = checkOffer(text, this.board_);
  if (offer instanceof Array) return this.otaFail_(offer[0], offer[1]);
  if (!hexBytes((storage.read(OTA_KEY_FILE) || "").trim())) return this.otaFail_(E.E_OTA_NO_KEY, "no update key on the device");
  // The version running already (an offer sent again after the restart into it): nothing to do, and the sender is told.
  if (offer.v === firmwareVersion(this.board_) && !offer.f) return this.otaRunning_();
  const run = this.update_;
  // A chunk and its topic (<root>cmd/ota/chunk/<offset>) fit in the largest packet the device takes.
  const limit = this.board_.maxPacketSize - this.root_.length - 28;
  if (limit < 16) return this.otaFail_(E.E_OTA_REQUEST, "the device's topics are too long for its packets");
  if (!run || run.offer.s !== offer.s || run.offer.c !== offer.c || run.offer.t !== offer.t) {
    this.hal_.log.info("update: " + offer.s + " bytes");
    this.update_ = { offer: offer, file: imageForUpdate(storage.read(IMAGE_FILE)), next: 0, chunk: limit > OTA_CHUNK_MAX ? OTA_CHUNK_MAX : limit };
  }
  this.otaNext_();
};

/** Asks for the bytes wanted next on ota/next. */
DeviceProgram.prototype.otaNext_ = function (this: DeviceProgram): void {
  const run = this.update_ as UpdateRun;
  this.otaAnswer_("next", '{"offset":' + run.next + ',"chunk":' + run.chunk + "}");
};

/** Publishes `text` on <root>ota/<name>; a refusal of the client is logged (the sender offers again after a silence). */
DeviceProgram.prototype.otaAnswer_ = function (this: DeviceProgram, name: string, text: string): void {
  const r = this.client.publish(this.root_ + "ota/" + name, text, this.qos_, false);
  if (r < 0) this.hal_.log.error(r, "ota/" + name);
};

/** Ends the update with a refusal on ota/result; the image being written is erased (it is never the one in force). */
DeviceProgram.prototype.otaFail_ = function (this: DeviceProgram, code: number, reason: string): void {
  const run = this.update_;
  if (run) this.hal_.storage.erase(run.file);
  this.update_ = undefined;
  this.hal_.log.error(code, "update");
  if (this.onEvent_) this.onEvent_("refused", "ota", reason);
  this.otaAnswer_("result", refusal(code, reason));
};

/**
 * The whole image is written (the tick calls this): its CRC-32, then its
 * tag, are checked on what Storage holds. A sound image is put on trial (the rollback's answer is
 * written first, for the old image to give if the new one never reaches the
 * broker), and the device restarts into it.
 */
DeviceProgram.prototype.otaCheck_ = function (this: DeviceProgram): void {
  const hal = this.hal_;
  const storage = hal.storage;
  const run = this.update_ as UpdateRun;
  const files = hal.updateFiles ? hal.updateFiles() : null;
  const o = run.offer;
  if (!files || files.crc32(run.file) !== o.c >>> 0) return this.otaFail_(E.E_OTA_CRC, "the image written does not have its CRC-32");
  const hash = otaHash(this.board_);
  const key = hexBytes((storage.read(OTA_KEY_FILE) || "").trim()) || "";
  if (key.length < 16 || key.length > 64) return this.otaFail_(E.E_OTA_NO_KEY, "no update key of 16 to 64 bytes on the device");
  const tag = imageTag(
    function (data) {
      return files.digest(hash, data);
    },
    key,
    tagHeader(o.b, o.v, o.s),
    o.s,
    function (offset, length) {
      return files.readAt(run.file, offset, length);
    },
  );
  if (tag === null) return this.otaFail_(E.E_OTA_CHECK_FAILED, "the image could not be read back or hashed with " + hash);
  if (tag !== o.t) return this.otaFail_(E.E_OTA_TAG, "the authentication tag is wrong");
  const rollback = refusal(E.E_OTA_ROLLED_BACK, o.v + " did not reach the broker: back to " + firmwareVersion(this.board_));
  if (storage.write(OTA_RESULT_FILE, rollback) < 0 || storage.write(OTA_TRIAL_FILE, run.file) < 0) return this.otaFail_(E.E_STORAGE_FAILED, "storage");
  this.update_ = undefined;
  hal.log.info("update: " + o.v + " checked, restarting into it");
  if (this.onEvent_) this.onEvent_("command", "ota", o.v);
  // At QoS 0, as config/result: the stop just after would hold back a message waiting for its PUBACK.
  this.client.publish(this.root_ + "ota/result", '{"ok":true,"checked":true,"version":' + JSON.stringify(o.v) + "}", 0, false);
  this.leave_();
  this.restartAt_ = hal.clock.now() + RESTART_DELAY_MS;
};

/**
 * Connected with an image on trial (the boot code marked it): it becomes
 * the image in force, and ota/result says so. Returns whether there was one.
 */
DeviceProgram.prototype.keepImage_ = function (this: DeviceProgram): boolean {
  const storage = this.hal_.storage;
  // Compared with the names, never kept: on the board a String read from Storage lies in flash, and changes when its file is written.
  const trial = storage.read(OTA_TRIAL_FILE);
  const image = trial === IMAGE_A + TRIAL_MARK ? IMAGE_A : trial === IMAGE_B + TRIAL_MARK ? IMAGE_B : "";
  if (!image) return false;
  // IMAGE_A is in force when IMAGE_FILE is absent: erasing it cannot leave a torn name.
  if (image === IMAGE_A) storage.erase(IMAGE_FILE);
  if (image === IMAGE_A || storage.write(IMAGE_FILE, image) === 0) {
    storage.erase(OTA_TRIAL_FILE);
    storage.erase(OTA_RESULT_FILE);
    this.otaRunning_();
  }
  return true;
};

/** Says on ota/result which version runs. */
DeviceProgram.prototype.otaRunning_ = function (this: DeviceProgram): void {
  this.otaAnswer_("result", '{"ok":true,"running":' + JSON.stringify(firmwareVersion(this.board_)) + "}");
};
