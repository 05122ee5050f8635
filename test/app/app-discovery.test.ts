/**
 * Home Assistant MQTT discovery messages, checked against the format Home
 * Assistant documents (integrations/mqtt: discovery topic, abbreviations,
 * device block, availability; the sensor, binary_sensor, switch and light
 * platforms), then sent by the device to a real mosquitto.
 */
import assert from "node:assert/strict";
import { findBoard } from "../../boards/index";
import { toDeviceBoard } from "../../boards/device-view";
import { CONFIG_FILE, type Config } from "../../firmware/app/config";
import { discoveryCount, discoveryMessage, type DiscoveryMessage } from "../../firmware/app/discovery";
import { boot } from "../../firmware/app/boot";
import { topicRoot } from "../../firmware/app/topics";
import { firmwareVersion, PACKAGE_VERSION } from "../../firmware/app/version";
import fs from "node:fs";
import path from "node:path";
import type { Device } from "../../firmware/app/device";
import { createNodeHal } from "../../hal/node/index";
import { startMosquitto, type Mosquitto } from "../../scripts/support/mosquitto";
import { closeLiveClients, startLiveClient, waitFor } from "../../scripts/support/live-client";

// Home Assistant's documented abbreviations for the keys used here.
const ABBREVIATIONS: Record<string, string> = {
  avty_t: "availability_topic",
  pl_avail: "payload_available",
  pl_not_avail: "payload_not_available",
  stat_t: "state_topic",
  cmd_t: "command_topic",
  uniq_id: "unique_id",
  dev: "device",
  val_tpl: "value_template",
  unit_of_meas: "unit_of_measurement",
  dev_cla: "device_class",
  stat_cla: "state_class",
  pl_on: "payload_on",
  pl_off: "payload_off",
  stat_val_tpl: "state_value_template",
  bri_cmd_t: "brightness_command_topic",
  bri_stat_t: "brightness_state_topic",
  bri_scl: "brightness_scale",
  on_cmd_type: "on_command_type",
  ent_cat: "entity_category",
  exp_aft: "expire_after",
};
const DEVICE_ABBREVIATIONS: Record<string, string> = { ids: "identifiers", mf: "manufacturer", mdl: "model", name: "name", sw: "sw_version" };
const TOPIC_KEYS = ["availability_topic", "state_topic", "command_topic", "brightness_command_topic", "brightness_state_topic"];

/** Expands abbreviations and "~" the way Home Assistant does; fails on a key it would not know. */
function expand(payload: string): Record<string, any> {
  const raw = JSON.parse(payload);
  const base: string = raw["~"];
  const out: Record<string, any> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (k === "~") continue;
    const key = ABBREVIATIONS[k] ?? k;
    assert.ok(key === "name" || Object.values(ABBREVIATIONS).includes(key), "unknown key " + k);
    out[key] = v;
  }
  for (const key of TOPIC_KEYS) if (typeof out[key] === "string") out[key] = out[key].replace(/^~/, base);
  const dev: Record<string, any> = {};
  for (const [k, v] of Object.entries(out.device)) {
    assert.ok(k in DEVICE_ABBREVIATIONS, "unknown device key " + k);
    dev[DEVICE_ABBREVIATIONS[k]] = v;
  }
  out.device = dev;
  return out;
}

function config(port = 1883): Config {
  return {
    wifi: { ssid: "fablab", password: "w" },
    broker: { host: "127.0.0.1", port, username: "board", password: "p" },
    device: "bench-2",
    base: "fab",
    sensors: [
      { name: "climate", kind: "dht22", pin: "D4", period: 30 },
      { name: "probe", kind: "ds18b20", pin: "D13", period: 30 },
      { name: "light", kind: "analog", pin: "A0", period: 10 },
      { name: "door", kind: "digital", pin: "D12", period: 60 },
    ],
    actuators: [
      { name: "relay", kind: "relay", pin: "D5" },
      { name: "led", kind: "led", pin: "D2" },
      { name: "fan", kind: "pwm", pin: "D14" },
    ],
  };
}

const DIAG_TOPICS = ["uptime", "free_memory", "wifi_signal", "reconnects", "last_error", "sent", "dropped"].map(
  (id) => "homeassistant/sensor/bench-2/" + id + "/config",
);

/** Every discovery message of `c`, from a bundle of version `version` ("dev": a host build has none). */
function all(c: Config, version = "v-test"): DiscoveryMessage[] {
  const out: DiscoveryMessage[] = [];
  for (let k = 0; ; k++) {
    const m = { topic: "", payload: "" };
    if (!discoveryMessage(c, topicRoot(c), { id: "esp8266-nodemcu", version }, k, m)) break;
    out.push(m);
  }
  return out;
}

describe("app: Home Assistant discovery messages", () => {
  const c = config();
  const messages = all(c);
  const byTopic = new Map(messages.map((m) => [m.topic, expand(m.payload)]));

  it("makes one message per entity, on <prefix>/<component>/<device>/<entity>/config", () => {
    assert.equal(messages.length, discoveryCount(c));
    assert.deepEqual(
      messages.map((m) => m.topic),
      [
        "homeassistant/sensor/bench-2/climate_temperature/config",
        "homeassistant/sensor/bench-2/climate_humidity/config",
        "homeassistant/sensor/bench-2/probe/config",
        "homeassistant/sensor/bench-2/light/config",
        "homeassistant/binary_sensor/bench-2/door/config",
        "homeassistant/switch/bench-2/relay/config",
        "homeassistant/light/bench-2/led/config",
        "homeassistant/light/bench-2/fan/config",
        ...DIAG_TOPICS,
      ],
    );
  });

  it("in battery mode, lets each sensor's reading expire after two sleeps without one, and nothing else", () => {
    const sleeping = all({ ...c, sleep: 600 }).map((m) => [m.topic, expand(m.payload)] as const);
    const sensors = sleeping.filter(([, e]) => /telemetry/.test(e.state_topic || ""));
    assert.equal(sensors.length, 5);
    for (const [topic, e] of sensors) assert.equal(e.expire_after, 2 * 600 + 60, topic);
    for (const [topic, e] of sleeping) if (!sensors.some(([t]) => t === topic)) assert.equal(e.expire_after, undefined, topic);
    for (const [, e] of byTopic) assert.equal(e.expire_after, undefined);
  });

  it("gives the firmware's version as sw_version: the package's, then the commit; the package's is package.json's", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, "..", "..", "package.json"), "utf8"));
    assert.equal(PACKAGE_VERSION, pkg.version);
    assert.equal(firmwareVersion({ version: "c7f71f5" }), pkg.version + "+c7f71f5");
    assert.equal(firmwareVersion({}), pkg.version + "+dev");
  });

  it("lists the fields of diag as diagnostic sensors of the device, and none with diagPeriod 0", () => {
    const up = byTopic.get(DIAG_TOPICS[0])!;
    assert.equal(up.state_topic, "fab/bench-2/diag");
    assert.equal(up.value_template, "{{value_json.up}}");
    assert.equal(up.entity_category, "diagnostic");
    assert.deepEqual([up.unit_of_measurement, up.device_class], ["s", "duration"]);
    const rssi = byTopic.get(DIAG_TOPICS[2])!;
    assert.deepEqual([rssi.value_template, rssi.unit_of_measurement, rssi.device_class], ["{{value_json.rssi}}", "dBm", "signal_strength"]);
    // Every template names a field the device's diag carries.
    const fields = DIAG_TOPICS.map((t) => /value_json\.(\w+)/.exec(byTopic.get(t)!.value_template)![1]);
    assert.deepEqual(fields, ["up", "free", "rssi", "reconnects", "error", "sent", "dropped"]);
    for (const t of DIAG_TOPICS) assert.equal(byTopic.get(t)!.entity_category, "diagnostic", t);
    const quiet = all({ ...c, diagPeriod: 0 });
    assert.equal(quiet.length, discoveryCount({ ...c, diagPeriod: 0 }));
    assert.equal(quiet.length, messages.length - DIAG_TOPICS.length);
    assert.ok(quiet.every((m) => !m.payload.includes("~diag")));
  });

  it("gives every entity a unique id, the device block and availability tied to the status topic and the will", () => {
    const ids = new Set<string>();
    for (const e of byTopic.values()) {
      assert.ok(!ids.has(e.unique_id));
      ids.add(e.unique_id);
      assert.equal(e.availability_topic, "fab/bench-2/status");
      assert.equal(e.payload_available, "online");
      assert.equal(e.payload_not_available, "offline");
      assert.deepEqual(e.device, {
        identifiers: ["fabmqtt_bench-2"],
        name: "bench-2",
        manufacturer: "fabmqtt",
        model: "esp8266-nodemcu",
        sw_version: "0.1.0+v-test",
      });
    }
  });

  it("points sensors at the telemetry JSON with templates, classes and units", () => {
    const t = byTopic.get("homeassistant/sensor/bench-2/climate_temperature/config")!;
    assert.equal(t.state_topic, "fab/bench-2/telemetry/climate");
    assert.equal(t.device_class, "temperature");
    assert.equal(t.unit_of_measurement, "°C");
    assert.equal(t.value_template, "{{value_json.temperature}}");
    const h = byTopic.get("homeassistant/sensor/bench-2/climate_humidity/config")!;
    assert.equal(h.device_class, "humidity");
    assert.equal(h.unit_of_measurement, "%");
    assert.equal(h.value_template, "{{value_json.humidity}}");
    const door = byTopic.get("homeassistant/binary_sensor/bench-2/door/config")!;
    assert.equal(door.value_template, "{{value_json.state}}");
    assert.equal(door.payload_on, 1);
  });

  it("gives actuators command and state topics with the payloads the device accepts and publishes", () => {
    const relay = byTopic.get("homeassistant/switch/bench-2/relay/config")!;
    assert.equal(relay.command_topic, "fab/bench-2/set/relay");
    assert.equal(relay.state_topic, "fab/bench-2/state/relay");
    assert.deepEqual([relay.payload_on, relay.payload_off], ["ON", "OFF"]);
    const fan = byTopic.get("homeassistant/light/bench-2/fan/config")!;
    assert.equal(fan.brightness_command_topic, "fab/bench-2/set/fan");
    assert.equal(fan.brightness_scale, 100);
    assert.equal(fan.on_command_type, "brightness");
  });

  it("keeps every message ASCII and a few hundred bytes", () => {
    for (const m of messages) {
      assert.match(m.payload, /^[\x20-\x7e]+$/);
      assert.ok(m.payload.length < 600, m.topic + " " + m.payload.length);
    }
  });
});

describe("app: discovery sent by the device to mosquitto", function () {
  this.timeout(20000);
  let broker: Mosquitto;
  let device: Device | null = null;
  before(async () => {
    broker = await startMosquitto();
  });
  after(async () => {
    if (device) device.stop();
    closeLiveClients();
    await broker.stop();
  });

  it("sends every message retained after connecting, and again when Home Assistant says online", async () => {
    const c = config(broker.port);
    c.broker = { host: "127.0.0.1", port: broker.port };
    const board = findBoard("esp8266-nodemcu")!;
    const hal = createNodeHal(board, { password: "w" });
    hal.storage.write(CONFIG_FILE, JSON.stringify(c));
    device = boot(hal, toDeviceBoard(board)) as Device;
    assert.equal(typeof device, "object", hal.log.lines.join("\n"));
    const ha = startLiveClient(broker.port, { clientId: "ha" });
    ha.client.subscribe("homeassistant/+/bench-2/+/config", 1);
    await waitFor(() => ha.messages.length === discoveryCount(c), "discovery");
    assert.ok(
      ha.messages.every((m) => m.qos === 0),
      "sent at QoS 0: nothing kept in the outbox",
    );
    assert.deepEqual(
      ha.messages.map((m) => m.payload.toString()).sort(),
      all(c, "dev")
        .map((m) => m.payload)
        .sort(),
    );
    // A late subscriber gets them retained.
    const late = startLiveClient(broker.port, { clientId: "late" });
    late.client.subscribe("homeassistant/#", 1);
    await waitFor(() => late.messages.length === discoveryCount(c), "retained discovery");
    assert.ok(late.messages.every((m) => m.retain));
    ha.client.publish("homeassistant/status", "online", 1, false);
    await waitFor(() => ha.messages.length === 2 * discoveryCount(c), "discovery again");
    ha.client.publish("homeassistant/status", "offline", 1, false);
    await new Promise((r) => setTimeout(r, 700));
    assert.equal(ha.messages.length, 2 * discoveryCount(c), "only 'online' asks for discovery");
  });

  it("sends none when discovery is turned off", async () => {
    const c = { ...config(broker.port), device: "quiet", discovery: "" };
    c.broker = { host: "127.0.0.1", port: broker.port };
    const board = findBoard("esp8266-nodemcu")!;
    const hal = createNodeHal(board, { password: "w" });
    hal.storage.write(CONFIG_FILE, JSON.stringify(c));
    const quiet = boot(hal, toDeviceBoard(board)) as Device;
    const ha = startLiveClient(broker.port, { clientId: "ha2" });
    ha.client.subscribe("homeassistant/#", 1);
    ha.client.subscribe("fab/quiet/status", 1);
    await waitFor(() => ha.messages.some((m) => m.topic === "fab/quiet/status"), "quiet device online");
    await new Promise((r) => setTimeout(r, 1000));
    quiet.stop();
    assert.equal(ha.messages.filter((m) => m.topic.indexOf("/quiet/") > 0 && m.topic.startsWith("homeassistant/")).length, 0);
  });
});
