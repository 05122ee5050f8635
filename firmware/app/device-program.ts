import * as E from "../../base/errors";
import type { DeviceBoard } from "../../boards/types";
import { WIFI_DOWN, WIFI_UP, type Hal, type NetTarget, type Power, type Sensor } from "../../hal/types";
import { createClient, ST_CONNECTED, ST_WAITING, type Client, type ClientHandler, type ClientOptions } from "../session/client";
import type { Message } from "../session/subscriptions";
import { backoffDelay } from "../session/backoff";
import { copyWithout, type ActuatorConfig, type Config, type DeviceConfig } from "./config";
import { stateText } from "./actuators";
import { groupRoot, topicRoot } from "./topics";
import type { DiscoveryMessage } from "./discovery";
import type { UpdateRun } from "./device-ota";
import { AWAKE_MAX_MS, RETAINED, SESSION_FILE, TICK_MS, type Device, type DeviceOptions } from "./device-types";

/**
 * The running device, one object (memory: an ESP8266 has ~1,600 variables).
 * Its methods live on the prototype, so an instance costs its fields, not a
 * closure per callback: it is the client's handler (onConnect, onDisconnect,
 * onError and onMessage), the WiFi driver's handler (onUp, onDown), and the
 * one repeating timer's tick, which also runs the WiFi reconnect loop. Of
 * the configuration it keeps a copy without what it turns into other state
 * (the broker and persist into the client's options, qos into qos_, each
 * actuator's initial and safe levels into levels and safe_).
 * Members ending in `_` are internal (shortened in the minified bundle).
 */
export class DeviceProgram implements Device, ClientHandler {
  levels: number[] = [];
  client: Client;
  /** For the WiFi loop's backoff jitter (and the client's); Math.random when not given. */
  random_?: () => number;
  /** With several brokers (broker.hosts): the client's list, for diag to name the one in use. */
  brokers_?: NetTarget[];
  hal_: Hal;
  board_: DeviceBoard;
  config_: DeviceConfig;
  /** The configuration's console is "telnet": start() leaves the remote console open. */
  keepConsole_?: boolean;
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
  onEvent_?: (kind: string, name: string, text: string) => void;
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
  lastError_ = 0;
  /** Battery mode only: sensors not read since the wake. */
  unread_?: number;
  /**
   * When the tick restarts the firmware, absent or 0 for never: a restart command's
   * short delay, or the bound of a configuration on trial (remote-config.ts,
   * set by boot()), cleared when it reaches the broker.
   */
  restartAt_?: number;
  /** An update over MQTT under way (device-ota.ts); absent otherwise. */
  update_?: UpdateRun;

  /** A device for a checked configuration. Throws only on a programmer error (see createClient). */
  constructor(hal: Hal, board: DeviceBoard, config: Config, options?: DeviceOptions) {
    const opt = options || {};
    const root = topicRoot(config);
    const qos = config.qos === undefined ? 1 : config.qos;
    const b = config.broker;
    // The device keeps its own copy of the configuration, without what this
    // constructor turns into other state: the broker and persist (the
    // client's options), qos (qos_), console (keepConsole_), each actuator's initial and safe levels
    // (levels, safe_), and discovery when it is the default prefix (absent
    // means the default). The caller's object is left as it was.
    const leave: (keyof Config)[] = ["broker", "persist", "qos", "console"];
    if (config.discovery === "homeassistant") leave.push("discovery");
    const c = copyWithout(config, leave) as DeviceConfig;
    this.hal_ = hal;
    this.board_ = board;
    this.config_ = c;
    if (config.console === "telnet") this.keepConsole_ = true;
    this.root_ = root;
    this.qos_ = qos;
    if (opt.random) this.random_ = opt.random;
    if (opt.onEvent) this.onEvent_ = opt.onEvent;
    // The client keeps what it needs of its options, not the object.
    const clientOptions: ClientOptions = {
      net: hal.net,
      clock: hal.clock,
      host: b.host as string,
      port: b.port,
      clientId: c.device,
      keepalive: b.keepalive || 30,
      will: { topic: root + "status", payload: "offline", qos: qos, retain: true },
      txBufferSize: board.txBufferSize,
      maxPacketSize: board.maxPacketSize,
      inflightWindow: board.inflightWindow,
      queueSize: board.inflightWindow * 4,
      // Commands, device commands and updates, configuration; the group's with actuators; Home Assistant's status with discovery.
      maxSubscriptions: 3 + (c.actuators && c.actuators.length ? 1 : 0) + (c.discovery === "" ? 0 : 1),
      // The broker sends at most the QoS subscribed at (the device's own, or 1):
      // below 2 it sends nothing at QoS 2, and one id is kept for a broker that would.
      inboundQos2: qos === 2 ? 8 : 1,
      handler: this,
    };
    if (opt.random) clientOptions.random = opt.random;
    if (b.tls) clientOptions.tls = { ca: b.ca, verify: !b.insecure };
    if (b.hosts) {
      // Failover: the client connects to these in turn ("host" or "host:port", checked by checkConfig).
      const brokers: NetTarget[] = [];
      for (let i = 0; i < b.hosts.length; i++) {
        const part = b.hosts[i].split(":");
        const target: NetTarget = { host: part[0], port: part.length > 1 ? +part[1] : b.port };
        if (clientOptions.tls) target.tls = clientOptions.tls;
        brokers.push(target);
      }
      clientOptions.brokers = this.brokers_ = brokers;
    }
    if (b.username !== undefined) clientOptions.username = b.username;
    if (b.password !== undefined) clientOptions.password = b.password;
    if (config.persist) {
      // A power cut keeps the outbox in Storage and the session on the broker (docs/design.md, "The client's policies", power cuts).
      clientOptions.cleanSession = false;
      clientOptions.persistSession = { storage: hal.storage, name: SESSION_FILE };
    }
    this.client = createClient(clientOptions);
    /** The level a config value stands for ("on" 100, "off" 0, a number itself); -1 for "keep" or none. */
    function levelOf(v: ActuatorConfig["safe"]): number {
      if (v === "on") return 100;
      if (v === "off") return 0;
      return typeof v === "number" ? v : -1;
    }
    const actuators = config.actuators || [];
    if (config.actuators) c.actuators = [];
    for (let i = 0; i < actuators.length; i++) {
      const a = actuators[i];
      const initial = levelOf(a.initial);
      this.levels[i] = initial < 0 ? 0 : initial;
      this.safe_[i] = levelOf(a.safe);
      (c.actuators as ActuatorConfig[])[i] = copyWithout(a, ["initial", "safe"]);
    }
  }

  start(): number {
    const hal = this.hal_;
    const c = this.config_;
    const sensors = c.sensors || [];
    const actuators = c.actuators || [];
    const client = this.client;
    // First of all, whatever follows: the remote console would give the configuration, passwords included, to the whole WiFi.
    if (!this.keepConsole_ && hal.closeConsole) hal.closeConsole();
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
        const w = hal.gpio.watch(s.pin, 50, this.onEdge_.bind(this, i));
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
    // Device commands, and an update's messages to the device (cmd/ota/..., device-ota.ts): one subscription for both.
    client.subscribe(this.root_ + "cmd/#", this.qos_, null);
    client.subscribe(this.root_ + "config/set", this.qos_, null);
    if (actuators.length) client.subscribe(groupRoot(c) + "set/+", this.qos_, null);
    if (c.discovery !== "") client.subscribe((c.discovery || "homeassistant") + "/status", 1, null);
    this.born_ = hal.clock.now();
    if (c.sleep) this.unread_ = sensors.length;
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
    const seconds = this.config_.sleep as number;
    hal.log.info("awake " + Math.round(now - this.born_) + " ms, sleeping " + seconds + " s");
    hal.timers.cancel(this.timer_);
    this.timer_ = 0;
    this.client.stop();
    (hal.power as Power).deepSleep(seconds * 1000);
  }

  tick(): void {
    const hal = this.hal_;
    const c = this.config_;
    const client = this.client;
    const now = hal.clock.now();
    if (this.restartAt_ && now - this.restartAt_ >= 0) {
      // A restart command, or a configuration on trial that did not reach the broker (the next boot goes back).
      hal.log.info("restart");
      this.stop();
      return (hal.restart as () => void)();
    }
    // An update with every byte written is checked here, at the tick (device-ota.ts).
    const update = this.update_;
    if (update && update.next === update.offer.s) this.otaCheck_();
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
      if (online && this.stateDue_ & (1 << i) && this.send_("state/" + a.name, stateText(a, levels[i]), this.qos_ | RETAINED) >= 0) this.stateDue_ &= ~(1 << i);
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
      if (online || c.offline === "queue") this.drivers_[i].read(this.onReading_.bind(this, i));
    }
    // Battery mode: asleep once every sensor was read and nothing waits, or at the bound.
    if (
      c.sleep &&
      (now - this.born_ >= AWAKE_MAX_MS ||
        (online && this.unread_ === 0 && this.announce_ < 0 && !this.stateDue_ && client.stats().inFlight + client.stats().queued === 0))
    )
      this.sleep_(now);
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
    this.lastError_ = code;
    this.waiting_ = true;
    this.joinAt_ = this.hal_.clock.now() + backoffDelay(this.attempt_++, 1000, 30000, this.random_ ? this.random_() : Math.random());
    if (this.client.state() !== ST_CONNECTED) this.client.stop();
  }

  // From the broker (device-messages.ts).
  declare onConnect: () => void;
  declare onDisconnect: (code: number) => void;
  declare onError: (code: number) => void;
  declare onMessage: (m: Message) => void;
  declare command_: (name: string, retained: boolean) => void;
  declare setConfig_: (change: string, retained: boolean) => void;
  declare keepTrial_: () => void;
  declare answerConfig_: () => void;
  declare announcement_: (k: number, out: DiscoveryMessage) => boolean;
  // Updates over MQTT (device-ota.ts).
  declare otaMessage_: (path: string, m: Message) => void;
  declare otaBegin_: (text: string) => void;
  declare otaNext_: () => void;
  declare otaAnswer_: (name: string, text: string) => void;
  declare otaFail_: (code: number, reason: string) => void;
  declare otaCheck_: () => void;
  declare keepImage_: () => boolean;
  declare otaRunning_: () => void;
  // Publishing and pins (device-outputs.ts).
  declare report_: (source: string, code: number, refused: boolean) => void;
  declare send_: (path: string, text: string, flags: number) => number;
  declare diag_: (now: number) => void;
  declare switch_: (i: number, level: number) => void;
  declare drive_: (i: number, level: number) => number;
  declare onEdge_: (i: number) => void;
  declare onReading_: (i: number, code: number, a: number, b: number) => void;
}
