import * as E from "../errors";
import type { DeviceBoard } from "../../boards/types";
import type { Hal, Sensor } from "../../hal/types";
import { createClient, ST_CONNECTED, ST_WAITING, type Client } from "../session/client";
import type { Message } from "../session/subscriptions";
import { isName, type Config } from "./config";
import { byteText } from "../mqtt/utf8";
import { applyLevel, levelOf, parseCommand, stateText } from "./actuators";
import { errorPayload, readingPayload } from "./telemetry";
import { deviceTopics } from "./topics";
import { discoveryCount, discoveryMessage, type DiscoveryMessage } from "./discovery";
import { createWifiKeeper } from "./wifi-keeper";

/**
 * The device program: WiFi, the MQTT client, telemetry on a schedule,
 * commands to actuators, availability. Policies (README, "The device"):
 * - Availability: the will is "offline" (retained) on <root>status; "online"
 *   (retained) follows every connect, with every actuator's state.
 * - Telemetry: each sensor is read every `period` seconds. While offline,
 *   readings are skipped (offline "skip", the default: a stale reading is worth
 *   little and RAM is short), or published anyway (offline "queue") so that
 *   QoS 1/2 readings wait in the client's bounded queue (QoS 0 is dropped).
 *   A failed reading is published on <root>error at QoS 0.
 * - Commands: only configured actuators can be driven; a bad value or an
 *   unknown actuator gets an error reply and leaves the pin alone; a retained
 *   command is ignored unless `retainedCommands` is on. After a change the
 *   state is published (retained).
 * - Home Assistant discovery (discovery.ts): after every connect, and when
 *   Home Assistant publishes "online" on <prefix>/status, one retained
 *   message per entity, sent one at a time when nothing else is in flight.
 * - Broker lost (a connection that was up goes down): each actuator goes to its
 *   `safe` level unless that is "keep".
 */
export interface Device {
  /** Checks pins and sensors, then starts WiFi and MQTT. Returns 0, or a negative code (logged with the field) and nothing started. */
  start(): number;
  /** Publishes "offline" and disconnects cleanly. */
  stop(): void;
  /** Drives everything; start() runs it every TICK_MS on the HAL's timers. */
  tick(): void;
  /** The actuators' levels (0..100), in configuration order. */
  levels: number[];
  client: Client;
}

export interface DeviceOptions {
  random?: () => number;
  /** Called after every command applied or refused, and every telemetry publish: for views. */
  onEvent?: (kind: string, name: string, text: string) => void;
}

/** How often the device's one repeating timer runs. */
export const TICK_MS = 250;

/** A device for a checked configuration. Throws only on a programmer error (see createClient). */
/** The Storage file of the MQTT session when `persist` is on. */
export const SESSION_FILE = "fabmqtt.ses";

export function createDevice(hal: Hal, board: DeviceBoard, c: Config, options?: DeviceOptions): Device {
  const opt = options || {};
  const random = opt.random || Math.random;
  const topics = deviceTopics(c);
  const qos = c.qos === undefined ? 1 : c.qos;
  const sensors = c.sensors || [];
  const actuators = c.actuators || [];
  const queueOffline = c.offline === "queue";
  const levels: number[] = [];
  const drivers: Sensor[] = [];
  const onReading: ((code: number, a: number, b: number) => void)[] = [];
  const due: number[] = [];
  const watches: number[] = [];
  let wasConnected = false;
  let timer = 0;
  // Home Assistant discovery: the next message to send, one at a time (see discovery.ts).
  const discovery = c.discovery === "" ? 0 : discoveryCount(c);
  const discoveryPrefix = c.discovery === undefined ? "homeassistant" : c.discovery;
  const discoveryOut: DiscoveryMessage = { topic: "", payload: "" };
  let discoveryNext = discovery;
  const event = opt.onEvent || null;

  const client = createClient({
    net: hal.net,
    clock: hal.clock,
    random: random,
    host: c.broker.host,
    port: c.broker.port,
    tls: c.broker.tls ? { ca: c.broker.ca, verify: !c.broker.insecure } : null,
    clientId: c.device,
    // A power cut keeps the outbox in Storage and the session on the broker (client.ts, "Power cuts").
    cleanSession: !c.persist,
    persistSession: c.persist ? { storage: hal.storage, name: SESSION_FILE } : null,
    username: c.broker.username,
    password: c.broker.password,
    keepalive: c.broker.keepalive || 30,
    will: { topic: topics.status, payload: "offline", qos: qos, retain: true },
    txBufferSize: board.txBufferSize,
    maxPacketSize: board.maxPacketSize,
    inflightWindow: board.inflightWindow,
    queueSize: board.inflightWindow * 4,
    maxSubscriptions: 4,
    inboundQos2: 8,
    onConnect: function () {
      wasConnected = true;
      hal.log.info("mqtt up");
      // The first readings follow the first connect, a little apart.
      const now = hal.clock.now();
      for (let i = 0; i < sensors.length; i++) if (due[i] === -1) due[i] = now + i * 300;
      client.publish(topics.status, "online", qos, true);
      for (let i = 0; i < actuators.length; i++) publishState(i);
      discoveryNext = 0;
    },
    onDisconnect: function (code) {
      if (code === E.E_STOPPED) hal.log.info("mqtt stopped");
      else hal.log.error(code, "mqtt");
      if (!wasConnected) return;
      wasConnected = false;
      for (let i = 0; i < actuators.length; i++) {
        const safe = levelOf(actuators[i].safe);
        if (safe >= 0 && safe !== levels[i] && applyLevel(hal.gpio, actuators[i], safe) === 0) levels[i] = safe;
      }
    },
    onError: function (code) {
      hal.log.error(code, "mqtt");
    },
  });

  const wifi = createWifiKeeper(
    hal.wifi,
    hal.clock,
    hal.log,
    c.wifi.ssid,
    c.wifi.password || "",
    random,
    function () {
      // Link back: try the broker now rather than when the backoff says.
      if (client.state() === ST_WAITING) client.stop();
      client.start();
    },
    function () {
      if (client.state() !== ST_CONNECTED) client.stop();
    },
  );

  function publish(topic: string, payload: string, q: number, retain: boolean) {
    const r = client.publish(topic, payload, q, retain);
    if (r < 0 && r !== E.E_OFFLINE_DROPPED) hal.log.error(r, topic);
    return r;
  }

  function publishState(i: number) {
    const a = actuators[i];
    publish(topics.root + "state/" + a.name, stateText(a, levels[i]), qos, true);
  }

  function refuse(source: string, code: number) {
    hal.log.error(code, source);
    if (event) event("refused", source, String(code));
    publish(topics.error, errorPayload(source, code), 0, false);
  }

  function onCommand(m: Message) {
    const name = m.topic.substr(topics.setPrefixLength);
    let i = actuators.length - 1;
    while (i >= 0 && actuators[i].name !== name) i--;
    // A name from the broker goes back into JSON only when it is a configured one.
    if (i < 0) return refuse(isName(name) ? name : "?", E.E_COMMAND_UNKNOWN_ACTUATOR);
    if (m.retain && !c.retainedCommands) {
      hal.log.error(E.E_COMMAND_RETAINED, name);
      return;
    }
    const a = actuators[i];
    const level = parseCommand(a.kind, m.payload, levels[i]);
    if (level < 0) return refuse(name, level);
    const r = applyLevel(hal.gpio, a, level);
    if (r < 0) return refuse(name, r);
    levels[i] = level;
    if (event) event("command", name, stateText(a, level));
    publishState(i);
  }

  /** Home Assistant came (back) online: it forgets non-retained state, so discovery is sent again. */
  function onHomeAssistantStatus(m: Message) {
    if (m.payload.length === 6 && byteText(m.payload, 0, 6) === "online") discoveryNext = 0;
  }

  /** The callback for sensor i's readings, made once at start (not a new closure for every reading). */
  function readingHandler(i: number) {
    const s = sensors[i];
    return function (code: number, a: number, b: number) {
      if (code < 0) {
        hal.log.error(code, s.name);
        publish(topics.error, errorPayload(s.name, code), 0, false);
        return;
      }
      const text = readingPayload(s.kind, a, b);
      if (event) event("telemetry", s.name, text);
      publish(topics.root + "telemetry/" + s.name, text, qos, false);
    };
  }

  function readSensor(i: number) {
    drivers[i].read(onReading[i]);
  }

  function release() {
    for (let i = 0; i < watches.length; i++) hal.gpio.unwatch(watches[i]);
    watches.splice(0, watches.length);
  }

  function tick() {
    const now = hal.clock.now();
    wifi.tick();
    if (wifi.up()) client.tick();
    const online = client.state() === ST_CONNECTED;
    if (online && discoveryNext < discovery) {
      const st = client.stats();
      if (st.inFlight + st.queued === 0 && discoveryMessage(c, board.id, discoveryNext, discoveryOut)) {
        discoveryNext++;
        publish(discoveryOut.topic, discoveryOut.payload, qos > 0 ? qos : 1, true);
      }
    }
    for (let i = 0; i < sensors.length; i++) {
      if (due[i] === -1 || now - due[i] < 0) continue;
      due[i] = now + sensors[i].period * 1000;
      if (online || queueOffline) readSensor(i);
    }
  }

  return {
    levels: levels,
    client: client,
    start: function () {
      // Everything that can be refused is checked before WiFi and MQTT start.
      for (let i = 0; i < sensors.length; i++) {
        const s = sensors[i];
        const d = hal.sensors.open({ kind: s.kind, pin: s.pin });
        if (typeof d === "number") {
          hal.log.error(d, "sensors[" + i + "].pin");
          release();
          return d;
        }
        drivers[i] = d;
        onReading[i] = readingHandler(i);
        due[i] = -1;
        if (s.kind === "digital") {
          const w = hal.gpio.watch(s.pin, 50, function () {
            if (client.state() === ST_CONNECTED) readSensor(i);
          });
          if (w > 0) watches.push(w);
        }
      }
      for (let i = 0; i < actuators.length; i++) {
        const a = actuators[i];
        let r = a.kind === "pwm" ? 0 : hal.gpio.mode(a.pin, "output");
        const initial = levelOf(a.initial);
        if (r === 0) r = applyLevel(hal.gpio, a, initial < 0 ? 0 : initial);
        if (r < 0) {
          hal.log.error(r, "actuators[" + i + "].pin");
          release();
          return r;
        }
        levels[i] = initial < 0 ? 0 : initial;
      }
      hal.wifi.setHostname(c.device);
      client.subscribe(topics.setFilter, qos, onCommand);
      if (discovery > 0) client.subscribe(discoveryPrefix + "/status", 1, onHomeAssistantStatus);
      wifi.start();
      timer = hal.timers.every(TICK_MS, tick);
      return 0;
    },
    stop: function () {
      hal.timers.cancel(timer);
      timer = 0;
      if (client.state() === ST_CONNECTED) client.publish(topics.status, "offline", 0, true);
      client.stop();
      wifi.stop();
      release();
    },
    tick: tick,
  };

}
