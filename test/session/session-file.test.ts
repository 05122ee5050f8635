/**
 * A session file (fabmqtt.ses) that is not one the client wrote: each entry
 * is checked before anything is loaded, and a bad file is set aside as
 * fabmqtt.ses.bad with the reason in the log, so the device boots without
 * it, on the Node HAL and as the ESP8266 bundle in the Espruino stand-in,
 * against a real mosquitto.
 */
import { strict as assert } from "node:assert";
import fs from "node:fs";
import path from "node:path";
import { findBoard } from "../../boards/index";
import { toDeviceBoard } from "../../boards/device-view";
import { boot } from "../../firmware/app/boot";
import { CONFIG_FILE, type Config } from "../../firmware/app/config";
import { SESSION_FILE, type Device } from "../../firmware/app/device";
import * as E from "../../base/errors";
import { createInboundQos2 } from "../../firmware/session/inbound-qos2";
import { createOutbox } from "../../firmware/session/outbox";
import { loadSession } from "../../firmware/session/persist";
import { createNodeHal } from "../../hal/node/index";
import { BOOT_CODE } from "../../scripts/flash/boot-code";
import { createEspruinoContext, type EspruinoContext } from "../support/espruino-standin";
import { closeLiveClients, startLiveClient, waitFor, type LiveClient } from "../../scripts/support/live-client";
import { startMosquitto, type Mosquitto } from "../../scripts/support/mosquitto";

/** A session as the client writes it: one QoS 1 message in flight (retained, id 7), one QoS 2 queued (bytes), one inbound QoS 2 id released. */
function goodSession(): any {
  return {
    v: 1,
    l: 7,
    n: 3,
    o: [
      [2, 1, 1, 7, 1, "t/a", 0, "x"],
      [1, 2, 0, 0, 2, "t/b", 1, "\u0001\u00ff"],
    ],
    i: [[9, 123, 1, 4]],
  };
}

/** Each way a file can be wrong, as [what, change to the good session]. */
const BAD: [string, (s: any) => void][] = [
  ["not an object", (s) => Object.keys(s).forEach((k) => delete s[k])],
  ["version 2", (s) => (s.v = 2)],
  ["last id -1", (s) => (s.l = -1)],
  ["last id 65536", (s) => (s.l = 65536)],
  ["next sequence a string", (s) => (s.n = "3")],
  ["outbox not a list", (s) => (s.o = {})],
  ["an outbox entry null", (s) => (s.o[0] = null)],
  ["an outbox entry short", (s) => s.o[0].pop()],
  ["state 0", (s) => (s.o[0][0] = 0)],
  ["state 5", (s) => (s.o[0][0] = 5)],
  ["state a string", (s) => (s.o[0][0] = "2")],
  ["QoS 0", (s) => (s.o[0][1] = 0)],
  ["QoS 3", (s) => (s.o[1][1] = 3)],
  ["QoS 2 awaiting PUBACK", (s) => (s.o[0][1] = 2)],
  ["flags 2", (s) => (s.o[0][2] = 2)],
  ["packet id 0 in flight", (s) => (s.o[0][3] = 0)],
  ["packet id 65536", (s) => (s.o[0][3] = 65536)],
  ["packet id -1 queued", (s) => (s.o[1][3] = -1)],
  ["sequence 1.5", (s) => (s.o[0][4] = 1.5)],
  ["topic a number", (s) => (s.o[0][5] = 5)],
  ["topic empty", (s) => (s.o[0][5] = "")],
  ["topic with +", (s) => (s.o[0][5] = "a/+/b")],
  ["topic with #", (s) => (s.o[0][5] = "a/#")],
  ["topic with U+0000", (s) => (s.o[0][5] = "a\u0000b")],
  ["kind 2", (s) => (s.o[0][6] = 2)],
  ["payload a number", (s) => (s.o[0][7] = 5)],
  ["inbound not a list", (s) => (s.i = null)],
  ["an inbound entry null", (s) => (s.i[0] = null)],
  ["inbound id 0", (s) => (s.i[0][0] = 0)],
  ["inbound id 70000", (s) => (s.i[0][0] = 70000)],
  ["inbound hash a string", (s) => (s.i[0][1] = "x")],
  ["inbound state 3", (s) => (s.i[0][2] = 3)],
  ["inbound age -1", (s) => (s.i[0][3] = -1)],
];

function badSession(change: (s: any) => void): string {
  const s = goodSession();
  change(s);
  return JSON.stringify(s);
}

describe("session file: each entry checked before it is loaded", () => {
  it("loads a good file", () => {
    const o = createOutbox(4);
    const inb = createInboundQos2(4);
    assert.equal(loadSession(JSON.stringify(goodSession()), o, inb), 7);
    assert.equal(o.usedCount, 2);
    assert.deepEqual(o.topicOf, ["t/a", "t/b"]);
    assert.equal(inb.ids[0], 9);
  });

  for (const [what, change] of BAD) {
    it(`refuses a file with ${what}, changing nothing`, () => {
      const o = createOutbox(4);
      const inb = createInboundQos2(4);
      assert.equal(loadSession(badSession(change), o, inb), E.E_STORAGE_FAILED);
      assert.deepEqual([o.usedCount, o.inFlightCount, o.unsent, o.nextSeq, o.topicOf.length], [0, 0, 0, 1, 0]);
      assert.ok(o.slots.every((x) => x === 0) && inb.ids.every((x) => x === 0), "the tables are untouched");
      assert.deepEqual([inb.openCount, inb.nextAge], [0, 1]);
    });
  }
});

describe("session file: a bad one is set aside and the device boots without it (mosquitto)", function () {
  this.timeout(30000);
  let broker: Mosquitto;
  let watcher: LiveClient;
  let device: Device | null = null;
  let esp: EspruinoContext | null = null;
  const base = "sf" + process.pid;
  before(async () => {
    broker = await startMosquitto();
  });
  after(async () => {
    await broker.stop();
  });
  afterEach(() => {
    if (device) device.stop();
    device = null;
    esp?.dispose();
    esp = null;
    closeLiveClients();
  });

  function config(name: string): Config {
    return {
      wifi: { ssid: "fablab", password: "wifi-pass" },
      broker: { host: "127.0.0.1", port: broker.port, keepalive: 10 },
      device: name,
      base,
      discovery: "",
      persist: true,
    };
  }

  /** Connects the watcher and returns how many times `name` said "online". */
  async function watchOnline(name: string): Promise<() => number> {
    watcher = startLiveClient(broker.port, { clientId: "w-" + name });
    watcher.client.subscribe(base + "/" + name + "/status", 1);
    await waitFor(() => watcher.subacks.length === 1, "the watcher's subscription");
    return () => watcher.messages.filter((m) => m.payload.toString() === "online" && !m.retain).length;
  }

  for (const [what, change] of [
    ["an outbox entry null", (s: any) => (s.o = [null])],
    ["a topic stored as a number", (s: any) => (s.o[0][5] = 5)],
  ] as const) {
    const text = badSession(change);

    it(`Node HAL: ${what}`, async () => {
      const name = "node-" + what.split(" ").join("-").slice(0, 20);
      const online = await watchOnline(name);
      const hal = createNodeHal(findBoard("esp8266-nodemcu")!, { ssid: "fablab", password: "wifi-pass" });
      hal.storage.write(CONFIG_FILE, JSON.stringify(config(name)));
      hal.storage.write(SESSION_FILE, text);
      const d = boot(hal, toDeviceBoard(findBoard("esp8266-nodemcu")!));
      assert.equal(typeof d, "object", hal.log.lines.join("\n"));
      device = d as Device;
      assert.equal(hal.storage.read(SESSION_FILE + ".bad"), text, "set aside whole");
      assert.match(hal.log.lines.join("\n"), /E-342 E_STORAGE_FAILED: storage failed \(fabmqtt\.ses: o\[0\] is not valid, set aside as fabmqtt\.ses\.bad\)/);
      await waitFor(() => online() === 1, "online");
      // A session the broker cannot take would have it drop the connection: it stays up.
      await new Promise((r) => setTimeout(r, 4000));
      assert.equal(online(), 1, "one connection: " + hal.log.lines.join("\n"));
      assert.equal(hal.log.lines.filter((l) => l.endsWith("(mqtt)")).length, 0, hal.log.lines.join("\n"));
    });

    it(`esp8266-nodemcu/fabmqtt.min.js in the Espruino stand-in: ${what}`, async () => {
      const name = "esp-" + what.split(" ").join("-").slice(0, 20);
      const online = await watchOnline(name);
      esp = createEspruinoContext({ mode: "esp8266", ssid: "fablab", password: "wifi-pass" });
      esp.upload("fabmqtt", fs.readFileSync(path.join(import.meta.dirname, "..", "..", "dist", "esp8266-nodemcu", "fabmqtt.min.js"), "utf8"));
      esp.upload(CONFIG_FILE, JSON.stringify(config(name)));
      esp.storage.set(SESSION_FILE, text);
      const started = esp.run(BOOT_CODE);
      assert.equal(typeof started, "object", "start() gave " + String(started) + "\n" + esp.console.join("\n"));
      assert.equal(esp.storage.get(SESSION_FILE + ".bad"), text);
      assert.ok(
        esp.console.some((l) => l.indexOf("E-342 fabmqtt.ses: o[0] is not valid") >= 0),
        esp.console.join("\n"),
      );
      await waitFor(() => online() === 1, "online:\n" + esp.console.join("\n"));
      await new Promise((r) => setTimeout(r, 4000));
      assert.equal(online(), 1, "one connection:\n" + esp.console.join("\n"));
      assert.deepEqual(esp.uncaught.map(String), []);
    });
  }
});
