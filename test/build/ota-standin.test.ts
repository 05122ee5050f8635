/**
 * An update over MQTT of the ESP8266's real bundle in the Espruino stand-in,
 * against mosquitto, sent by `npm run ota`'s sender: v1 (the bundle as
 * built) takes v2 (the same bundle with another commit in it) through
 * Storage written in pieces, E.CRC32 and the SHA1 of require("crypto"),
 * restarts with load(), and the boot file's own code boots v2 on trial (a
 * new context on the same Storage: the stand-in's load() does not run the
 * boot code); v2 connects and is kept. A tampered image is refused and v1
 * runs on.
 */
import { strict as assert } from "node:assert";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { BOOT_CODE } from "../../scripts/flash/boot-code";
import { IMAGE_A, IMAGE_B, IMAGE_FILE, OTA_KEY_FILE, OTA_TRIAL_FILE } from "../../firmware/app/ota";
import { E_OTA_CHECK_FAILED, E_OTA_TAG } from "../../base/errors";
import { offerFor, readImage, type Image } from "../../scripts/ota/image";
import { sendUpdate, type SendResult } from "../../scripts/ota/send";
import { createEspruinoContext, type EspruinoContext } from "../support/espruino-standin";
import { closeLiveClients, startLiveClient, waitFor } from "../../scripts/support/live-client";
import { startMosquitto, type Mosquitto } from "../../scripts/support/mosquitto";

const BOARD = "esp8266-nodemcu";
const KEY = crypto.randomBytes(32);

describe("an update over MQTT of the ESP8266 bundle in the Espruino stand-in, against mosquitto", function () {
  this.timeout(90000);
  let broker: Mosquitto;
  let esp: EspruinoContext | null = null;
  let dir: string;
  before(async () => {
    broker = await startMosquitto();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "fabmqtt-ota-"));
  });
  after(async () => {
    await broker.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  afterEach(() => {
    esp?.dispose();
    esp = null;
    closeLiveClients();
  });

  function boardOn(storageFile: string): EspruinoContext {
    const ctx = createEspruinoContext({
      mode: "esp8266",
      ssid: "fablab",
      password: "pw",
      storageFile,
      echo: process.env.OTA_DEBUG ? (l) => console.log("ESP", l) : null,
    });
    const started = ctx.run(BOOT_CODE);
    assert.equal(typeof started, "object", "start() gave " + String(started) + "\n" + ctx.console.join("\n"));
    return ctx;
  }

  async function update(
    base: string,
    image: Image,
    offer = offerFor(image, KEY),
    prepare?: (v1: EspruinoContext) => void,
  ): Promise<{ r: SendResult; storageFile: string }> {
    const storageFile = path.join(dir, base + ".json");
    const v1 = readImage(path.join(import.meta.dirname, "..", "..", "dist", BOARD, "fabmqtt.min.js"));
    assert.equal(typeof v1, "object", String(v1));
    // The stand-in's Storage file: each file's bytes in base64.
    const files: Record<string, string> = {
      [IMAGE_A]: (v1 as Image).bytes,
      [OTA_KEY_FILE]: KEY.toString("hex"),
      "fabmqtt.json": JSON.stringify({
        wifi: { ssid: "fablab", password: "pw" },
        broker: { host: "127.0.0.1", port: broker.port, keepalive: 10 },
        device: "d1",
        base,
        discovery: "",
      }),
    };
    fs.writeFileSync(storageFile, JSON.stringify(Object.fromEntries(Object.entries(files).map(([k, v]) => [k, Buffer.from(v, "latin1").toString("base64")]))));
    esp = boardOn(storageFile);
    if (prepare) prepare(esp);
    const watcher = startLiveClient(broker.port, { clientId: "w-" + base });
    watcher.client.subscribe(base + "/d1/status", 1);
    await waitFor(() => watcher.messages.some((m) => m.payload.toString() === "online"), "v1 online");
    const sent = sendUpdate({
      broker: { host: "127.0.0.1", port: broker.port, tls: false },
      root: base + "/d1/",
      bytes: image.bytes,
      offer,
      quietMs: 3000,
      trialMs: 30000,
      onEvent: process.env.OTA_DEBUG ? (t) => console.log("EV", t) : undefined,
    });
    // The board's reset: the stand-in's load() stops everything; the boot file then runs in a new context on the same Storage.
    const reboot = setInterval(() => {
      if (esp && esp.loads() > 0) {
        esp.dispose();
        esp = boardOn(storageFile);
      }
    }, 50);
    const shown = process.env.OTA_DEBUG ? setInterval(() => esp && esp.uncaught.length && console.log("UNCAUGHT", esp.uncaught), 1000) : null;
    const r = await sent;
    clearInterval(reboot);
    if (shown) clearInterval(shown);
    return { r, storageFile };
  }

  it("takes v2, restarts into it on trial, and keeps it once v2 reached the broker", async () => {
    const v1 = readImage(path.join(import.meta.dirname, "..", "..", "dist", BOARD, "fabmqtt.min.js")) as Image;
    const v2: Image = { ...v1, bytes: v1.bytes.replace(/\bversion:"[^"]*"/, 'version:"v2test"'), version: "0.1.0+v2test" };
    assert.notEqual(v2.bytes, v1.bytes);
    const { r } = await update("ota-sa1", v2);
    assert.equal(r.end, "running", JSON.stringify(r) + "\n" + esp?.console.join("\n"));
    assert.equal(r.ok, true);
    assert.equal(r.version, "0.1.0+v2test");
    const files = esp!.storage;
    assert.equal(files.get(IMAGE_B), v2.bytes);
    assert.equal(files.get(IMAGE_A), v1.bytes);
    assert.equal(files.get(IMAGE_FILE), IMAGE_B);
    assert.equal(files.get(OTA_TRIAL_FILE), undefined);
    assert.deepEqual(esp!.uncaught, []);
  });

  it("refuses a tampered image, and v1 runs on", async () => {
    const v1 = readImage(path.join(import.meta.dirname, "..", "..", "dist", BOARD, "fabmqtt.min.js")) as Image;
    const v2: Image = { ...v1, bytes: v1.bytes.replace(/\bversion:"[^"]*"/, 'version:"v2test"'), version: "0.1.0+v2test" };
    // Signed, then changed: one command name swapped in the text, same size.
    const offer = offerFor(v2, KEY);
    const tampered = { ...v2, bytes: v2.bytes.replace('"restart"', '"restert"') };
    assert.notEqual(tampered.bytes, v2.bytes);
    const { r } = await update("ota-sa2", tampered, { ...offer, c: offerFor(tampered, KEY).c });
    assert.equal(r.end, "refused", JSON.stringify(r));
    assert.equal(r.code, E_OTA_TAG);
    assert.equal(esp!.loads(), 0, "no restart");
    assert.equal(esp!.storage.get(IMAGE_B), undefined, "the image written is erased");
    assert.equal(esp!.storage.get(IMAGE_FILE), undefined);
  });

  it("hashes again after E.defrag() when a hash found no room for its result, and takes the image", async () => {
    const v1 = readImage(path.join(import.meta.dirname, "..", "..", "dist", BOARD, "fabmqtt.min.js")) as Image;
    const v2: Image = { ...v1, bytes: v1.bytes.replace(/\bversion:"[^"]*"/, 'version:"v2frag"'), version: "0.1.0+v2frag" };
    let first: EspruinoContext | null = null;
    const { r } = await update("ota-sa3", v2, undefined, (ctx) => {
      first = ctx;
      ctx.failHashes("untilDefrag");
    });
    assert.equal(r.end, "running", JSON.stringify(r));
    assert.equal(r.version, "0.1.0+v2frag");
    assert.equal(first!.defrags(), 1, "one compaction, then every hash found its room");
    assert.ok(first!.console.includes("ERROR: Not enough memory for result"), "the hash did fail first");
  });

  it("refuses with E_OTA_CHECK_FAILED, not as a missing key, when hashing fails even after E.defrag(); v1 runs on", async () => {
    const v1 = readImage(path.join(import.meta.dirname, "..", "..", "dist", BOARD, "fabmqtt.min.js")) as Image;
    const v2: Image = { ...v1, bytes: v1.bytes.replace(/\bversion:"[^"]*"/, 'version:"v2full"'), version: "0.1.0+v2full" };
    const { r } = await update("ota-sa4", v2, undefined, (ctx) => ctx.failHashes("always"));
    assert.equal(r.end, "refused", JSON.stringify(r));
    assert.equal(r.code, E_OTA_CHECK_FAILED);
    assert.equal(esp!.loads(), 0, "no restart");
    assert.ok(esp!.defrags() >= 1);
    assert.equal(esp!.storage.get(IMAGE_B), undefined, "the image written is erased");
  });
});
