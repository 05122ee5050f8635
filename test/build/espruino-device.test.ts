/**
 * The whole board bundle as it goes to the board, in the Espruino stand-in:
 * written to Storage as "fabmqtt" with a configuration, started with the
 * boot file's own code (run at the global scope), on 8-bit strings, against
 * a real mosquitto: it joins the simulated WiFi, connects, publishes a DHT22
 * reading taken through its own driver, obeys a command on a pin, and comes
 * back after the access point went away.
 */
import { strict as assert } from "node:assert";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { BOOT_CODE } from "../../scripts/flash/boot-code";
import { createEspruinoContext, type EspruinoContext } from "../support/espruino-standin";
import { closeLiveClients, startLiveClient, waitFor, type LiveClient } from "../../scripts/support/live-client";
import { mosquittoPub, startMosquitto, type Mosquitto } from "../../scripts/support/mosquitto";

const SSID = "fablab";
const PASSWORD = "pw-5678";

/** A configuration with a DHT22 on D4 read every 2 s, at QoS 1, without discovery, and `more`. */
function deviceConfig(port: number, device: string, base: string, more: object): object {
  return {
    wifi: { ssid: SSID, password: PASSWORD },
    broker: { host: "127.0.0.1", port, keepalive: 10 },
    device,
    base,
    qos: 1,
    discovery: "",
    sensors: [{ name: "climate", kind: "dht22", pin: "D4", period: 2 }],
    ...more,
  };
}

/**
 * A fresh stand-in with `bundle` and `config` in Storage (the file `storageFile`
 * when given) and a DHT22 on D4 reading `temp`, started as the boot file does.
 */
function startBundle(mode: "esp8266" | "esp32", bundle: string, config: object, temp: number, storageFile?: string): EspruinoContext {
  const esp = createEspruinoContext({ mode, ssid: SSID, password: PASSWORD, storageFile });
  esp.upload("fabmqtt", bundle);
  esp.upload("fabmqtt.json", JSON.stringify(config));
  esp.pins.dht22("D4", { temp, rh: 45.2 });
  const started = esp.run(BOOT_CODE);
  assert.equal(typeof started, "object", "start() gave " + String(started) + "\n" + esp.console.join("\n"));
  return esp;
}

describe("the board bundle in the Espruino stand-in against mosquitto", function () {
  this.timeout(30000);
  let broker: Mosquitto;
  let esp: EspruinoContext | null = null;
  let watcher: LiveClient;
  before(async () => {
    broker = await startMosquitto();
  });
  after(async () => {
    await broker.stop();
  });
  afterEach(() => {
    esp?.dispose();
    esp = null;
    closeLiveClients();
  });
  /** A client of the broker that takes everything under `base`. */
  async function watch(clientId: string, base: string): Promise<LiveClient> {
    const w = startLiveClient(broker.port, { clientId });
    w.client.subscribe(base + "/#", 1);
    await waitFor(() => w.subacks.length === 1, "the watcher's subscription");
    return w;
  }

  for (const [boardId, file, mode] of [
    ["esp8266-nodemcu", "fabmqtt.min.js", "esp8266"],
    ["esp32-devkitc", "fabmqtt.js", "esp32"],
  ] as const) {
    it(`${boardId}/${file}: start() joins, connects, publishes a DHT22 reading, obeys a command, and rejoins after a WiFi loss`, async function () {
      const device = "standin-" + mode;
      const base = "sa" + process.pid;
      const topic = (t: string) => base + "/" + device + "/" + t;
      watcher = await watch("watch-" + mode, base);
      const got = (t: string) => watcher.messages.filter((m) => m.topic === topic(t)).map((m) => m.payload.toString("latin1"));

      const bundle = path.join(import.meta.dirname, "..", "..", "dist", boardId, file);
      assert.ok(fs.existsSync(bundle), bundle + " is missing: run npm run build");
      const config = deviceConfig(broker.port, device, base, { actuators: [{ name: "relay", kind: "relay", pin: "D5", safe: "off" }] });
      esp = startBundle(mode, fs.readFileSync(bundle, "utf8"), config, 21.5);
      await waitFor(() => got("status").includes("online") && got("telemetry/climate").length > 0, "online and a reading");
      assert.deepEqual(JSON.parse(got("telemetry/climate")[0]), { temperature: 21.5, humidity: 45.2 });

      watcher.client.publish(topic("set/relay"), "ON", 1, false);
      await waitFor(() => got("state/relay").includes("ON"), "the relay's new state");
      assert.equal(esp.pins.level("D5"), 1);

      // The access point goes: the broker sees the connection die and sends the will.
      esp.wifi.setAvailable(false);
      await waitFor(() => got("status").includes("offline"), "the will");
      // The ESP32 driver retries silently before it tells: the safe state follows its event.
      await waitFor(() => esp!.pins.level("D5") === 0, "the relay in its safe state");
      esp.wifi.setAvailable(true);
      await waitFor(() => got("status").filter((s) => s === "online").length === 2, "online again", 20000);
      assert.deepEqual(esp.uncaught.map(String), []);
      assert.ok(!esp.console.some((l) => l.indexOf("Uncaught") >= 0), esp.console.join("\n"));
    });
  }

  it("esp8266-nodemcu/fabmqtt.min.js: a retained command on a 200-byte topic under set/ (over the board's packet limit) gives one connect and no reconnect", async function () {
    const device = "standin-big";
    const base = "sb" + process.pid;
    const topic = (t: string) => base + "/" + device + "/" + t;
    watcher = await watch("watch-big", base + "/" + device + "/status");
    const statuses = () => watcher.messages.map((m) => m.payload.toString("latin1"));
    const big = topic("set/" + "r".repeat(200));
    await mosquittoPub(["-p", String(broker.port), "-t", big, "-m", "ON", "-q", "1", "-r"]);
    const bundle = fs.readFileSync(path.join(import.meta.dirname, "..", "..", "dist", "esp8266-nodemcu", "fabmqtt.min.js"), "utf8");
    esp = startBundle("esp8266", bundle, deviceConfig(broker.port, device, base, { actuators: [{ name: "relay", kind: "relay", pin: "D5" }] }), 21);
    await waitFor(() => statuses().includes("online"), "online");
    // Before, the client dropped the connection at every connect while the message was retained.
    await new Promise((r) => setTimeout(r, 6000));
    assert.deepEqual(statuses(), ["online"], "one connect, no will, no reconnect");
    assert.deepEqual(esp.uncaught.map(String), []);
    await mosquittoPub(["-p", String(broker.port), "-t", big, "-n", "-r"]);
  });

  for (const [boardId, file, mode] of [
    ["esp8266-nodemcu", "fabmqtt.min.js", "esp8266"],
    ["esp32-devkitc", "fabmqtt.min.js", "esp32"],
  ] as const) {
    it(`${boardId}/${file}: start() closes the telnet console, unless the configuration says console: "telnet"`, () => {
      const bundle = fs.readFileSync(path.join(import.meta.dirname, "..", "..", "dist", boardId, file), "utf8");
      for (const [console, expected] of [
        [undefined, "off"],
        ["telnet", "on"],
      ] as const) {
        const config = deviceConfig(broker.port, "standin-console", "sc" + process.pid, { sensors: [], console });
        esp = startBundle(mode, bundle, config, 20);
        assert.equal(esp.telnet.mode(), expected, JSON.stringify(esp.telnet.calls));
        assert.deepEqual(esp.uncaught.map(String), []);
        esp.dispose();
        esp = null;
      }
    });
  }

  describe("esp8266-nodemcu/fabmqtt.min.js under bursts of commands", () => {
    const base = "sb" + process.pid;
    // Each test has a device of its own: no retained state of one reaches another.
    let device = "";
    let runs = 0;
    const topic = (t: string) => base + "/" + device + "/" + t;
    let got: (t: string) => string[];
    /** The ESP8266 bundle with a relay on D5 (`relay` adds to it), online with its first state published. */
    async function startRelay(relay: object): Promise<EspruinoContext> {
      device = "standin-burst" + ++runs;
      watcher = await watch("watch-burst", base);
      got = (t) => watcher.messages.filter((m) => m.topic === topic(t)).map((m) => m.payload.toString("latin1"));
      const bundle = fs.readFileSync(path.join(import.meta.dirname, "..", "..", "dist", "esp8266-nodemcu", "fabmqtt.min.js"), "utf8");
      const config = deviceConfig(broker.port, device, base, { sensors: [], actuators: [{ name: "relay", kind: "relay", pin: "D5", safe: "off", ...relay }] });
      const e = startBundle("esp8266", bundle, config, 20);
      await waitFor(() => got("status").includes("online") && got("state/relay").length === 1, "online with the relay's state");
      return e;
    }
    /** The retained state/relay, as a late subscriber gets it. */
    async function retainedState(): Promise<string> {
      const late = startLiveClient(broker.port, { clientId: "late-burst" });
      late.client.subscribe(topic("state/relay"), 1);
      await waitFor(() => late.messages.length === 1, "the retained state");
      return late.messages[0].payload.toString("latin1");
    }

    it("stays connected through 60 bad commands followed by ON: the relay is ON and so is the retained state", async () => {
      esp = await startRelay({});
      for (let i = 0; i < 60; i++) watcher.client.publish(topic("set/relay"), "maybe", 1, false);
      watcher.client.publish(topic("set/relay"), "ON", 1, false);
      await waitFor(() => got("state/relay").includes("ON") || got("status").includes("offline"), "the relay's new state");
      await new Promise((r) => setTimeout(r, 1500));
      assert.deepEqual(got("status"), ["online"], "never offline:\n" + esp.console.join("\n"));
      assert.equal(esp.pins.level("D5"), 1);
      assert.equal(await retainedState(), "ON");
      assert.ok(got("error").length >= 1 && got("error").length < 10, "error replies limited: " + got("error").length);
      assert.deepEqual(esp.uncaught.map(String), []);
    });

    it("leaves the retained state ON, as the pin, after 11 alternating QoS 1 commands ending in ON", async () => {
      // No switching interval: each command is applied, and the client's queue (8 messages) refuses some states.
      esp = await startRelay({ minSwitchMs: 0 });
      for (let i = 0; i < 11; i++) watcher.client.publish(topic("set/relay"), i % 2 === 0 ? "ON" : "OFF", 1, false);
      await waitFor(() => watcher.published.length >= 11, "the commands at the broker");
      await new Promise((r) => setTimeout(r, 1500));
      assert.equal(esp.pins.level("D5"), 1);
      assert.equal(await retainedState(), "ON");
      assert.deepEqual(got("status"), ["online"]);
    });

    it("switches the relay at most once per 500 ms through a burst of TOGGLEs, and ends as they ask", async () => {
      esp = await startRelay({});
      const writes = () => esp!.pins.log.filter((e) => e.pin === "D5" && e.kind === "write");
      const before = writes().length;
      // 1,001 TOGGLEs in 11 bursts of 91, one every 100 ms.
      const sender = startLiveClient(broker.port, { clientId: "toggler", inflightWindow: 64, queueSize: 1200 });
      await waitFor(() => sender.client.state() === 3, "the sender connected");
      for (let k = 0; k < 11; k++) {
        for (let i = 0; i < 91; i++) sender.client.publish(topic("set/relay"), "TOGGLE", 1, false);
        await new Promise((r) => setTimeout(r, 100));
      }
      await waitFor(() => sender.published.length === 1001, "the TOGGLEs at the broker", 20000);
      await new Promise((r) => setTimeout(r, 1500));
      const switches = writes().slice(before);
      assert.ok(switches.length >= 1, "switched at all");
      for (let i = 1; i < switches.length; i++) {
        const gap = (switches[i].at as number) - (switches[i - 1].at as number);
        assert.ok(gap >= 0.5, "switched " + Math.round(gap * 1000) + " ms after the switch before (" + switches.length + " switches)");
      }
      assert.equal(esp.pins.level("D5"), 1, "an odd number of TOGGLEs from OFF");
      assert.equal(await retainedState(), "ON");
      assert.deepEqual(got("status"), ["online"]);
    });
  });

  it("esp8266-nodemcu/fabmqtt.min.js: with delta, publishes a DHT22 reading only once it moved; answers a 10,000-byte command on error; sends diag", async function () {
    const device = "standin-change";
    const base = "sc" + process.pid;
    const topic = (t: string) => base + "/" + device + "/" + t;
    watcher = await watch("watch-change", base);
    const got = (t: string) => watcher.messages.filter((m) => m.topic === topic(t)).map((m) => m.payload.toString("latin1"));
    const bundle = fs.readFileSync(path.join(import.meta.dirname, "..", "..", "dist", "esp8266-nodemcu", "fabmqtt.min.js"), "utf8");
    const config = deviceConfig(broker.port, device, base, {
      sensors: [{ name: "climate", kind: "dht22", pin: "D4", period: 2, delta: 1 }],
      actuators: [{ name: "relay", kind: "relay", pin: "D5" }],
    });
    esp = startBundle("esp8266", bundle, config, 21);
    await waitFor(() => got("telemetry/climate").length === 1, "a first reading");
    await new Promise((r) => setTimeout(r, 5000));
    assert.equal(got("telemetry/climate").length, 1, "unchanged readings are not published");
    esp.pins.dht22("D4", { temp: 22.5, rh: 45.2 });
    await waitFor(() => got("telemetry/climate").length === 2, "the changed reading");
    assert.deepEqual(JSON.parse(got("telemetry/climate")[1]), { temperature: 22.5, humidity: 45.2 });
    watcher.client.publish(topic("set/relay"), "A".repeat(10000), 1, false);
    await waitFor(() => got("error").length === 1, "the answer on error");
    assert.deepEqual(JSON.parse(got("error")[0]), { source: "command", code: -112 });
    assert.deepEqual(got("status"), ["online"], "no reconnect");
    // The diagnostics, sent at the connect: the build's commit, and free variables from process.memory().
    const diag = JSON.parse(got("diag")[0]);
    assert.equal(diag.board, "esp8266-nodemcu");
    assert.match(diag.fw, /^\d+\.\d+\.\d+\+([0-9a-f]{7,}\+?|unknown)$/);
    assert.equal(typeof diag.free, "number");
    assert.equal(diag.reconnects, 0);
    assert.deepEqual([diag.error, diag.errorName], [0, "E_OK"]);
    assert.deepEqual(esp.uncaught.map(String), []);
  });

  it("esp8266-nodemcu/fabmqtt.min.js: takes a group command; on cmd/restart says offline and calls load(), and boots again from the same Storage", async function () {
    const device = "standin-restart";
    const base = "sr" + process.pid;
    const topic = (t: string) => base + "/" + device + "/" + t;
    watcher = await watch("watch-restart", base);
    const got = (t: string) => watcher.messages.filter((m) => m.topic === topic(t)).map((m) => m.payload.toString("latin1"));
    const bundle = fs.readFileSync(path.join(import.meta.dirname, "..", "..", "dist", "esp8266-nodemcu", "fabmqtt.min.js"), "utf8");
    const storageFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "fabmqtt-restart-")), "storage.json");
    const config = deviceConfig(broker.port, device, base, { actuators: [{ name: "relay", kind: "relay", pin: "D5" }] });
    esp = startBundle("esp8266", bundle, config, 21, storageFile);
    await waitFor(() => got("status").length === 1, "online");
    watcher.client.publish(base + "/all/set/relay", "ON", 1, false);
    await waitFor(() => got("state/relay").includes("ON"), "the group command obeyed");
    watcher.client.publish(topic("cmd/restart"), "1", 1, false);
    await waitFor(() => esp!.loads() === 1, "load()");
    assert.deepEqual(got("status"), ["online", "offline"]);
    // The stand-in stops at load(): the boot file runs in a fresh context on the same Storage, as on the board.
    esp.dispose();
    esp = startBundle("esp8266", bundle, config, 21, storageFile);
    await waitFor(() => got("status").length === 3, "online again");
    assert.deepEqual(got("status"), ["online", "offline", "online"]);
    assert.deepEqual(esp.uncaught.map(String), []);
  });

  it("esp8266-nodemcu/fabmqtt.min.js: sends discovery, its diagnostic entities included, and again on cmd/discovery", async function () {
    const device = "standin-disc";
    const base = "sd" + process.pid;
    const prefix = "ha" + process.pid;
    watcher = await watch("watch-disc", prefix);
    const bundle = fs.readFileSync(path.join(import.meta.dirname, "..", "..", "dist", "esp8266-nodemcu", "fabmqtt.min.js"), "utf8");
    const config = deviceConfig(broker.port, device, base, { discovery: prefix, actuators: [{ name: "relay", kind: "relay", pin: "D5" }] });
    esp = startBundle("esp8266", bundle, config, 21);
    // A DHT22 (two sensors), a relay, and diag's seven fields.
    const entities = 2 + 1 + 7;
    await waitFor(() => watcher.messages.length === entities, "discovery");
    const diag = watcher.messages.filter((m) => JSON.parse(m.payload.toString("latin1")).ent_cat === "diagnostic");
    assert.equal(diag.length, 7);
    assert.match(JSON.parse(watcher.messages[0].payload.toString("latin1")).dev.sw, /^\d+\.\d+\.\d+\+/);
    watcher.client.publish(base + "/" + device + "/cmd/discovery", "1", 1, false);
    await waitFor(() => watcher.messages.length === 2 * entities, "discovery again");
    assert.deepEqual(esp.uncaught.map(String), []);
  });

  it("esp8266-nodemcu/fabmqtt.min.js: config/set answered and restarted into; a change that cannot connect is dropped at the next boot", async function () {
    const device = "standin-config";
    const base = "scf" + process.pid;
    const topic = (t: string) => base + "/" + device + "/" + t;
    watcher = await watch("watch-config", base);
    const got = (t: string) => watcher.messages.filter((m) => m.topic === topic(t)).map((m) => m.payload.toString("latin1"));
    const bundle = fs.readFileSync(path.join(import.meta.dirname, "..", "..", "dist", "esp8266-nodemcu", "fabmqtt.min.js"), "utf8");
    const storageFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "fabmqtt-config-")), "storage.json");
    const config = deviceConfig(broker.port, device, base, {});
    esp = startBundle("esp8266", bundle, config, 21, storageFile);
    await waitFor(() => got("config").length === 1, "the configuration shown");
    assert.equal(JSON.parse(got("config")[0]).wifi.password, "***");
    // A refused change: answered, nothing restarts.
    watcher.client.publish(topic("config/set"), '{"sensors":[{"name":"x","kind":"dht22","pin":"D99","period":2}]}', 1, false);
    await waitFor(() => got("config/result").length === 1, "the refusal");
    assert.equal(JSON.parse(got("config/result")[0]).field, "sensors[0].pin");
    // A sound one whose broker cannot be reached (port 1: nothing listens there).
    watcher.client.publish(topic("config/set"), '{"broker":{"port":1}}', 1, false);
    await waitFor(() => esp!.loads() === 1, "load() into the new configuration");
    assert.deepEqual(JSON.parse(got("config/result")[1]), { ok: true });
    esp.dispose();
    esp = startBundle("esp8266", bundle, config, 21, storageFile);
    await new Promise((r) => setTimeout(r, 1000));
    assert.deepEqual(got("status"), ["online", "offline"], "the trial did not reach the broker");
    // A power cut before it did: the next boot goes back to the configuration in force.
    esp.dispose();
    esp = startBundle("esp8266", bundle, config, 21, storageFile);
    await waitFor(() => got("config/result").length === 3, "the rollback said");
    assert.equal(JSON.parse(got("config/result")[2]).code, -403);
    assert.deepEqual(got("status"), ["online", "offline", "online"]);
    assert.deepEqual(esp.uncaught.map(String), []);
  });

  it("esp8266-nodemcu/fabmqtt.min.js with sleep: reads, publishes at QoS 1, and calls ESP8266.deepSleep once acknowledged; the wake is a boot", async function () {
    const device = "standin-sleep";
    const base = "ss" + process.pid;
    const topic = (t: string) => base + "/" + device + "/" + t;
    watcher = await watch("watch-sleep", base);
    const got = (t: string) => watcher.messages.filter((m) => m.topic === topic(t)).map((m) => m.payload.toString("latin1"));
    const bundle = fs.readFileSync(path.join(import.meta.dirname, "..", "..", "dist", "esp8266-nodemcu", "fabmqtt.min.js"), "utf8");
    const storageFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "fabmqtt-sleep-")), "storage.json");
    const config = deviceConfig(broker.port, device, base, { sleep: 60 });
    esp = startBundle("esp8266", bundle, config, 21, storageFile);
    await waitFor(() => esp!.sleeps().length === 1, "deep sleep");
    assert.deepEqual(esp.sleeps(), [60 * 1000 * 1000]);
    assert.deepEqual(JSON.parse(got("telemetry/climate")[0]), { temperature: 21, humidity: 45.2 });
    assert.ok(watcher.messages.filter((m) => m.topic === topic("telemetry/climate")).every((m) => m.qos === 1));
    assert.match(esp.console.join("\n"), /awake \d+ ms, sleeping 60 s/);
    assert.deepEqual(got("status"), ["online"], "no offline before sleeping");
    // The wake: the chip starts from its boot code.
    esp.dispose();
    esp = startBundle("esp8266", bundle, config, 22, storageFile);
    await waitFor(() => esp!.sleeps().length === 1, "deep sleep after the second wake");
    assert.deepEqual(
      got("telemetry/climate").map((t) => JSON.parse(t).temperature),
      [21, 22],
    );
    assert.deepEqual(esp.uncaught.map(String), []);
  });

  it("esp8266-nodemcu/fabmqtt.min.js with persist: readings queued offline are saved, and sent after a power cut and a restart", async function () {
    const device = "standin-persist";
    const base = "sp" + process.pid;
    const topic = (t: string) => base + "/" + device + "/" + t;
    watcher = await watch("watch-persist", base);
    const readings = () =>
      watcher.messages.filter((m) => m.topic === topic("telemetry/climate")).map((m) => JSON.parse(m.payload.toString("latin1")).temperature);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fabmqtt-persist-"));
    const storageFile = path.join(dir, "storage.json");
    const bundle = fs.readFileSync(path.join(import.meta.dirname, "..", "..", "dist", "esp8266-nodemcu", "fabmqtt.min.js"), "utf8");
    const config = deviceConfig(broker.port, device, base, { persist: true, offline: "queue" });
    esp = startBundle("esp8266", bundle, config, 20, storageFile);
    await waitFor(() => readings().includes(20), "a first reading");
    // Offline, readings are queued, and the session file written (at most every 5 s).
    esp.wifi.setAvailable(false);
    esp.pins.dht22("D4", { temp: 30, rh: 40 });
    const saved = () => esp!.storage.get("fabmqtt.ses") || "";
    await waitFor(() => saved().indexOf("temperature") >= 0 && saved().indexOf("30") >= 0, "queued readings in the session file", 15000);
    assert.ok(!readings().includes(30), "nothing reached the broker while offline");
    // A power cut: the context goes, Storage (its file) stays.
    esp.dispose();
    esp = startBundle("esp8266", bundle, config, 40, storageFile);
    await waitFor(() => readings().includes(30), "a reading saved before the cut", 15000);
    await waitFor(() => readings().includes(40), "a reading after the restart");
    assert.deepEqual(esp.uncaught.map(String), []);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
