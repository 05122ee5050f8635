/**
 * A fleet of virtual boards in this process: each one the real device
 * program (firmware/app, booted from its configuration as on a board) on its
 * own Node HAL (simulated WiFi, virtual pins, its own sockets), with its own
 * client id, an analog sensor and a relay. The fleet counts every connection
 * attempt its boards make (each TCP connect a client opens), with its time.
 */
import { findBoard } from "../../boards/index";
import { toDeviceBoard } from "../../boards/device-view";
import { boot } from "../../firmware/app/boot";
import { CONFIG_FILE, type Config } from "../../firmware/app/config";
import type { Device } from "../../firmware/app/device";
import { ST_CONNECTED } from "../../firmware/session/client";
import { createNodeHal, type NodeHal } from "../../hal/node/index";
import { createNodeNet } from "../../hal/node/net";
import type { Net } from "../../hal/types";

/** The board the virtual boards run as: its pins take the sensor and the relay. */
export const FLEET_BOARD = "esp8266-nodemcu";

export interface FleetOptions {
  boards: number;
  /** The brokers of board i ("host:port" entries, tried in turn): one for all, or several to spread the boards over a cluster. */
  hostsOf: (i: number) => string[];
  username?: string;
  password?: string;
  /** Topic base; board i is <base>/<prefix><i>. */
  base: string;
  prefix: string;
  /** Seconds between telemetry readings. */
  period: number;
  /** Telemetry while offline: "skip" (the default) or "queue" (QoS 1 readings wait in the client's queue). */
  offline?: "skip" | "queue";
  keepalive?: number;
  /** A persistent session on the broker, and the client's queue kept in the board's Storage (the configuration's `persist`). */
  persist?: boolean;
  /** Follow every board's QoS 1/2 telemetry from publish() to its acknowledgement (VirtualBoard.telemetry). */
  trackTelemetry?: boolean;
}

/** A board's QoS 1/2 telemetry as its client saw it: taken by publish(), refused by it, and not yet acknowledged. */
export interface TelemetryLedger {
  accepted: number;
  refused: number;
  acknowledged: number;
  /** Sequence numbers taken and not acknowledged yet. */
  open: Set<number>;
}

export interface VirtualBoard {
  id: string;
  hal: NodeHal;
  device: Device;
  /** With trackTelemetry. */
  telemetry: TelemetryLedger | null;
}

export interface Fleet {
  boards: VirtualBoard[];
  /** Times (Date.now()) of every connection attempt (a TCP connect opened), and of every accepted CONNACK, since the fleet started. */
  attempts: number[];
  connects: number[];
  /** How many boards are connected to a broker now. */
  online(): number;
  /** Jitter on (Math.random, as the firmware ships) or off (the backoff's middle value every time) for every later reconnect. */
  setJitter(on: boolean): void;
  /** Publishes "offline" where connected, disconnects and stops every board. Never fails. */
  stop(): void;
}

/** Board i's configuration. Never fails. */
export function fleetConfig(o: FleetOptions, i: number): Config {
  const hosts = o.hostsOf(i);
  const first = hosts[0];
  const colon = first.lastIndexOf(":");
  const broker: Config["broker"] =
    hosts.length === 1 ? { host: first.slice(0, colon), port: Number(first.slice(colon + 1)) } : { hosts, port: Number(first.slice(colon + 1)) };
  broker.keepalive = o.keepalive ?? 30;
  if (o.username !== undefined) broker.username = o.username;
  if (o.password !== undefined) broker.password = o.password;
  return {
    wifi: { ssid: "fleet", password: "fleet-wifi" },
    broker,
    device: o.prefix + i,
    base: o.base,
    qos: 1,
    // Home Assistant discovery would add two retained messages per board and connect: not what is measured here.
    discovery: "",
    offline: o.offline ?? "skip",
    persist: o.persist ?? false,
    sensors: [{ name: "light", kind: "analog", pin: "A0", period: o.period }],
    actuators: [{ name: "relay", kind: "relay", pin: "D5", safe: "off" }],
  };
}

/**
 * Boots `o.boards` boards, all at once (as after a power cut). Throws when a
 * board does not start (its log says why): a configuration the firmware
 * refuses is a bug in the caller.
 */
export function startFleet(o: FleetOptions): Fleet {
  const board = findBoard(FLEET_BOARD)!;
  const deviceBoard = toDeviceBoard(board);
  const attempts: number[] = [];
  const connects: number[] = [];
  const boards: VirtualBoard[] = [];
  for (let i = 0; i < o.boards; i++) {
    const inner = createNodeNet({ maxQueuedBytes: Math.max(64 * 1024, deviceBoard.sendQueueBytes), warn: () => undefined });
    const counted: Net = {
      connect(target, handlers) {
        attempts.push(Date.now());
        return inner.connect(target, handlers);
      },
    };
    const hal = createNodeHal(board, { ssid: "fleet", password: "fleet-wifi", net: counted });
    const config = fleetConfig(o, i);
    hal.storage.write(CONFIG_FILE, JSON.stringify(config));
    // Each board's light level differs, so that readings tell boards apart.
    hal.gpio.setAnalog("A0", ((i % 997) + 1) / 1000);
    const device = boot(hal, deviceBoard);
    if (typeof device === "number") throw new Error(`board ${config.device} did not start (${device}): ${hal.log.lines.join("; ")}`);
    // The device is its client's options, and the client calls onConnect from there at every accepted CONNACK.
    const connected = device as unknown as { onConnect(sessionPresent: boolean): void };
    const onConnect = connected.onConnect;
    connected.onConnect = function (sessionPresent: boolean) {
      connects.push(Date.now());
      onConnect.call(this, sessionPresent);
    };
    boards.push({ id: config.device, hal, device, telemetry: o.trackTelemetry ? trackTelemetry(device) : null });
  }
  return {
    boards,
    attempts,
    connects,
    online: () => boards.reduce((n, b) => n + (b.device.client.state() === ST_CONNECTED ? 1 : 0), 0),
    setJitter(on) {
      // The device is its client's options: the client draws its backoff jitter from `random` there.
      for (const b of boards) (b.device as unknown as { random?: () => number }).random = on ? undefined : () => 0.5;
    },
    stop() {
      for (const b of boards) b.device.stop();
    },
  };
}

/**
 * Follows `device`'s QoS 1/2 telemetry: its client's publish() is wrapped, and
 * the device (its client's options) gets an onPublished, which the client
 * calls with each acknowledged sequence number. Never fails.
 */
function trackTelemetry(device: Device): TelemetryLedger {
  const ledger: TelemetryLedger = { accepted: 0, refused: 0, acknowledged: 0, open: new Set() };
  const client = device.client;
  const publish = client.publish.bind(client);
  client.publish = (topic, payload, qos, retain) => {
    const r = publish(topic, payload, qos, retain);
    if (qos > 0 && topic.indexOf("/telemetry/") >= 0) {
      if (r > 0) {
        ledger.accepted++;
        ledger.open.add(r);
      } else ledger.refused++;
    }
    return r;
  };
  (device as unknown as { onPublished(seq: number): void }).onPublished = (seq) => {
    if (ledger.open.delete(seq)) ledger.acknowledged++;
  };
  return ledger;
}

/** The most values of `times` (ms, any order) that fall within one second of each other: a sliding window. 0 for none. */
export function peakPerSecond(times: number[], from = -Infinity): number {
  const t = times.filter((x) => x >= from).sort((a, b) => a - b);
  let peak = 0;
  for (let lo = 0, hi = 0; hi < t.length; hi++) {
    while (t[hi] - t[lo] >= 1000) lo++;
    peak = Math.max(peak, hi - lo + 1);
  }
  return peak;
}

/** Counts of `times` per second from `from` for `seconds` seconds. Never fails. */
export function perSecond(times: number[], from: number, seconds: number): number[] {
  const out = new Array<number>(Math.max(0, seconds)).fill(0);
  for (const t of times) {
    const k = Math.floor((t - from) / 1000);
    if (k >= 0 && k < out.length) out[k]++;
  }
  return out;
}
