import * as E from "../../base/errors";
import { errorNameOf } from "../../base/error-names";
import { ST_CONNECTED } from "../session/client";
import { stateText } from "./actuators";
import { readingPayload } from "./telemetry";
import { firmwareVersion } from "./version";
import { RELAY_MIN_SWITCH_MS, RETAINED } from "./device-types";
import { DeviceProgram } from "./device-program";

/** What the device publishes (error replies, diagnostics, readings) and how it drives its pins. Methods of DeviceProgram (device-program.ts declares them). */

/**
 * Logs the error and tells the view when a command was refused; publishes
 * {"source":"<name>","code":<code>} on <root>error, with "dropped":<n> when
 * n replies were left out since the last one: at most one reply a tick.
 */
DeviceProgram.prototype.report_ = function (this: DeviceProgram, source: string, code: number, refused: boolean): void {
  this.hal_.log.error(code, source);
  this.lastError_ = code;
  if (refused && this.onEvent_) this.onEvent_("refused", source, String(code));
  if (this.errorSent_) {
    this.dropped_++;
    return;
  }
  this.errorSent_ = true;
  const dropped = this.dropped_;
  this.dropped_ = 0;
  if (this.send_("error", '{"source":"' + source + '","code":' + code + (dropped ? ',"dropped":' + dropped : "") + "}", 0) < 0) this.dropped_ = dropped + 1;
};

/**
 * Publishes `text` on <root><path> at the QoS in `flags`, retained with
 * RETAINED (the device's messages: "state/<actuator>" retained at the
 * device's QoS, "telemetry/<sensor>" at its QoS, "error" at QoS 0). Returns what publish() did (>= 0 taken, or the code); a refusal is
 * logged, except a QoS 0 message dropped while offline.
 */
DeviceProgram.prototype.send_ = function (this: DeviceProgram, path: string, text: string, flags: number): number {
  const r = this.client.publish(this.root_ + path, text, flags & 3, (flags & RETAINED) !== 0);
  if (r < 0 && r !== E.E_OFFLINE_DROPPED) this.hal_.log.error(r, path);
  if (r < 0) this.lost_++;
  else this.sent_++;
  return r;
};

/**
 * Publishes the diagnostics, retained at QoS 0, on <root>diag:
 * {"fw":"<commit>","board":"<id>","up":<s>,"reconnects":<n>,"error":<code>,
 * "errorName":"<E_...>","sent":<n>,"dropped":<n>} with "free" (variables on Espruino) and "rssi"
 * (dBm) where the platform has them, and with several brokers (failover)
 * "broker":"<host>:<port>", the one connected to. `sent` and `dropped` count the
 * device's own messages (telemetry, states, error replies) the client took
 * or refused. A refusal is logged.
 */
DeviceProgram.prototype.diag_ = function (this: DeviceProgram, now: number): void {
  const h = this.hal_.health ? this.hal_.health() : {};
  const st = this.client.stats();
  const broker = this.brokers_ ? this.brokers_[st.broker] : null;
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
    this.lastError_ +
    ',"errorName":"' +
    errorNameOf(this.lastError_) +
    '"' +
    ',"sent":' +
    this.sent_ +
    ',"dropped":' +
    this.lost_ +
    "}";
  if (this.onEvent_) this.onEvent_("diag", "diag", text);
  const r = this.client.publish(this.root_ + "diag", text, 0, true);
  if (r < 0) this.hal_.log.error(r, "diag");
};

/**
 * Applies a command's `level` to actuator i (at once, or from the tick once
 * its interval passed): drives the pin, tells the view, publishes the
 * state. A refused drive is reported, and the command dropped. A state the
 * client refused stays due (stateDue_): the tick publishes it until the
 * client takes it (QoS 1/2: queued, and the client resends it until
 * acknowledged), so the retained state ends equal to the pin.
 */
DeviceProgram.prototype.switch_ = function (this: DeviceProgram, i: number, level: number): void {
  const a = (this.config_.actuators || [])[i];
  const r = this.drive_(i, level);
  if (r < 0) {
    this.wanted_[i] = this.levels[i];
    return this.report_(a.name, r, true);
  }
  const text = stateText(a, level);
  if (this.onEvent_) this.onEvent_("command", a.name, text);
  const bit = 1 << i;
  this.stateDue_ = this.send_("state/" + a.name, text, this.qos_ | RETAINED) < 0 ? this.stateDue_ | bit : this.stateDue_ & ~bit;
};

/**
 * Drives actuator i's pin to `level` (PWM at 1 kHz); returns 0 (and keeps
 * the level, as the one asked for too, and when the actuator may switch
 * again) or the HAL's code.
 */
DeviceProgram.prototype.drive_ = function (this: DeviceProgram, i: number, level: number): number {
  const a = (this.config_.actuators || [])[i];
  const gpio = this.hal_.gpio;
  const r = a.kind === "pwm" ? gpio.pwm(a.pin, a.activeLow ? 1 - level / 100 : level / 100, 1000) : gpio.write(a.pin, level > 0 !== !!a.activeLow);
  if (r === 0) {
    this.levels[i] = level;
    this.wanted_[i] = level;
    const min = a.minSwitchMs;
    this.nextSwitch_[i] = this.hal_.clock.now() + (min === undefined ? (a.kind === "relay" ? RELAY_MIN_SWITCH_MS : 0) : min);
  }
  return r;
};

/** Sensor i's pin changed (a digital input's debounced edge): it is read at once, and its reading handled as a scheduled one. */
DeviceProgram.prototype.onEdge_ = function (this: DeviceProgram, i: number): void {
  this.drivers_[i].read(this.onReading_.bind(this, i));
};

/**
 * Sensor i's driver has its reading (at its period, or at a digital input's
 * edge): `code` 0 and the values (a DHT22 gives two), or a negative code,
 * published on <root>error. Offline it follows the `offline` setting: left
 * out with "skip", handed to the client with "queue".
 */
DeviceProgram.prototype.onReading_ = function (this: DeviceProgram, i: number, code: number, a: number, b: number): void {
  const s = (this.config_.sensors || [])[i];
  if (this.unread_) this.unread_--;
  if (this.config_.offline !== "queue" && this.client.state() !== ST_CONNECTED) return;
  if (code < 0) return this.report_(s.name, code, false);
  // Report on change: with `delta`, a reading that moved less than it
  // since the last one published is left out, unless `maxPeriod` has passed.
  const last = this.last_ as number[];
  const k = 3 * i;
  const now = this.hal_.clock.now();
  const forced = s.maxPeriod !== undefined && now - last[k] >= s.maxPeriod * 1000;
  if (s.delta && !forced && Math.abs(a - last[k + 1]) < s.delta && Math.abs(b - last[k + 2]) < s.delta) return;
  const text = readingPayload(s.kind, a, b);
  if (this.onEvent_) this.onEvent_("telemetry", s.name, text);
  if (this.send_("telemetry/" + s.name, text, this.qos_) >= 0 && s.delta) {
    last[k] = now;
    last[k + 1] = a;
    last[k + 2] = b;
  }
};
