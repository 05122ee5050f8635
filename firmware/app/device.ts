import * as E from "../../base/errors";
import { errorNameOf } from "../../base/error-names";
import type { DeviceBoard } from "../../boards/types";
import { WIFI_DOWN, WIFI_UP, type Hal, type Net, type NetTarget, type Power, type Sensor } from "../../hal/types";
import { createClient, ST_CONNECTED, ST_WAITING, type Client, type ClientOptions } from "../session/client";
import type { Message } from "../session/subscriptions";
import { backoffDelay } from "../session/backoff";
import { payloadText } from "../wire/index";
import { CONFIG_FILE, isName, type ActuatorConfig, type Config } from "./config";
import { changedConfig, maskedConfig, CONFIG_RESULT_FILE, CONFIG_TRY_FILE, type ConfigChange } from "./remote-config";
import { parseCommand, stateText } from "./actuators";
import { readingPayload } from "./telemetry";
import { groupRoot, topicRoot } from "./topics";
import { firmwareVersion } from "./version";
import { discoveryMessage, type DiscoveryMessage } from "./discovery";

/**
 * The device program: WiFi, the MQTT client, telemetry on a schedule,
 * commands to actuators, availability. Policies (docs/device.md):
 * - Availability: the will is "offline" (retained) on <root>status; "online"
 *   (retained) follows every connect, with every actuator's state.
 * - Telemetry: each sensor is read every `period` seconds, on schedule (due
 *   a period after it was last due, not after the tick that read it). With
 *   `delta`, a reading is published only when it moved at least that much
 *   since the last one published, or `maxPeriod` seconds have passed. While offline,
 *   readings are skipped (offline "skip", the default: a stale reading is worth
 *   little and RAM is short), or published anyway (offline "queue") so that
 *   QoS 1/2 readings wait in the client's bounded queue (QoS 0 is dropped).
 *   A failed reading is published on <root>error at QoS 0.
 * - Commands: only configured actuators can be driven; a bad value or an
 *   unknown actuator gets an error reply and leaves the pin alone; a retained
 *   command is ignored unless `retainedCommands` is on. After a change the
 *   state is published (retained). <base>/all/set/<actuator> reaches every
 *   device with an actuator of that name (the others ignore it).
 * - Device commands, <root>cmd/<name>: "restart" publishes "offline", disconnects,
 *   and has the platform restart the firmware RESTART_DELAY_MS later (the
 *   boot code runs again); "discovery" sends discovery again. A retained one
 *   is always ignored (a retained restart would restart at every boot); an
 *   unknown one, or a restart where the platform has none, gets an error reply.
 * - Error replies (QoS 0 on <root>error) go out at most one a tick; the next
 *   one says how many were left out ("dropped"), and every error is logged.
 *   (Sixty replies at once filled an ESP8266's 1,024-byte send queue, and the
 *   acknowledgement that found it full dropped the connection.)
 * - State: an actuator's state is published until the client takes it: one
 *   the client refused (its queue full) is sent again from the tick, so the
 *   retained state ends equal to the pin. After the connect the states go
 *   from the next tick.
 * - Switching: an output stays as it is for `minSwitchMs` after a change
 *   (default 500 ms for a relay, 0 for led and pwm). Commands inside the
 *   interval are coalesced: each is taken against the level asked before it
 *   (TOGGLEs add up), and the level they ask for together is applied from the
 *   tick once the interval has passed.
 * - Diagnostics: retained on <root>diag at QoS 0, from the first tick after
 *   every connect and every `diagPeriod` seconds (default 300; 0 off).
 * - Announcement: after every connect the configuration in force (retained
 *   on <root>config, passwords masked), the firmware's version (retained on
 *   <root>version), then Home Assistant discovery
 *   (discovery.ts; again when Home Assistant publishes "online" on
 *   <prefix>/status, and on cmd/discovery), one retained message per entity:
 *   one message a tick, when nothing else is in flight.
 * - Battery mode (`sleep`): each wake reads every sensor once after the
 *   connect, publishes (QoS 1 or 2), and once nothing waits for an
 *   acknowledgement, or AWAKE_MAX_MS after the start, disconnects without
 *   "offline" and deep-sleeps `sleep` seconds (hal.power); the wake that
 *   follows is a boot.
 * - Remote configuration (remote-config.ts): <root>config/set is checked,
 *   answered on <root>config/result, and the device restarts into it; kept
 *   once it reached the broker, dropped otherwise.
 * - Broker lost (a connection that was up goes down): each actuator goes to its
 *   `safe` level unless that is "keep": at once (whatever its interval), and
 *   in place of a command still waiting for the interval.
 * - WiFi: the firmware runs its own reconnect loop (the ESP32 driver gives up
 *   after three tries): every failed join or dropped link is followed by
 *   another join after a capped exponential backoff with jitter (1 s doubling
 *   to 30 s), reset once the link comes up. A refused join() is retried the
 *   same way.
 */
export interface Device {
  /**
   * Closes the remote console unless the configuration keeps it (console:
   * "telnet"), checks pins and sensors, then starts WiFi and MQTT. Returns 0,
   * or a negative code (logged with the field) and nothing started (the
   * console stays closed). Once per device bundle load: fabmqtt.start() runs
   * it, then removes it (firmware/main.ts).
   */
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

/** A relay's `minSwitchMs` unless configured (led and pwm: 0). */
export const RELAY_MIN_SWITCH_MS = 500;

/** Battery mode: the longest a wake lasts, connected or not, before the board sleeps again. */
export const AWAKE_MAX_MS = 30000;

/** From a restart command to the platform's restart: time for "offline" and the DISCONNECT to leave (Espruino's load() at once loses what the socket still holds). */
export const RESTART_DELAY_MS = 500;

/** The Storage file of the MQTT session when `persist` is on. */
export const SESSION_FILE = "fabmqtt.ses";

/**
 * The running device, one object (memory: an ESP8266 has ~1,600 variables).
 * Its methods live on the prototype, so an instance costs its fields, not a
 * closure per callback. It is at once the client's options object (the
 * client calls onConnect, onDisconnect, onError and onMessage as its methods
 * and uses `net`, `random` and the connection's settings), the WiFi driver's
 * handlers (onUp, onDown),
 * and the one repeating timer's tick, which also runs the WiFi reconnect
 * loop. Of the configuration it keeps the checked object without `broker`
 * (its connection settings are options, above), `persist`, `qos` (kept as a field), `safe` and
 * `initial` (turned into levels).
 * Members ending in `_` are internal (shortened in the minified bundle).
 */
export class DeviceProgram implements Device {
  levels: number[] = [];
  client: Client;
  /** For the client: it opens every connection with net.connect. */
  net: Net;
  /** For the client's backoff jitter, and the WiFi loop's; Math.random when not given. */
  random?: () => number;
  /** With several brokers (broker.hosts): the client's list, set as its option. */
  brokers?: NetTarget[];
  hal_: Hal;
  board_: DeviceBoard;
  c_: Config;
  /** "<base>/<device>/": every topic is built from it when it is used. */
  root_: string;
  qos_: number;
  /** Per actuator: the level when the broker is lost, -1 to keep. */
  safe_: number[] = [];
  /** Per sensor: its driver, and when it is next read (-1 before the first connect). */
  drivers_: Sensor[] = [];
  due_: number[] = [];
  /** Per sensor with a `delta`, at 3i: when its last reading was published, and that reading's two values (made only when a sensor has a delta). */
  last_?: number[];
  watches_: number[] = [];
  ev_?: (kind: string, name: string, text: string) => void;
  /** Whether the broker connection was up (the safe states follow its loss). */
  up_ = false;
  /** The repeating timer; 0 when the device is not running. */
  timer_ = 0;
  /** The next message announcing the device after a connect (see announcement_), -1 for none. */
  announce_ = -1;
  /** The WiFi loop: failed joins in a row, whether a join waits, and from when. */
  attempt_ = 0;
  waiting_ = false;
  joinAt_ = 0;
  /** Per actuator: the level its commands ask for, and from when it may switch again (its `minSwitchMs` after the last drive). */
  wanted_: number[] = [];
  nextSwitch_: number[] = [];
  /** Bit i set: actuator i's state waits to be published (after a connect, or the client refused it). At most 24 actuators: one a usable pin. */
  stateDue_ = 0;
  /** Whether an error reply went out this tick, and how many were left out since the last one that did. */
  errorSent_ = false;
  dropped_ = 0;
  /** Diagnostics: when the device started and the next are due; messages taken and refused by the client; the last error's code. */
  born_ = 0;
  diagAt_ = 0;
  sent_ = 0;
  lost_ = 0;
  err_ = 0;
  /** Battery mode: sensors not read since the wake. */
  unread_ = 0;
  /**
   * When the tick restarts the firmware, 0 for never: a restart command's
   * short delay, or the bound of a configuration on trial (remote-config.ts,
   * set by boot()), cleared when it reaches the broker.
   */
  restartAt_ = 0;

  /** A device for a checked configuration. Throws only on a programmer error (see createClient). */
  constructor(hal: Hal, board: DeviceBoard, c: Config, options?: DeviceOptions) {
    const opt = options || {};
    const root = topicRoot(c);
    const qos = c.qos === undefined ? 1 : c.qos;
    const b = c.broker;
    this.hal_ = hal;
    this.board_ = board;
    this.c_ = c;
    this.root_ = root;
    this.qos_ = qos;
    this.net = hal.net;
    if (opt.random) this.random = opt.random;
    if (opt.onEvent) this.ev_ = opt.onEvent;
    // This object is the client's options. What a connection needs (host,
    // port, tls, clientId, cleanSession, username, password, will) stays on
    // it, since a client may read it at every connect; the sizes, the clock
    // and the session file, used only while the client is made, are set for
    // that call and removed after it.
    const self = this as unknown as { [k: string]: unknown };
    self.host = b.host;
    self.port = b.port;
    self.clientId = c.device;
    self.will = { topic: root + "status", payload: "offline", qos: qos, retain: true };
    if (b.tls) self.tls = { ca: b.ca, verify: !b.insecure };
    if (b.hosts) {
      // Failover: the client connects to these in turn ("host" or "host:port", checked by checkConfig).
      const brokers: NetTarget[] = [];
      for (let i = 0; i < b.hosts.length; i++) {
        const part = b.hosts[i].split(":");
        const target: NetTarget = { host: part[0], port: part.length > 1 ? +part[1] : b.port };
        if (b.tls) target.tls = self.tls as NetTarget["tls"];
        brokers.push(target);
      }
      this.brokers = brokers;
    }
    if (b.username !== undefined) self.username = b.username;
    if (b.password !== undefined) self.password = b.password;
    // A power cut keeps the outbox in Storage and the session on the broker (client.ts, "Power cuts").
    if (c.persist) self.cleanSession = false;
    const once: { [k: string]: unknown } = {
      clock: hal.clock,
      keepalive: b.keepalive || 30,
      txBufferSize: board.txBufferSize,
      maxPacketSize: board.maxPacketSize,
      inflightWindow: board.inflightWindow,
      queueSize: board.inflightWindow * 4,
      // Commands, device commands, configuration; the group's with actuators; Home Assistant's status with discovery.
      maxSubscriptions: 3 + (c.actuators && c.actuators.length ? 1 : 0) + (c.discovery === "" ? 0 : 1),
      // The broker sends at most the QoS subscribed at (the device's own, or 1):
      // below 2 it sends nothing at QoS 2, and one id is kept for a broker that would.
      inboundQos2: qos === 2 ? 8 : 1,
    };
    if (c.persist) once.persistSession = { storage: hal.storage, name: SESSION_FILE };
    for (const k in once) self[k] = once[k];
    this.client = createClient(this as unknown as ClientOptions);
    for (const k in once) delete self[k];
    delete (c as { broker?: unknown }).broker;
    delete c.persist;
    delete c.qos;
    // The default prefix, written out, is a string the device would keep for nothing.
    if (c.discovery === "homeassistant") delete c.discovery;
    /** The level a config value stands for ("on" 100, "off" 0, a number itself); -1 for "keep" or none. */
    function levelOf(v: ActuatorConfig["safe"]): number {
      if (v === "on") return 100;
      if (v === "off") return 0;
      return typeof v === "number" ? v : -1;
    }
    const actuators = c.actuators || [];
    for (let i = 0; i < actuators.length; i++) {
      const a = actuators[i];
      const initial = levelOf(a.initial);
      this.levels[i] = initial < 0 ? 0 : initial;
      this.safe_[i] = levelOf(a.safe);
      delete a.initial;
      delete a.safe;
    }
  }

  start(): number {
    const hal = this.hal_;
    const c = this.c_;
    const sensors = c.sensors || [];
    const actuators = c.actuators || [];
    const client = this.client;
    // First of all, whatever follows: the remote console would give the configuration, passwords included, to the whole WiFi.
    if (c.console !== "telnet" && hal.closeConsole) hal.closeConsole();
    delete c.console;
    // Everything that can be refused is checked before WiFi and MQTT start.
    if (c.sleep && !hal.power) {
      hal.log.error(E.E_CONFIG, "sleep: the platform cannot deep-sleep");
      return E.E_CONFIG;
    }
    for (let i = 0; i < sensors.length; i++) {
      const s = sensors[i];
      const d = hal.sensors.open(s);
      if (typeof d === "number") {
        hal.log.error(d, "sensors[" + i + "].pin");
        this.stop();
        return d;
      }
      this.drivers_[i] = d;
      this.due_[i] = -1;
      if (s.delta) this.last_ = [];
      if (s.kind === "digital") {
        const w = hal.gpio.watch(s.pin, 50, this.sensor_.bind(this, i));
        if (w > 0) this.watches_.push(w);
      }
    }
    for (let i = 0; i < actuators.length; i++) {
      let r = actuators[i].kind === "pwm" ? 0 : hal.gpio.mode(actuators[i].pin, "output");
      if (r === 0) r = this.drive_(i, this.levels[i]);
      if (r < 0) {
        hal.log.error(r, "actuators[" + i + "].pin");
        this.stop();
        return r;
      }
    }
    hal.wifi.setHostname(c.device);
    client.subscribe(this.root_ + "set/+", this.qos_, null);
    client.subscribe(this.root_ + "cmd/+", this.qos_, null);
    client.subscribe(this.root_ + "config/set", this.qos_, null);
    if (actuators.length) client.subscribe(groupRoot(c) + "set/+", this.qos_, null);
    if (c.discovery !== "") client.subscribe((c.discovery || "homeassistant") + "/status", 1, null);
    this.born_ = hal.clock.now();
    this.unread_ = sensors.length;
    this.timer_ = hal.timers.every(TICK_MS, this.tick.bind(this));
    this.attempt_ = 0;
    if (hal.wifi.state() === WIFI_UP) this.onUp(hal.wifi.ip());
    else {
      this.waiting_ = true;
      this.joinAt_ = hal.clock.now();
      this.tick();
    }
    return 0;
  }

  stop(): void {
    const hal = this.hal_;
    hal.timers.cancel(this.timer_);
    this.timer_ = 0;
    this.waiting_ = false;
    this.leave_();
    const w = this.watches_;
    for (let i = 0; i < w.length; i++) hal.gpio.unwatch(w[i]);
    w.splice(0, w.length);
  }

  /**
   * Battery mode: disconnects cleanly without "offline" (a sleeping device
   * is not gone: Home Assistant lets its readings expire instead; the will
   * goes only with an unclean loss), saves the session (client.stop), and
   * deep-sleeps for `sleep` seconds.
   */
  sleep_(now: number): void {
    const hal = this.hal_;
    const seconds = this.c_.sleep as number;
    hal.log.info("awake " + Math.round(now - this.born_) + " ms, sleeping " + seconds + " s");
    hal.timers.cancel(this.timer_);
    this.timer_ = 0;
    this.client.stop();
    (hal.power as Power).deepSleep(seconds * 1000);
  }

  tick(): void {
    const hal = this.hal_;
    const c = this.c_;
    const client = this.client;
    const now = hal.clock.now();
    if (this.restartAt_ && now - this.restartAt_ >= 0) {
      // A restart command, or a configuration on trial that did not reach the broker (the next boot goes back).
      hal.log.info("restart");
      this.stop();
      return (hal.restart as () => void)();
    }
    if (this.timer_ && this.waiting_ && hal.wifi.state() === WIFI_DOWN && now - this.joinAt_ >= 0) {
      this.waiting_ = false;
      const r = hal.wifi.join(c.wifi.ssid, c.wifi.password || "", this);
      if (r < 0) this.onDown(r);
    }
    if (hal.wifi.state() === WIFI_UP) client.tick();
    const online = client.state() === ST_CONNECTED;
    this.errorSent_ = false;
    // Per actuator: a command that waited for the interval, then a state due
    // since the connect or refused by the client (its queue was full).
    const levels = this.levels;
    const actuators = c.actuators || [];
    for (let i = 0; i < levels.length; i++) {
      const a = actuators[i];
      if (this.wanted_[i] !== levels[i] && now - this.nextSwitch_[i] >= 0) this.switch_(i, this.wanted_[i]);
      if (online && this.stateDue_ & (1 << i) && this.send_("state/" + a.name, stateText(a, levels[i])) >= 0) this.stateDue_ &= ~(1 << i);
    }
    // The stats are read inside the condition: an object kept in a variable here
    // would stay allocated through the publish below, the deepest point of sending.
    // The announcement (the configuration, the version, then discovery) goes at QoS 0: a
    // message of a few hundred bytes kept in the outbox until its PUBACK is
    // memory an ESP8266 lacks, and a connection lost before the broker had it
    // sends it again anyway. One a tick, once nothing waits; one a full send
    // queue refused is tried again, one refused for another reason is logged
    // and skipped.
    if (online && this.announce_ >= 0 && client.stats().inFlight === 0 && client.stats().queued === 0) {
      const out = { topic: "", payload: "" };
      if (!this.announcement_(this.announce_, out)) this.announce_ = -1;
      else {
        const r = out.payload ? client.publish(out.topic, out.payload, 0, true) : 0;
        if (r !== E.E_SOCKET_QUEUE_FULL) {
          this.announce_++;
          if (r < 0) this.hal_.log.error(r, out.topic);
        }
      }
    }
    const diagPeriod = c.diagPeriod === undefined ? 300 : c.diagPeriod;
    if (online && diagPeriod && now - this.diagAt_ >= 0) {
      this.diagAt_ = now + diagPeriod * 1000;
      this.diag_(now);
    }
    const due = this.due_;
    for (let i = 0; i < due.length; i++) {
      if (due[i] === -1 || now - due[i] < 0) continue;
      // Due a period after it was due, not after this tick (which comes late on Espruino):
      // readings keep their rate. After a stall longer than a period, a period from now.
      // In battery mode once a wake: the next reading would come after the wake's bound.
      const period = c.sleep ? AWAKE_MAX_MS : (c.sensors as { period: number }[])[i].period * 1000;
      due[i] += period;
      if (now - due[i] >= 0) due[i] = now + period;
      if (online || c.offline === "queue") this.sensor_(i);
    }
    // Battery mode: asleep once every sensor was read and nothing waits, or at the bound.
    if (
      c.sleep &&
      (now - this.born_ >= AWAKE_MAX_MS ||
        (online && this.unread_ === 0 && this.announce_ < 0 && !this.stateDue_ && client.stats().inFlight + client.stats().queued === 0))
    )
      this.sleep_(now);
  }

  /** The client is connected: "online", then every actuator's state (from the next tick), then discovery. */
  onConnect(): void {
    const due = this.due_;
    this.up_ = true;
    this.hal_.log.info("mqtt up");
    // The first readings follow the first connect, a little apart.
    const now = this.hal_.clock.now();
    for (let i = 0; i < due.length; i++) if (due[i] === -1) due[i] = now + i * 300;
    this.client.publish(this.root_ + "status", "online", this.qos_, true);
    this.stateDue_ = (1 << this.levels.length) - 1;
    this.diagAt_ = now;
    this.announce_ = 0;
    // Connected within its bound: a configuration on trial is kept (keepTrial_
    // leaves a restart command's deadline alone).
    if (this.restartAt_) this.keepTrial_();
    else this.answerConfig_();
  }

  /** The connection is gone (or stopped): a connection that was up puts the actuators in their safe state. */
  onDisconnect(code: number): void {
    if (code === E.E_STOPPED) this.hal_.log.info("mqtt stopped");
    else {
      this.err_ = code;
      this.hal_.log.error(code, "mqtt");
    }
    if (!this.up_) return;
    this.up_ = false;
    for (let i = 0; i < this.levels.length; i++) {
      const safe = this.safe_[i];
      if (safe < 0) continue;
      this.wanted_[i] = safe;
      if (safe !== this.levels[i]) this.drive_(i, safe);
    }
  }

  /** A fault that keeps the connection: an oversized message (a command, since the device subscribes to nothing else) is answered on <root>error. */
  onError(code: number): void {
    if (code === E.E_PACKET_TOO_LARGE) this.report_("command", code, true);
    else this.hal_.log.error(code, "mqtt");
  }

  /**
   * Every message: a command to an actuator (<root>set/<actuator>, or
   * <base>/all/set/<actuator> to the group), one to the device
   * (<root>cmd/<name>), a configuration change (<root>config/set), or Home
   * Assistant's status.
   */
  onMessage(m: Message): void {
    const c = this.c_;
    const topic = m.topic;
    const set = this.root_ + "set/";
    const group = groupRoot(c) + "set/";
    const cmd = this.root_ + "cmd/";
    if (topic === this.root_ + "config/set") return this.setConfig_(payloadText(m.payload), m.retain);
    let name: string;
    let toGroup = false;
    if (topic.substr(0, set.length) === set) name = topic.substr(set.length);
    else if (topic.substr(0, group.length) === group) {
      name = topic.substr(group.length);
      toGroup = true;
    } else if (topic.substr(0, cmd.length) === cmd) return this.command_(topic.substr(cmd.length), m.retain);
    else {
      // Home Assistant came (back) online: it forgets non-retained state, so discovery is sent again.
      if (c.discovery !== "" && topic === (c.discovery || "homeassistant") + "/status" && payloadText(m.payload) === "online") this.announce_ = 2;
      return;
    }
    const actuators = c.actuators || [];
    let i = actuators.length - 1;
    while (i >= 0 && actuators[i].name !== name) i--;
    // A group command is for the devices that have the actuator. A name from
    // the broker goes back into JSON only when it is a configured one.
    if (i < 0) return toGroup ? undefined : this.report_(isName(name) ? name : "?", E.E_COMMAND_UNKNOWN_ACTUATOR, true);
    if (m.retain && !c.retainedCommands) return this.hal_.log.error(E.E_COMMAND_RETAINED, name);
    // Taken against the level asked last, so that commands coalesced inside the interval add up.
    const level = parseCommand(actuators[i].kind, m.payload, this.wanted_[i]);
    if (level < 0) return this.report_(name, level, true);
    this.wanted_[i] = level;
    if (this.hal_.clock.now() - this.nextSwitch_[i] >= 0) this.switch_(i, level);
  }

  /**
   * A command to the device itself (<root>cmd/<name>): "restart" stops
   * cleanly ("offline" goes out) and restarts the firmware RESTART_DELAY_MS
   * later; "discovery" sends discovery again. A retained one is ignored and
   * logged (E_COMMAND_RETAINED); an unknown one, or one the platform or the
   * configuration cannot do, is answered with E_COMMAND_UNKNOWN.
   */
  command_(name: string, retained: boolean): void {
    const hal = this.hal_;
    if (retained) return hal.log.error(E.E_COMMAND_RETAINED, "cmd/" + name);
    if (name === "discovery" && this.c_.discovery !== "") {
      this.announce_ = 2;
      return;
    }
    if (name === "restart" && hal.restart) {
      hal.log.info("restart");
      if (this.ev_) this.ev_("command", "device", "restart");
      this.leave_();
      // From the tick, once "offline" and the DISCONNECT had time to leave (a restart at once loses them).
      this.restartAt_ = hal.clock.now() + RESTART_DELAY_MS;
      return;
    }
    this.report_(isName(name) ? "cmd/" + name : "cmd", E.E_COMMAND_UNKNOWN, true);
  }

  /**
   * config/set (remote-config.ts): checks the change against the board and
   * answers on <root>config/result; a sound one is written as the
   * configuration on trial, and the device restarts into it. A retained one
   * is ignored (it would apply again at every boot), and without a platform
   * restart the answer is E_COMMAND_UNKNOWN.
   */
  setConfig_(change: string, retained: boolean): void {
    const hal = this.hal_;
    if (retained) return hal.log.error(E.E_COMMAND_RETAINED, "config/set");
    let r: ConfigChange | null = hal.restart
      ? changedConfig(hal.storage.read(CONFIG_FILE) || "", change, this.board_)
      : { ok: false, text: '{"ok":false,"code":' + E.E_COMMAND_UNKNOWN + "}" };
    const ok = r.ok && hal.storage.write(CONFIG_TRY_FILE, r.text) === 0;
    const answer = ok ? '{"ok":true}' : r.ok ? '{"ok":false,"code":' + E.E_STORAGE_FAILED + "}" : r.text;
    // Not kept through the publish: the configuration's text is the largest string the device makes.
    r = null;
    if (this.ev_) this.ev_(ok ? "command" : "refused", "config", answer);
    this.client.publish(this.root_ + "config/result", answer, 0, false);
    if (!ok) return hal.log.error(E.E_CONFIG, "config/set");
    hal.log.info("config: restarting into the new configuration");
    this.leave_();
    this.restartAt_ = hal.clock.now() + RESTART_DELAY_MS;
  }

  /** The configuration on trial reached the broker: it becomes the one in force; config/result says so. */
  keepTrial_(): void {
    const storage = this.hal_.storage;
    const text = storage.read(CONFIG_TRY_FILE);
    // No trial: the deadline is a restart command's (the WiFi came back while it waited), which stands.
    if (text === null) return;
    if (storage.write(CONFIG_FILE, text) === 0) {
      storage.erase(CONFIG_TRY_FILE);
      storage.erase(CONFIG_RESULT_FILE);
      this.client.publish(this.root_ + "config/result", '{"ok":true,"kept":true}', 0, false);
    }
    // Written or not, the device runs on it until the next boot, which goes back when it was not.
    this.restartAt_ = 0;
  }

  /** Publishes, and erases, the answer a config/set came to across a restart (a rollback). */
  answerConfig_(): void {
    const storage = this.hal_.storage;
    const answer = storage.read(CONFIG_RESULT_FILE);
    if (answer === null) return;
    if (this.client.publish(this.root_ + "config/result", answer, 0, false) >= 0) storage.erase(CONFIG_RESULT_FILE);
  }

  /**
   * Fills `out` with message k of the announcement after a connect, each
   * retained: 0 the configuration in force on <root>config, passwords masked
   * (an empty payload when Storage has none to show: nothing is sent), 1 the
   * firmware's version on <root>version, then discovery message k - 2 unless
   * discovery is off. Returns false past the last.
   */
  announcement_(k: number, out: DiscoveryMessage): boolean {
    if (k > 1) return this.c_.discovery !== "" && discoveryMessage(this.c_, this.root_, this.board_, k - 2, out);
    out.topic = this.root_ + (k ? "version" : "config");
    out.payload = k ? firmwareVersion(this.board_) : maskedConfig(this.hal_.storage.read(CONFIG_FILE) || "");
    return true;
  }

  /** Says "offline" (retained) when connected, then disconnects cleanly. */
  leave_(): void {
    const client = this.client;
    if (client.state() === ST_CONNECTED) client.publish(this.root_ + "status", "offline", 0, true);
    client.stop();
  }

  /** WiFi is up: try the broker now rather than when the backoff says. */
  onUp(ip: string): void {
    if (!this.timer_) return;
    const client = this.client;
    this.attempt_ = 0;
    this.waiting_ = false;
    this.hal_.log.info("wifi up " + ip);
    if (client.state() === ST_WAITING) client.stop();
    client.start();
  }

  /** WiFi is down, or a join failed or was refused: join again after the backoff. */
  onDown(code: number): void {
    if (!this.timer_) return;
    this.hal_.log.error(code, "wifi");
    this.err_ = code;
    this.waiting_ = true;
    this.joinAt_ = this.hal_.clock.now() + backoffDelay(this.attempt_++, 1000, 30000, this.random ? this.random() : Math.random());
    if (this.client.state() !== ST_CONNECTED) this.client.stop();
  }

  /**
   * Logs the error and tells the view when a command was refused; publishes
   * {"source":"<name>","code":<code>} on <root>error, with "dropped":<n> when
   * n replies were left out since the last one: at most one reply a tick.
   */
  report_(source: string, code: number, refused: boolean): void {
    this.hal_.log.error(code, source);
    this.err_ = code;
    if (refused && this.ev_) this.ev_("refused", source, String(code));
    if (this.errorSent_) {
      this.dropped_++;
      return;
    }
    this.errorSent_ = true;
    const dropped = this.dropped_;
    this.dropped_ = 0;
    if (this.send_("error", '{"source":"' + source + '","code":' + code + (dropped ? ',"dropped":' + dropped : "") + "}") < 0) this.dropped_ = dropped + 1;
  }

  /**
   * Publishes `text` on <root><path>: "state/<actuator>" retained at the
   * device's QoS, "telemetry/<sensor>" at the device's QoS, "error" at QoS 0.
   * Returns what publish() did (>= 0 taken, or the code); a refusal is
   * logged, except a QoS 0 message dropped while offline.
   */
  send_(path: string, text: string): number {
    const kind = path.charAt(0);
    const r = this.client.publish(this.root_ + path, text, kind === "e" ? 0 : this.qos_, kind === "s");
    if (r < 0 && r !== E.E_OFFLINE_DROPPED) this.hal_.log.error(r, path);
    if (r < 0) this.lost_++;
    else this.sent_++;
    return r;
  }

  /**
   * Publishes the diagnostics, retained at QoS 0, on <root>diag:
   * {"fw":"<commit>","board":"<id>","up":<s>,"reconnects":<n>,"error":<code>,
   * "errorName":"<E_...>","sent":<n>,"dropped":<n>} with "free" (variables on Espruino) and "rssi"
   * (dBm) where the platform has them, and with several brokers (failover)
   * "broker":"<host>:<port>", the one connected to. `sent` and `dropped` count the
   * device's own messages (telemetry, states, error replies) the client took
   * or refused. A refusal is logged.
   */
  diag_(now: number): void {
    const h = this.hal_.health ? this.hal_.health() : {};
    const st = this.client.stats();
    const broker = this.brokers ? this.brokers[st.broker] : null;
    const text =
      '{"fw":"' +
      firmwareVersion(this.board_) +
      '","board":"' +
      this.board_.id +
      '","up":' +
      Math.floor((now - this.born_) / 1000) +
      (h.free === undefined ? "" : ',"free":' + h.free) +
      (h.rssi === undefined ? "" : ',"rssi":' + h.rssi) +
      (broker ? ',"broker":"' + broker.host + ":" + broker.port + '"' : "") +
      ',"reconnects":' +
      (st.connects - 1) +
      ',"error":' +
      this.err_ +
      ',"errorName":"' +
      errorNameOf(this.err_) +
      '"' +
      ',"sent":' +
      this.sent_ +
      ',"dropped":' +
      this.lost_ +
      "}";
    if (this.ev_) this.ev_("diag", "diag", text);
    const r = this.client.publish(this.root_ + "diag", text, 0, true);
    if (r < 0) this.hal_.log.error(r, "diag");
  }

  /**
   * Applies a command's `level` to actuator i (at once, or from the tick once
   * its interval passed): drives the pin, tells the view, publishes the
   * state. A refused drive is reported, and the command dropped. A state the
   * client refused stays due (stateDue_): the tick publishes it until the
   * client takes it (QoS 1/2: queued, and the client resends it until
   * acknowledged), so the retained state ends equal to the pin.
   */
  switch_(i: number, level: number): void {
    const a = (this.c_.actuators || [])[i];
    const r = this.drive_(i, level);
    if (r < 0) {
      this.wanted_[i] = this.levels[i];
      return this.report_(a.name, r, true);
    }
    const text = stateText(a, level);
    if (this.ev_) this.ev_("command", a.name, text);
    const bit = 1 << i;
    this.stateDue_ = this.send_("state/" + a.name, text) < 0 ? this.stateDue_ | bit : this.stateDue_ & ~bit;
  }

  /**
   * Drives actuator i's pin to `level` (PWM at 1 kHz); returns 0 (and keeps
   * the level, as the one asked for too, and when the actuator may switch
   * again) or the HAL's code.
   */
  drive_(i: number, level: number): number {
    const a = (this.c_.actuators || [])[i];
    const gpio = this.hal_.gpio;
    const r = a.kind === "pwm" ? gpio.pwm(a.pin, a.activeLow ? 1 - level / 100 : level / 100, 1000) : gpio.write(a.pin, level > 0 !== !!a.activeLow);
    if (r === 0) {
      this.levels[i] = level;
      this.wanted_[i] = level;
      const min = a.minSwitchMs;
      this.nextSwitch_[i] = this.hal_.clock.now() + (min === undefined ? (a.kind === "relay" ? RELAY_MIN_SWITCH_MS : 0) : min);
    }
    return r;
  }

  /**
   * Sensor i, one method for its three events: the schedule says read it
   * (`code` undefined), its pin changed (a watch gives `high`: read it only
   * while connected), or its driver has the reading (`code` 0, or negative).
   */
  sensor_(i: number, code?: number | boolean, a?: number, b?: number): void {
    const s = (this.c_.sensors || [])[i];
    if (typeof code !== "number") {
      if (code === undefined || this.client.state() === ST_CONNECTED) this.drivers_[i].read(this.sensor_.bind(this, i));
    } else if (code < 0) {
      if (this.unread_ > 0) this.unread_--;
      this.report_(s.name, code, false);
    } else {
      if (this.unread_ > 0) this.unread_--;
      // Report on change: with `delta`, a reading that moved less than it
      // since the last one published is left out, unless `maxPeriod` has passed.
      const last = this.last_ as number[];
      const k = 3 * i;
      const now = this.hal_.clock.now();
      const forced = s.maxPeriod !== undefined && now - last[k] >= s.maxPeriod * 1000;
      if (s.delta && !forced && Math.abs((a as number) - last[k + 1]) < s.delta && Math.abs((b as number) - last[k + 2]) < s.delta) return;
      const text = readingPayload(s.kind, a as number, b as number);
      if (this.ev_) this.ev_("telemetry", s.name, text);
      if (this.send_("telemetry/" + s.name, text) >= 0 && s.delta) {
        last[k] = now;
        last[k + 1] = a as number;
        last[k + 2] = b as number;
      }
    }
  }
}
