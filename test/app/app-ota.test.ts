/**
 * Updates over MQTT on the Node HAL against a real mosquitto on 127.0.0.1,
 * sent by `npm run ota`'s own sender: a full update (ESP8266's SHA1 tags and
 * ESP32's SHA256), one resumed after the device's connection dropped,
 * refusals (a bad tag, a wrong board, a truncated image, an older version,
 * no key, a retained offer), and a new image that never reaches the broker,
 * rolled back. The restart runs the boot code's own choice of image
 * (IMAGE_CHOICE) over the device's Storage, and boots the version that image
 * is.
 */
import assert from "node:assert/strict";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { findBoard } from "../../boards/index";
import { toDeviceBoard } from "../../boards/device-view";
import type { Board } from "../../boards/types";
import { CONFIG_FILE, type Config } from "../../firmware/app/config";
import { boot } from "../../firmware/app/boot";
import type { Device } from "../../firmware/app/device";
import { ST_CONNECTED } from "../../firmware/session/client";
import { CONFIG_TRIAL_MS } from "../../firmware/app/remote-config";
import { IMAGE_A, IMAGE_B, IMAGE_FILE, OTA_CHUNK_MAX, OTA_KEY_FILE, OTA_RESULT_FILE, OTA_TRIAL_FILE } from "../../firmware/app/ota";
import { createNodeHal, type NodeHal } from "../../hal/node/index";
import { startMosquitto, type Mosquitto } from "../../scripts/support/mosquitto";
import { closeLiveClients, startWatcher, waitFor, type LiveClient } from "../../scripts/support/live-client";
import { bootChoice } from "../support/boot-choice";
import { npmRun } from "../support/npm-run";
import { offerFor, type Image } from "../../scripts/ota/image";
import { sendUpdate, type SendOptions, type SendResult } from "../../scripts/ota/send";
import * as E from "../../base/errors";

const KEY = crypto.randomBytes(32);
let base = "ota";
let runs = 0;

for (const boardId of ["esp8266-nodemcu", "esp32-devkitc"]) {
  const board = findBoard(boardId) as Board;
  describe(`app: updates over MQTT on ${boardId}, against mosquitto`, function () {
    this.timeout(60000);
    let broker: Mosquitto;
    let watcher: LiveClient;
    let hal: NodeHal;
    let device: Device | null = null;
    let restarts = 0;
    let skew = 0;
    /** The image each booted: what the boot code chose, by its content. */
    let booted: string[] = [];
    /** Versions by image content: the restart boots the one the chosen image is. */
    let versions: Map<string, string>;
    /** Images whose version cannot reach the broker (their boot gets a closed port). */
    let unreachable: Set<string>;
    let config: Config;

    function bootImage(): void {
      const name = restarts ? bootChoice(hal.storage) : IMAGE_A;
      const text = hal.storage.read(name) ?? "";
      const version = versions.get(text) ?? "?";
      booted.push(version);
      const c = unreachable.has(version) ? { ...config, broker: { ...config.broker, port: 1 } } : config;
      hal.storage.write(CONFIG_FILE, JSON.stringify(c));
      const d = boot(hal, { ...toDeviceBoard(board), version });
      device = typeof d === "number" ? null : d;
    }
    function start(key: Buffer | null = KEY): void {
      config = {
        wifi: { ssid: "fablab", password: "wifi-secret" },
        broker: { host: "127.0.0.1", port: broker.port, keepalive: 10 },
        device: "dev1",
        base,
        discovery: "",
        diagPeriod: 0,
        actuators: [{ name: "relay", kind: "relay", pin: "D5", minSwitchMs: 0 }],
      };
      hal = createNodeHal(board, {
        password: "wifi-secret",
        echo: process.env.OTA_DEBUG ? (line) => console.log("LOG", line) : null,
        clock: { now: () => Date.now() + skew },
        restart: () => {
          restarts++;
          bootImage();
        },
      });
      hal.storage.write(IMAGE_A, "image v1");
      versions.set("image v1", "v1");
      if (key) hal.storage.write(OTA_KEY_FILE, key.toString("hex") + "\n");
      bootImage();
      assert.ok(device, hal.log.lines.join("\n"));
    }
    /** An image of `size` random bytes (every byte value), version 0.1.0+<commit>. */
    function image(commit: string, size = 5000, over: Partial<Image> = {}): Image {
      const bytes = crypto.randomBytes(size).toString("latin1");
      versions.set(bytes, commit);
      return { bytes, board: boardId, version: "0.1.0+" + commit, ...over };
    }
    const got = (topic: string) => watcher.messages.filter((m) => m.topic === base + "/dev1/" + topic).map((m) => m.payload.toString());
    function send(img: Image, over: Partial<SendOptions> = {}): Promise<SendResult> {
      return sendUpdate({
        broker: { host: "127.0.0.1", port: broker.port, tls: false },
        root: base + "/dev1/",
        bytes: img.bytes,
        offer: offerFor(img, KEY),
        quietMs: 1500,
        onEvent: process.env.OTA_DEBUG ? (t) => console.log("EV", t) : undefined,
        trialMs: 20000,
        ...over,
      });
    }

    before(async () => {
      broker = await startMosquitto();
    });
    after(async () => {
      await broker.stop();
    });
    beforeEach(async () => {
      base = "ota" + ++runs;
      restarts = 0;
      skew = 0;
      booted = [];
      versions = new Map();
      unreachable = new Set();
      watcher = await startWatcher(broker.port, base + "/#");
    });
    afterEach(() => {
      if (device) device.stop();
      device = null;
      closeLiveClients();
    });

    it("takes an update: the other image written and checked, a restart into it on trial, kept once it reached the broker", async () => {
      start();
      await waitFor(() => device!.client.state() === ST_CONNECTED, "connected");
      const v2 = image("v2", 7000);
      const progress: number[] = [];
      const r = await send(v2, { onProgress: (done) => progress.push(done) });
      assert.equal(r.end, "running", JSON.stringify(r));
      assert.equal(r.ok, true);
      assert.equal(r.version, "0.1.0+v2");
      assert.deepEqual(booted, ["v1", "v2"]);
      assert.equal(hal.storage.read(IMAGE_B), v2.bytes);
      assert.equal(hal.storage.read(IMAGE_A), "image v1", "the old image is left as it was");
      assert.equal(hal.storage.read(IMAGE_FILE), IMAGE_B);
      assert.equal(hal.storage.read(OTA_TRIAL_FILE), null);
      assert.equal(hal.storage.read(OTA_RESULT_FILE), null);
      // Chunks as large as the board's packets allow, each asked for once, in order.
      const chunk = Math.min(OTA_CHUNK_MAX, board.maxPacketSize - (base + "/dev1/").length - 28);
      assert.equal(progress.length, Math.ceil(v2.bytes.length / chunk) + 1);
      for (let i = 1; i < progress.length; i++) assert.ok(progress[i] > progress[i - 1]);
      await waitFor(() => got("version").includes("0.1.0+v2"), "the new version announced");
      // A second update goes to the other image, the one now not in force.
      const v3 = image("v3", 3000);
      const r3 = await send(v3);
      assert.equal(r3.version, "0.1.0+v3");
      assert.equal(hal.storage.read(IMAGE_A), v3.bytes);
      assert.equal(hal.storage.read(IMAGE_FILE), null, "IMAGE_A in force again");
      assert.deepEqual(booted, ["v1", "v2", "v3"]);
    });

    it("resumes where it was after the device's connection dropped", async () => {
      start();
      await waitFor(() => device!.client.state() === ST_CONNECTED, "connected");
      const v2 = image("v2", 9000);
      const progress: number[] = [];
      let dropped = false;
      const r = await send(v2, {
        onProgress: (done) => {
          progress.push(done);
          if (!dropped && done > 4000) {
            dropped = true;
            hal.wifi.drop();
          }
        },
      });
      assert.equal(r.ok, true, JSON.stringify(r));
      assert.ok(dropped);
      const at = progress.findIndex((d) => d > 4000);
      // After the drop the device asked for the bytes after those it had: nothing from 0 again.
      assert.ok(
        progress.slice(at).every((d) => d > 4000),
        JSON.stringify(progress),
      );
      assert.equal(hal.storage.read(IMAGE_B), v2.bytes);
      assert.equal(hal.log.lines.filter((l) => l.startsWith("update: 9000 bytes")).length, 1, "one update, resumed");
      assert.ok(
        hal.log.lines.some((l) => l.includes("E_SOCKET_CLOSED")),
        "the connection dropped",
      );
    });

    const refusals: [string, (img: Image) => Partial<SendOptions>, number][] = [
      ["a tag made with another key", (img) => ({ offer: offerFor(img, crypto.randomBytes(32)) }), E.E_OTA_TAG],
      [
        "a changed byte",
        (img) => ({ bytes: img.bytes.substr(0, 100) + String.fromCharCode(img.bytes.charCodeAt(100) ^ 1) + img.bytes.substr(101) }),
        E.E_OTA_CRC,
      ],
      [
        "a changed byte with its CRC-32 made again",
        (img) => {
          const bytes = img.bytes.substr(0, 100) + String.fromCharCode(img.bytes.charCodeAt(100) ^ 1) + img.bytes.substr(101);
          return { bytes, offer: { ...offerFor(img, KEY), c: offerFor({ ...img, bytes }, KEY).c } };
        },
        E.E_OTA_TAG,
      ],
      ["a truncated image", (img) => ({ bytes: img.bytes.substr(0, 3000), offer: { ...offerFor(img, KEY), s: 3000 } }), E.E_OTA_CRC],
      [
        "a wrong board",
        (img) => ({ offer: offerFor({ ...img, board: boardId === "esp32-devkitc" ? "esp8266-nodemcu" : "esp32-devkitc" }, KEY) }),
        E.E_OTA_BOARD,
      ],
      ["an older version", (img) => ({ offer: offerFor({ ...img, version: "0.0.9+old" }, KEY) }), E.E_OTA_OLDER],
      ["a size past the bound", (img) => ({ offer: { ...offerFor(img, KEY), s: 1e6 } }), E.E_OTA_SIZE],
    ];
    for (const [what, change, code] of refusals) {
      it(`refuses ${what} with ${code}, and the firmware in force is untouched`, async () => {
        start();
        await waitFor(() => device!.client.state() === ST_CONNECTED, "connected");
        const v2 = image("v2", 5000);
        const r = await send(v2, change(v2));
        assert.equal(r.end, "refused", JSON.stringify(r));
        assert.equal(r.code, code);
        await waitFor(() => got("ota/result").length > 0, "the refusal seen by the watcher");
        const answer = JSON.parse(got("ota/result").at(-1)!);
        assert.equal(answer.ok, false);
        assert.equal(answer.code, code);
        assert.equal(typeof answer.error, "string");
        assert.equal(restarts, 0);
        assert.equal(hal.storage.read(IMAGE_A), "image v1");
        assert.equal(hal.storage.read(IMAGE_B), null, "the image written is erased");
        assert.equal(hal.storage.read(OTA_TRIAL_FILE), null);
        assert.equal(device!.client.state(), ST_CONNECTED, "still connected");
      });
    }

    it("takes an older version when forced", async () => {
      start();
      await waitFor(() => device!.client.state() === ST_CONNECTED, "connected");
      const old = image("old", 2000, { version: "0.0.9+old" });
      versions.set(old.bytes, "old");
      const r = await send(old, { offer: offerFor(old, KEY, true) });
      // Back running (as "0.1.0+old": the Node HAL's firmware takes its package version from this build).
      assert.equal(r.end, "running", JSON.stringify(r));
      assert.equal(r.version, "0.1.0+old");
      assert.deepEqual(booted, ["v1", "old"]);
    });

    it("refuses every update without a key (E_OTA_NO_KEY)", async () => {
      start(null);
      await waitFor(() => device!.client.state() === ST_CONNECTED, "connected");
      const r = await send(image("v2", 2000));
      assert.equal(r.end, "refused");
      assert.equal(r.code, E.E_OTA_NO_KEY);
      assert.equal(hal.storage.read(IMAGE_B), null);
    });

    it("ignores a retained offer (it would start again at every connect)", async () => {
      const v2 = image("v2", 2000);
      watcher.client.publish(base + "/dev1/cmd/ota/begin", JSON.stringify(offerFor(v2, KEY)), 1, true);
      await new Promise((r) => setTimeout(r, 200));
      start();
      await waitFor(() => hal.log.lines.some((l) => l.includes("E_COMMAND_RETAINED")), "the retained offer logged");
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(got("ota/next").length, 0);
      watcher.client.publish(base + "/dev1/cmd/ota/begin", "", 1, true);
    });

    if (boardId === "esp8266-nodemcu")
      it("npm run ota: sends an image file with a key file, shows its progress, exits 0 once the device runs it; 2 on bad arguments", async () => {
        start();
        await waitFor(() => device!.client.state() === ST_CONNECTED, "connected");
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fabmqtt-ota-cli-"));
        // A bundle as the build writes it names its board and commit.
        const text = 'var b={id:"esp8266-nodemcu",version:"cli2"};/*' + "x".repeat(3000) + "*/";
        versions.set(text, "cli2");
        fs.writeFileSync(path.join(dir, "image.js"), text);
        fs.writeFileSync(path.join(dir, "dev1.key"), KEY.toString("hex") + "\n");
        const args = ["run", "-s", "ota", "--", "--device", "dev1", "--base", base, "--broker", "mqtt://127.0.0.1:" + broker.port];
        const r = await npmRun(args.concat(["--board", boardId, "--image", path.join(dir, "image.js"), "--key-file", path.join(dir, "dev1.key")]));
        assert.equal(r.code, 0, r.all);
        assert.ok(r.stdout.includes("image: 0.1.0+cli2 for esp8266-nodemcu, " + text.length + " bytes"), r.stdout);
        assert.match(r.stdout, /100%/);
        assert.match(r.stdout, /dev1 runs 0\.1\.0\+cli2/);
        assert.equal(hal.storage.read(IMAGE_B), text);
        const bad = await npmRun(args.concat(["--board", "nope"]));
        assert.equal(bad.code, 2);
        assert.match(bad.stderr, /--board: unknown board "nope"/);
        const noKey = await npmRun(args.concat(["--board", boardId, "--image", path.join(dir, "image.js"), "--key-file", path.join(dir, "none.key")]));
        assert.equal(noKey.code, 2);
        assert.match(noKey.stderr, /no such key file/);
        fs.rmSync(dir, { recursive: true, force: true });
      });

    it("goes back to the old image when the new one does not reach the broker in its bound, and says so", async () => {
      start();
      await waitFor(() => device!.client.state() === ST_CONNECTED, "connected");
      const v2 = image("v2", 4000);
      unreachable.add("v2");
      const sent = send(v2, { trialMs: 30000 });
      await waitFor(() => booted.length === 2, "restarted into the new image");
      assert.equal(booted[1], "v2");
      assert.equal(hal.storage.read(OTA_TRIAL_FILE), IMAGE_B + "!");
      // The bound passes without a connection: the device restarts, and the boot code goes back.
      skew += CONFIG_TRIAL_MS + 1000;
      const r = await sent;
      assert.deepEqual(booted, ["v1", "v2", "v1"]);
      assert.equal(r.end, "refused");
      assert.equal(r.code, E.E_OTA_ROLLED_BACK);
      assert.equal(hal.storage.read(IMAGE_FILE), null, "IMAGE_A still in force");
      assert.equal(hal.storage.read(OTA_TRIAL_FILE), null);
      assert.equal(hal.storage.read(OTA_RESULT_FILE), null, "the answer went out, and was erased");
      await waitFor(() => /did not reach the broker/.test(got("ota/result").at(-1)!), "the rollback answered on ota/result");
    });
  });
}
