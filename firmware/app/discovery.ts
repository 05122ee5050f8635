import type { DeviceConfig } from "./config";
import { firmwareVersion } from "./version";

/**
 * Home Assistant MQTT discovery: one retained message per entity (not one per
 * device: each stays a few hundred bytes, so an ESP8266 builds and sends one
 * at a time), on `<prefix>/<component>/<device>/<entity>/config`, with
 * Home Assistant's documented key abbreviations ("~" for the device's topic
 * root, stat_t, cmd_t, avty_t, uniq_id, dev, ...). Entities:
 *   dht22 -> sensor temperature + sensor humidity; ds18b20 -> sensor temperature;
 *   analog -> sensor (0..1); digital -> binary_sensor;
 *   relay -> switch; led -> light (on/off); pwm -> light with brightness 0..100;
 *   and, unless diagPeriod is 0, the fields of <root>diag as diagnostic sensors
 *   (uptime, free memory, WiFi signal, reconnects, last error, sent, dropped).
 * The device info carries the board as model and the firmware's version (firmwareVersion) as sw_version.
 * Availability is the device's status topic (online / offline, the will).
 * In battery mode (`sleep`) a sensor's reading expires (expire_after) after
 * two sleeps without one.
 * Payloads are ASCII ("°C" is written as the JSON escape \u00b0C), so they
 * are the same bytes on an 8-bit-string Espruino and on Node.
 */

/**
 * The diagnostic entities, one "<id>:<field of diag>:<unit>:<device class>"
 * each: text in the code rather than a table, which would stay in memory.
 */
const DIAG_ENTITIES =
  "uptime:up:s:duration,free_memory:free,wifi_signal:rssi:dBm:signal_strength,reconnects:reconnects,last_error:error,sent:sent,dropped:dropped";

/** How many discovery messages a configuration makes. Never fails. */
export function discoveryCount(c: DeviceConfig): number {
  let n = (c.actuators || []).length + (c.diagPeriod === 0 ? 0 : DIAG_ENTITIES.split(",").length);
  const sensors = c.sensors || [];
  for (let i = 0; i < sensors.length; i++) n += sensors[i].kind === "dht22" ? 2 : 1;
  return n;
}

/** The topic and payload of a discovery message; the record is reused. */
export interface DiscoveryMessage {
  topic: string;
  payload: string;
}

/**
 * Fills `out` with discovery message `k` (0 <= k < discoveryCount(c)) for a
 * device on `board` (its id is the model, its version the sw_version) whose
 * topics start with `root` (topicRoot(c), which the device keeps). Returns
 * false when k is out of range. The device calls it once per message sent, so
 * its helper exists only during the call.
 */
export function discoveryMessage(c: DeviceConfig, root: string, board: { id: string; version?: string }, k: number, out: DiscoveryMessage): boolean {
  function q(s: string): string {
    return '"' + s + '"';
  }
  const prefix = c.discovery === undefined ? "homeassistant" : c.discovery;
  const sensors = c.sensors || [];
  const actuators = c.actuators || [];
  let component = "";
  let id = "";
  let body = "";
  for (let i = 0; i < sensors.length && component === ""; i++) {
    const s = sensors[i];
    const parts = s.kind === "dht22" ? 2 : 1;
    if (k >= parts) {
      k -= parts;
      continue;
    }
    const humidity = s.kind === "dht22" && k === 1;
    id = s.name + (s.kind === "dht22" ? (humidity ? "_humidity" : "_temperature") : "");
    body = ',"stat_t":"~telemetry/' + s.name + '"';
    // Battery mode: a reading comes once a wake; it expires after two sleeps missed, not while the board sleeps.
    if (c.sleep) body += ',"exp_aft":' + (2 * c.sleep + 60);
    if (s.kind === "digital") {
      component = "binary_sensor";
      body += ',"val_tpl":"{{value_json.state}}","pl_on":1,"pl_off":0';
    } else {
      component = "sensor";
      if (s.kind === "analog") body += ',"val_tpl":"{{value_json.value}}","stat_cla":"measurement"';
      else if (humidity) body += ',"dev_cla":"humidity","unit_of_meas":"%","val_tpl":"{{value_json.humidity}}","stat_cla":"measurement"';
      else body += ',"dev_cla":"temperature","unit_of_meas":"\\u00b0C","val_tpl":"{{value_json.temperature}}","stat_cla":"measurement"';
    }
  }
  if (component === "" && k >= actuators.length) {
    const diag = c.diagPeriod === 0 ? [] : DIAG_ENTITIES.split(",");
    k -= actuators.length;
    if (k >= diag.length) return false;
    const d = diag[k].split(":");
    id = d[0];
    component = "sensor";
    body =
      ',"stat_t":"~diag","val_tpl":"{{value_json.' +
      d[1] +
      '}}","ent_cat":"diagnostic"' +
      (d[2] ? ',"unit_of_meas":"' + d[2] + '","dev_cla":"' + d[3] + '"' : "");
  }
  if (component === "") {
    const a = actuators[k];
    id = a.name;
    component = a.kind === "relay" ? "switch" : "light";
    body = ',"cmd_t":"~set/' + a.name + '","stat_t":"~state/' + a.name + '"';
    if (a.kind === "pwm")
      body +=
        ',"stat_val_tpl":"{{\'ON\' if value|int > 0 else \'OFF\'}}","bri_cmd_t":"~set/' +
        a.name +
        '","bri_stat_t":"~state/' +
        a.name +
        '","bri_scl":100,"on_cmd_type":"brightness"';
    else body += ',"pl_on":"ON","pl_off":"OFF"';
  }
  out.topic = prefix + "/" + component + "/" + c.device + "/" + id + "/config";
  out.payload =
    '{"~":' +
    q(root) +
    ',"name":' +
    q(id) +
    ',"uniq_id":' +
    q(c.device + "_" + id) +
    ',"avty_t":"~status","pl_avail":"online","pl_not_avail":"offline"' +
    body +
    ',"dev":{"ids":[' +
    q("fabmqtt_" + c.device) +
    '],"name":' +
    q(c.device) +
    ',"mf":"fabmqtt","mdl":' +
    q(board.id) +
    ',"sw":' +
    q(firmwareVersion(board)) +
    "}}";
  return true;
}
