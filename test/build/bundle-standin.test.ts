/**
 * Every board's bundle in a Node vm that has only the Espruino stand-in's
 * globals (test/support/espruino-standin.ts), with a real mosquitto on
 * 127.0.0.1 behind it: the firmware joins WiFi, connects, publishes
 * telemetry, obeys a command, sends a payload larger than its send buffer
 * byte for byte, and comes back after a broker restart.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { BOARDS } from "../../boards/index";
import { E_STARTED } from "../../base/errors";
import { createEspruinoContext, type EspruinoContext } from "../support/espruino-standin";
import { startMosquitto, type Mosquitto } from "../../scripts/support/mosquitto";
import { closeLiveClients, startLiveClient, waitFor } from "../../scripts/support/live-client";

const PINS: Record<string, [string, string]> = {
  "esp32-devkitc": ["D4", "D5"],
  "esp8266-nodemcu": ["D12", "D5"],
  "wemos-d1-mini": ["D12", "D5"],
  linux: ["D4", "D5"],
};

describe("bundles: each board's firmware in a vm over the Espruino stand-in, against mosquitto", function () {
  this.timeout(60000);
  let broker: Mosquitto;
  let ctx: EspruinoContext | null = null;
  before(async () => {
    broker = await startMosquitto({ persistence: true });
  });
  after(async () => {
    await broker.stop();
  });
  afterEach(() => {
    closeLiveClients();
    if (ctx) ctx.dispose();
    ctx = null;
  });

  for (const board of BOARDS) {
    it(`${board.id}: connects, publishes telemetry, obeys a command, sends a large payload and survives a broker restart`, async () => {
      const file = path.join(import.meta.dirname, "..", "..", "dist", board.id, "fabmqtt.min.js");
      assert.ok(fs.existsSync(file), file + " is missing: run npm run build");
      const mode = board.chip === "esp8266" ? "esp8266" : board.chip === "linux" ? "linux" : "esp32";
      ctx = createEspruinoContext({ mode, ssid: "fablab", password: "wifi-pass" });
      const [input, relay] = PINS[board.id];
      const device = "vm-" + board.id;
      ctx.storage.set(
        "fabmqtt.json",
        JSON.stringify({
          wifi: { ssid: "fablab", password: "wifi-pass" },
          broker: { host: "127.0.0.1", port: broker.port, keepalive: 10 },
          device,
          discovery: "",
          sensors: [{ name: "input", kind: "digital", pin: input, period: 1 }],
          actuators: [{ name: "relay", kind: "relay", pin: relay }],
        }),
      );
      const watcher = startLiveClient(broker.port, { clientId: "watch-" + board.id });
      watcher.client.subscribe(`fabmqtt/${device}/#`, 1);
      const got = (t: string) => watcher.messages.filter((m) => m.topic === `fabmqtt/${device}/${t}`).map((m) => m.payload.toString());
      const started = ctx.run(
        "var module = { exports: {} }; var exports = module.exports;\n" + fs.readFileSync(file, "utf8") + "\nvar dev = module.exports.start(); typeof dev",
        board.id,
      );
      assert.equal(started, "object", ctx.console.join("\n"));
      // start() freed what only starting uses (BOOT_ONLY_* in build/memory-lists.mjs): everything below runs without it.
      assert.equal(ctx.run("typeof module.exports.createEspruinoHal", board.id + "-released"), "undefined");
      assert.equal(
        ctx.run("[typeof dev.start, typeof dev.client.subscribe, typeof dev.stop, typeof dev.client.publish].join()", board.id + "-methods"),
        "undefined,undefined,function,function",
      );
      assert.equal(ctx.run("module.exports.start()", board.id + "-again"), E_STARTED);
      await waitFor(() => got("status").includes("online"), "online:\n" + ctx.console.join("\n"));
      await waitFor(() => got("telemetry/input").length >= 2, "telemetry");
      ctx.pins.setInput(input, true);
      await waitFor(() => got("telemetry/input").some((t) => t === '{"state":1}'), "the input read high");
      watcher.client.publish(`fabmqtt/${device}/set/relay`, "ON", 1, false);
      await waitFor(() => got("state/relay").includes("ON"), "relay ON");
      assert.equal(ctx.pins.level(relay), 1);
      // An 8-bit string larger than the board's send buffer (every byte value): it goes to the socket as it is.
      const size = board.txBufferSize + 300;
      const big = Buffer.alloc(size);
      for (let i = 0; i < size; i++) big[i] = (i * 7) & 255;
      const sent = ctx.run(
        `var big = ""; for (var i = 0; i < ${size}; i++) big += String.fromCharCode((i * 7) & 255); dev.client.publish("fabmqtt/${device}/big", big, 1, false) > 0`,
        board.id + "-big",
      );
      assert.equal(sent, true);
      await waitFor(() => watcher.messages.some((m) => m.topic === `fabmqtt/${device}/big`), "the large payload");
      assert.deepEqual(watcher.messages.find((m) => m.topic === `fabmqtt/${device}/big`)!.payload, big);
      const online = got("status").filter((s) => s === "online").length;
      await broker.terminate();
      await broker.restart();
      await waitFor(() => got("status").filter((s) => s === "online").length > online, "back online after the broker restart", 40000);
      assert.deepEqual(ctx.uncaught, []);
    });
  }
});
