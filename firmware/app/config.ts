import type { DeviceBoard } from "../../boards/types";
import { pinIn } from "../../base/pin-set";

/**
 * The device configuration: JSON in Storage (file CONFIG_FILE), written by
 * `npm run provision` and checked by checkConfig() both there and at boot.
 * Secrets (WiFi and broker passwords) live only here, never in the bundle.
 */
export const CONFIG_FILE = "fabmqtt.json";

export interface SensorConfig {
  /** Topic segment and Home Assistant name: letters, digits, '_' and '-'. */
  name: string;
  kind: "dht22" | "ds18b20" | "analog" | "digital";
  /** Espruino pin name ("D4", "A0"). */
  pin: string;
  /** Seconds between readings (at least 1; 2 for a DHT22, which cannot be read faster). */
  period: number;
  /**
   * Report on change: a reading is published only when a value (either of a
   * DHT22's two) has moved at least this much since the last one published.
   * Without it every reading is published. A digital input publishes its
   * debounced edges too; a `delta` of 1 leaves out the readings in between.
   */
  delta?: number;
  /** With `delta`: seconds after which a reading is published even unchanged (period..86400). */
  maxPeriod?: number;
}

export interface ActuatorConfig {
  name: string;
  /** relay and led: on/off; pwm: a level 0..100 (%). */
  kind: "relay" | "led" | "pwm";
  pin: string;
  /** Drive the pin low for "on" (a relay board with an active-low input, an LED to 3.3 V). */
  activeLow?: boolean;
  /** What to do when the broker is lost: "keep" (default), "off", "on", or a PWM level 0..100. */
  safe?: "keep" | "off" | "on" | number;
  /** The level at boot: "off" (default), "on" or a PWM level. */
  initial?: "off" | "on" | number;
  /**
   * Milliseconds the output stays as it is after a change, 0..3600000: a
   * mechanical relay chatters (and wears) when switched as fast as commands
   * come. Commands inside the interval are coalesced: the level they ask for
   * together is applied once it has passed. Default 500 for a relay, 0 for
   * led and pwm.
   */
  minSwitchMs?: number;
}

export interface Config {
  wifi: { ssid: string; password: string };
  broker: {
    /** The broker; or, with several, `hosts`: exactly one of the two. */
    host?: string;
    /**
     * Several brokers (a cluster's nodes, or a spare), 1 to 8, each "host" or
     * "host:port": the device connects to the first, and moves to the next
     * after a failed connect or a lost connection and its backoff.
     */
    hosts?: string[];
    /** The port of `host`, and of each of `hosts` that names none. */
    port: number;
    tls?: boolean;
    /** CA certificate (PEM) to verify the broker with on the host; Espruino cannot verify certificates. */
    ca?: string;
    /** Turn certificate verification off on the host (it is on by default). */
    insecure?: boolean;
    username?: string;
    password?: string;
    /** Seconds, default 30. */
    keepalive?: number;
  };
  /** Client id and topic segment: letters, digits, '_' and '-'. */
  device: string;
  /** First topic level(s), default "fabmqtt". */
  base?: string;
  /** QoS of telemetry, state and status messages (0, 1, 2), default 1. */
  qos?: number;
  sensors?: SensorConfig[];
  actuators?: ActuatorConfig[];
  /** Obey a command that arrives retained (default false: a stale command from the broker's store is ignored). */
  retainedCommands?: boolean;
  /** Telemetry while offline: "skip" (default) or "queue" (QoS 1/2 wait in the client's bounded queue). */
  offline?: "skip" | "queue";
  /** Keep queued and in-flight QoS 1/2 messages through a power cut (Storage file fabmqtt.ses; a persistent session on the broker). Default false. */
  persist?: boolean;
  /** Home Assistant discovery prefix; "" turns discovery off. Default "homeassistant". */
  discovery?: string;
  /**
   * Espruino's remote console: "off" (default) closes the telnet console on
   * port 23 when the device starts, since anyone on the WiFi could use it to
   * read this file; "telnet" keeps it, for development (docs/console.md).
   */
  console?: "off" | "telnet";
  /** Seconds between the retained diagnostics on <root>diag (also sent at every connect); 0 turns them off. Default 300. */
  diagPeriod?: number;
  /**
   * Battery mode: seconds of deep sleep between wakes (10..86400). Each wake
   * reads every sensor once, connects, publishes, waits (bounded) for the
   * acknowledgements and sleeps again. Absent: always on.
   */
  sleep?: number;
}

/** What the running device keeps of its configuration (device-program.ts): the broker, persist, qos and console are turned into other state. */
export type DeviceConfig = Omit<Config, "broker" | "persist" | "qos" | "console">;

/** A shallow copy of `source` without the fields in `leave`. Never fails. */
export function copyWithout<T extends object, K extends keyof T>(source: T, leave: K[]): Omit<T, K> {
  const copy = {} as { [k: string]: unknown };
  for (const k in source) if (leave.indexOf(k as unknown as K) < 0) copy[k] = source[k];
  return copy as Omit<T, K>;
}

/** Whether `s` is 1 to 32 letters, digits, '_' or '-' (a device, sensor or actuator name). */
export function isName(s: unknown): boolean {
  if (typeof s !== "string" || s.length < 1 || s.length > 32) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const ok = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 45;
    if (!ok) return false;
  }
  return true;
}

interface Taken {
  /** Pin -> the name of what uses it. */
  pins: { [pin: string]: string };
  names: { [name: string]: boolean };
}

/**
 * Checks a parsed configuration against the board. Returns "" when it is
 * sound, else one sentence naming the first bad field
 * ("actuators[1].pin: D6 is not a usable pin on esp8266-nodemcu").
 */
export function checkConfig(c: Config, board: DeviceBoard): string {
  // The helpers live inside: on the board they exist only while a configuration is checked, at boot.
  function isText(s: unknown, min: number, max: number): boolean {
    return typeof s === "string" && s.length >= min && s.length <= max;
  }

  function isInt(n: unknown, min: number, max: number): boolean {
    return typeof n === "number" && Math.floor(n) === n && n >= min && n <= max;
  }

  function isLevel(v: unknown): boolean {
    return v === "off" || v === "on" || isInt(v, 0, 100);
  }

  /** A base topic: levels of names separated by '/', no wildcards, no empty level. */
  function isBase(s: unknown): boolean {
    if (!isText(s, 1, 64)) return false;
    const parts = (s as string).split("/");
    for (let i = 0; i < parts.length; i++) if (!isName(parts[i])) return false;
    return true;
  }

  /** broker.hosts: 1 to 8 entries, each "host" or "host:port" (no IPv6 literal). Returns "" or the sentence. */
  function checkHosts(hosts: unknown): string {
    if (!(hosts instanceof Array) || !isInt(hosts.length, 1, 8)) return 'broker.hosts: 1 to 8 "host" or "host:port"';
    for (let i = 0; i < hosts.length; i++) {
      const part = typeof hosts[i] === "string" ? hosts[i].split(":") : [];
      if (part.length > 2 || !isText(part[0], 1, 253) || (part.length > 1 && !isInt(+part[1], 1, 65535)))
        return "broker.hosts[" + i + ']: "host" or "host:port", port 1..65535';
    }
    return "";
  }

  /** The checks every sensor and actuator share: an object, a fresh name, a free usable pin. Returns "" or the sentence. */
  function checkPlacement(where: string, item: SensorConfig | ActuatorConfig, taken: Taken): string {
    if (!item || typeof item !== "object") return where + ": not an object";
    if (!isName(item.name)) return where + ".name: 1 to 32 letters, digits, '_' or '-'";
    if (taken.names[item.name]) return where + ".name: " + item.name + " is used twice";
    taken.names[item.name] = true;
    const pin = item.pin;
    if (typeof pin !== "string" || !pinIn(board.pins, pin)) return where + ".pin: " + pin + " is not a usable pin on " + board.id;
    if (taken.pins[pin]) return where + ".pin: " + pin + " is already used by " + taken.pins[pin];
    taken.pins[pin] = item.name;
    return "";
  }

  function checkSensor(where: string, s: SensorConfig, taken: Taken): string {
    const placed = checkPlacement(where, s, taken);
    if (placed) return placed;
    if (s.kind !== "dht22" && s.kind !== "ds18b20" && s.kind !== "analog" && s.kind !== "digital") return where + ".kind: dht22, ds18b20, analog or digital";
    if (s.kind === "analog" && !pinIn(board.adc, s.pin)) return where + ".pin: " + s.pin + " has no ADC on " + board.id;
    if (s.kind !== "analog" && s.pin.charAt(0) === "A") return where + ".pin: " + s.pin + " is analog only";
    const least = s.kind === "dht22" ? 2 : 1;
    if (!isInt(s.period, least, 86400)) return where + ".period: seconds " + least + "..86400";
    if (s.delta !== undefined && !(typeof s.delta === "number" && s.delta > 0 && s.delta <= 1000000)) return where + ".delta: a number above 0";
    if (s.maxPeriod !== undefined && s.delta === undefined) return where + ".maxPeriod: needs delta";
    if (s.maxPeriod !== undefined && !isInt(s.maxPeriod, s.period, 86400)) return where + ".maxPeriod: seconds " + s.period + "..86400";
    return "";
  }

  function checkActuator(where: string, a: ActuatorConfig, taken: Taken): string {
    const placed = checkPlacement(where, a, taken);
    if (placed) return placed;
    if (a.kind !== "relay" && a.kind !== "led" && a.kind !== "pwm") return where + ".kind: relay, led or pwm";
    if (pinIn(board.inputOnly, a.pin)) return where + ".pin: " + a.pin + " is input only on " + board.id;
    if (a.activeLow !== undefined && typeof a.activeLow !== "boolean") return where + ".activeLow: true or false";
    if (a.safe !== undefined && a.safe !== "keep" && !isLevel(a.safe)) return where + ".safe: keep, off, on or 0..100";
    if (a.initial !== undefined && !isLevel(a.initial)) return where + ".initial: off, on or 0..100";
    if (a.kind !== "pwm" && (typeof a.safe === "number" || typeof a.initial === "number")) return where + ": levels 0..100 are for pwm";
    if (a.minSwitchMs !== undefined && !isInt(a.minSwitchMs, 0, 3600000)) return where + ".minSwitchMs: milliseconds 0..3600000";
    return "";
  }

  if (!c || typeof c !== "object") return "config: not a JSON object";
  if (!c.wifi || typeof c.wifi !== "object") return "wifi: missing";
  if (board.chip !== "linux" && !isText(c.wifi.ssid, 1, 32)) return "wifi.ssid: 1 to 32 characters";
  if (c.wifi.password !== undefined && !isText(c.wifi.password, 0, 64)) return "wifi.password: at most 64 characters";
  const b = c.broker;
  if (!b || typeof b !== "object") return "broker: missing";
  if (b.hosts !== undefined) {
    if (b.host !== undefined) return "broker.hosts: not with broker.host";
    const problem = checkHosts(b.hosts);
    if (problem) return problem;
  } else if (!isText(b.host, 1, 253)) return "broker.host: 1 to 253 characters";
  if (!isInt(b.port, 1, 65535)) return "broker.port: a whole number 1..65535";
  if (b.tls !== undefined && typeof b.tls !== "boolean") return "broker.tls: true or false";
  if (b.tls && !board.tls) return "broker.tls: " + board.id + " has no TLS";
  if (b.ca !== undefined && !isText(b.ca, 1, 8192)) return "broker.ca: PEM text";
  if (b.insecure !== undefined && typeof b.insecure !== "boolean") return "broker.insecure: true or false";
  if (b.username !== undefined && !isText(b.username, 1, 256)) return "broker.username: 1 to 256 characters";
  if (b.password !== undefined && !isText(b.password, 0, 256)) return "broker.password: at most 256 characters";
  if (b.password !== undefined && b.username === undefined) return "broker.password: needs broker.username";
  if (b.keepalive !== undefined && !isInt(b.keepalive, 5, 3600)) return "broker.keepalive: seconds 5..3600";
  if (!isName(c.device)) return "device: 1 to 32 letters, digits, '_' or '-'";
  if (c.device === "all") return 'device: "all" is the group of every device';
  if (c.base !== undefined && !isBase(c.base)) return "base: topic levels of letters, digits, '_' or '-'";
  if (c.qos !== undefined && !isInt(c.qos, 0, 2)) return "qos: 0, 1 or 2";
  if (c.retainedCommands !== undefined && typeof c.retainedCommands !== "boolean") return "retainedCommands: true or false";
  if (c.offline !== undefined && c.offline !== "skip" && c.offline !== "queue") return 'offline: "skip" or "queue"';
  if (c.persist !== undefined && typeof c.persist !== "boolean") return "persist: true or false";
  if (c.discovery !== undefined && c.discovery !== "" && !isBase(c.discovery)) return 'discovery: a topic prefix or ""';
  if (c.console !== undefined && c.console !== "off" && c.console !== "telnet") return 'console: "off" or "telnet"';
  if (c.diagPeriod !== undefined && c.diagPeriod !== 0 && !isInt(c.diagPeriod, 10, 86400)) return "diagPeriod: 0 (off) or seconds 10..86400";
  if (c.sleep !== undefined && !isInt(c.sleep, 10, 86400)) return "sleep: seconds 10..86400";
  if (c.sleep !== undefined && c.qos === 0) return "qos: 1 or 2 with sleep (a reading waits for its acknowledgement before the board sleeps)";
  const sensors = c.sensors || [];
  const actuators = c.actuators || [];
  if (!(sensors instanceof Array)) return "sensors: a list";
  if (!(actuators instanceof Array)) return "actuators: a list";
  // Names and pins are shared by sensors and actuators: each is used once.
  const taken: Taken = { pins: {}, names: {} };
  for (let i = 0; i < sensors.length; i++) {
    const problem = checkSensor("sensors[" + i + "]", sensors[i], taken);
    if (problem) return problem;
  }
  for (let i = 0; i < actuators.length; i++) {
    const problem = checkActuator("actuators[" + i + "]", actuators[i], taken);
    if (problem) return problem;
  }
  return "";
}

/**
 * Parses and checks configuration text. Returns the Config, or a string: the
 * sentence naming the bad field (or "config: not valid JSON").
 */
export function parseConfig(text: string | null | undefined, board: DeviceBoard): Config | string {
  if (typeof text !== "string" || text.length === 0) return "config: missing (write " + CONFIG_FILE + " to Storage)";
  let c: Config;
  try {
    c = JSON.parse(text);
  } catch (e) {
    return "config: not valid JSON";
  }
  const problem = checkConfig(c, board);
  return problem === "" ? c : problem;
}
