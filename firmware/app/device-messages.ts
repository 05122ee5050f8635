import * as E from "../../base/errors";
import type { Message } from "../session/subscriptions";
import { payloadText } from "../wire/index";
import { CONFIG_FILE, isName } from "./config";
import { changedConfig, maskedConfig, CONFIG_RESULT_FILE, CONFIG_TRY_FILE, type ConfigChange } from "./remote-config";
import { parseCommand } from "./actuators";
import { groupRoot } from "./topics";
import { firmwareVersion } from "./version";
import { discoveryMessage, type DiscoveryMessage } from "./discovery";
import { RESTART_DELAY_MS } from "./device-types";
import { DeviceProgram } from "./device-program";
import { OTA_RESULT_FILE } from "./ota";

/** What the device does with what comes from the broker, and the announcement after a connect. Methods of DeviceProgram (device-program.ts declares them). */

/** The client is connected: "online", then every actuator's state (from the next tick), then discovery. */
DeviceProgram.prototype.onConnect = function (this: DeviceProgram): void {
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
  // Connected within its bound: a configuration or an image on trial is kept
  // (keepTrial_ leaves a restart command's deadline alone).
  if (this.restartAt_) this.keepTrial_();
  else this.answerConfig_();
  // An update under way goes on where it was.
  if (this.update_) this.otaNext_();
};

/** The connection is gone (or stopped): a connection that was up puts the actuators in their safe state. */
DeviceProgram.prototype.onDisconnect = function (this: DeviceProgram, code: number): void {
  if (code === E.E_STOPPED) this.hal_.log.info("mqtt stopped");
  else {
    this.lastError_ = code;
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
};

/** A fault that keeps the connection: an oversized message (a command, since the device subscribes to nothing else) is answered on <root>error. */
DeviceProgram.prototype.onError = function (this: DeviceProgram, code: number): void {
  if (code === E.E_PACKET_TOO_LARGE) this.report_("command", code, true);
  else this.hal_.log.error(code, "mqtt");
};

/**
 * Every message: a command to an actuator (<root>set/<actuator>, or
 * <base>/all/set/<actuator> to the group), one to the device
 * (<root>cmd/<name>), an update's (<root>cmd/ota/...), a configuration
 * change (<root>config/set), or Home Assistant's status.
 */
DeviceProgram.prototype.onMessage = function (this: DeviceProgram, m: Message): void {
  const c = this.config_;
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
  } else if (topic.substr(0, cmd.length + 4) === cmd + "ota/") return this.otaMessage_(topic.substr(cmd.length + 4), m);
  else if (topic.substr(0, cmd.length) === cmd) return this.command_(topic.substr(cmd.length), m.retain);
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
};

/**
 * A command to the device itself (<root>cmd/<name>): "restart" stops
 * cleanly ("offline" goes out) and restarts the firmware RESTART_DELAY_MS
 * later; "discovery" sends discovery again. A retained one is ignored and
 * logged (E_COMMAND_RETAINED); an unknown one, or one the platform or the
 * configuration cannot do, is answered with E_COMMAND_UNKNOWN.
 */
DeviceProgram.prototype.command_ = function (this: DeviceProgram, name: string, retained: boolean): void {
  const hal = this.hal_;
  if (retained) return hal.log.error(E.E_COMMAND_RETAINED, "cmd/" + name);
  if (name === "discovery" && this.config_.discovery !== "") {
    this.announce_ = 2;
    return;
  }
  if (name === "restart" && hal.restart) {
    hal.log.info("restart");
    if (this.onEvent_) this.onEvent_("command", "device", "restart");
    this.leave_();
    // From the tick, once "offline" and the DISCONNECT had time to leave (a restart at once loses them).
    this.restartAt_ = hal.clock.now() + RESTART_DELAY_MS;
    return;
  }
  this.report_(isName(name) ? "cmd/" + name : "cmd", E.E_COMMAND_UNKNOWN, true);
};

/**
 * config/set (remote-config.ts): checks the change against the board and
 * answers on <root>config/result; a sound one is written as the
 * configuration on trial, and the device restarts into it. A retained one
 * is ignored (it would apply again at every boot), and without a platform
 * restart the answer is E_COMMAND_UNKNOWN.
 */
DeviceProgram.prototype.setConfig_ = function (this: DeviceProgram, change: string, retained: boolean): void {
  const hal = this.hal_;
  if (retained) return hal.log.error(E.E_COMMAND_RETAINED, "config/set");
  let r: ConfigChange | null = hal.restart
    ? changedConfig(hal.storage.read(CONFIG_FILE) || "", change, this.board_)
    : { ok: false, text: '{"ok":false,"code":' + E.E_COMMAND_UNKNOWN + "}" };
  const ok = r.ok && hal.storage.write(CONFIG_TRY_FILE, r.text) === 0;
  const answer = ok ? '{"ok":true}' : r.ok ? '{"ok":false,"code":' + E.E_STORAGE_FAILED + "}" : r.text;
  // Not kept through the publish: the configuration's text is the largest string the device makes.
  r = null;
  if (this.onEvent_) this.onEvent_(ok ? "command" : "refused", "config", answer);
  this.client.publish(this.root_ + "config/result", answer, 0, false);
  if (!ok) return hal.log.error(E.E_CONFIG, "config/set");
  hal.log.info("config: restarting into the new configuration");
  this.leave_();
  this.restartAt_ = hal.clock.now() + RESTART_DELAY_MS;
};

/** The configuration or the image on trial reached the broker: it becomes the one in force; config/result or ota/result says so. */
DeviceProgram.prototype.keepTrial_ = function (this: DeviceProgram): void {
  const storage = this.hal_.storage;
  const image = this.keepImage_();
  const text = storage.read(CONFIG_TRY_FILE);
  // No trial: the deadline is a restart command's (the WiFi came back while it waited), which stands.
  if (text === null) {
    if (image) this.restartAt_ = 0;
    return;
  }
  if (storage.write(CONFIG_FILE, text) === 0) {
    storage.erase(CONFIG_TRY_FILE);
    storage.erase(CONFIG_RESULT_FILE);
    this.client.publish(this.root_ + "config/result", '{"ok":true,"kept":true}', 0, false);
  }
  // Written or not, the device runs on it until the next boot, which goes back when it was not.
  this.restartAt_ = 0;
};

/** Publishes, and erases, the answer a config/set or an update came to across a restart (a rollback). */
DeviceProgram.prototype.answerConfig_ = function (this: DeviceProgram): void {
  const storage = this.hal_.storage;
  for (let i = 0; i < 2; i++) {
    const file = i ? OTA_RESULT_FILE : CONFIG_RESULT_FILE;
    const answer = storage.read(file);
    if (answer !== null && this.client.publish(this.root_ + (i ? "ota/result" : "config/result"), answer, 0, false) >= 0) storage.erase(file);
  }
};

/**
 * Fills `out` with message k of the announcement after a connect, each
 * retained: 0 the configuration in force on <root>config, passwords masked
 * (an empty payload when Storage has none to show: nothing is sent), 1 the
 * firmware's version on <root>version, then discovery message k - 2 unless
 * discovery is off. Returns false past the last.
 */
DeviceProgram.prototype.announcement_ = function (this: DeviceProgram, k: number, out: DiscoveryMessage): boolean {
  if (k > 1) return this.config_.discovery !== "" && discoveryMessage(this.config_, this.root_, this.board_, k - 2, out);
  out.topic = this.root_ + (k ? "version" : "config");
  out.payload = k ? firmwareVersion(this.board_) : maskedConfig(this.hal_.storage.read(CONFIG_FILE) || "");
  return true;
};
