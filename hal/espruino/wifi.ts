import { BOARD_CHIP } from "board";
import { E_INVALID_ARGUMENT, E_SOCKET_NO_ROUTE, E_WIFI_FAILED, E_WIFI_NO_AP, E_WIFI_WRONG_PASSWORD } from "../../base/errors";
import { WIFI_DOWN, WIFI_JOINING, WIFI_UP, type Wifi, type WifiHandlers } from "../types";
import type { EspWifiModule } from "./api";
import { cutSockets, type EspruinoNet } from "./net";

declare function require(name: string): EspWifiModule;
declare function setTimeout<A, B, C>(fn: (a: A, b: B, c: C) => void, ms: number, a: A, b?: B, c?: C): number;
declare function clearTimeout(id: number): void;

/** How long one join may take before it counts as failed (the driver may still get there: then onUp). */
const JOIN_MS = 30000;

/**
 * The WiFi driver's words for a failure as a platform code: a connect
 * callback's error ("bad_password", "no_ap_found", "connect_failed" on
 * ESP8266; "NO_AP_FOUND", "AUTH_FAIL", "4WAY_HANDSHAKE_TIMEOUT" on ESP32) or a
 * `disconnected` event's details ({reason} on ESP8266, {reason: "201", msg} on
 * ESP32). Never fails: E_WIFI_FAILED for anything else.
 */
export function wifiCode(why: unknown): number {
  const d = why as { msg?: string; reason?: string } | null;
  const s = String((d && (d.msg || d.reason)) || why).toLowerCase();
  return s.indexOf("no_ap") >= 0 ? E_WIFI_NO_AP : /password|auth_fail|handshake/.test(s) ? E_WIFI_WRONG_PASSWORD : E_WIFI_FAILED;
}

/** The station the driver's events go to: a board has one (the last one made listens). */
let station: EspruinoWifi | null = null;

/** The driver's `connected` event: the link is up, unless it was or nobody joined. */
function onDriverUp(d: { ip?: string }): void {
  const f = station;
  if (!f || f.state_ === WIFI_UP || !f.handlers_) return;
  f.state_ = WIFI_UP;
  f.address_ = (d && d.ip) || "";
  // The join's timeout is of no use now: cleared, its timer's variables are free while MQTT connects.
  if (f.joinTimer_) clearTimeout(f.joinTimer_);
  f.joinTimer_ = 0;
  f.handlers_.onUp(f.address_);
}

/** The driver's `disconnected` event. */
function onDriverDown(d: unknown): void {
  if (station && station.state_ === WIFI_UP) station.drop_(WIFI_DOWN, wifiCode(d));
}

/** A join with no answer in JOIN_MS (`st` WIFI_JOINING), or the end of leave() a turn later (WIFI_DOWN): down, unless another attempt began. */
function giveUp(f: EspruinoWifi, mine: number, st: number): void {
  if (mine !== f.attempt_) return;
  // Fired: Espruino may give its number to another timer from now on.
  if (st === WIFI_JOINING) f.joinTimer_ = 0;
  if (f.state_ === st) f.drop_(WIFI_DOWN, E_WIFI_FAILED);
}

/** The Linux board's join: the link is up from the start. */
function linuxUp(h: WifiHandlers): void {
  h.onUp("");
}

/**
 * The station over `require("Wifi")` (ESP32 and ESP8266). join() is one
 * attempt: it fails with the connect callback's error (or E_WIFI_FAILED after
 * JOIN_MS without an answer) and succeeds with the `connected` event. The
 * ESP32 driver gives up after three tries; the ESP8266 one keeps trying on its
 * own, so a later `connected` event still brings the link up (onUp) until
 * leave(). A `disconnected` event while up brings it down (onDown with the
 * reason's code). When the link goes, the sockets of `net` are cut with
 * E_SOCKET_NO_ROUTE. The Linux board has no WiFi module: its link is up from
 * the start (BOARD_CHIP is a constant of the build: a bundle carries one of
 * the two). Never throws. One object, methods on the prototype, no closure
 * kept (the driver's listeners find the station in a module variable).
 */
export class EspruinoWifi implements Wifi {
  state_ = BOARD_CHIP === "linux" ? WIFI_UP : WIFI_DOWN;
  address_ = "";
  handlers_: WifiHandlers | null = null;
  /** Bumped by every join and leave: answers meant for an older attempt are ignored. */
  attempt_ = 0;
  /**
   * Espruino's number for the current join's timeout while it is pending, else
   * 0. A join, and a leave while not down, pass through drop_(), which clears
   * it (while down none is pending), and the timeout itself sets 0 when it
   * fires: a number kept here was never given to another timer.
   */
  joinTimer_ = 0;
  w_: EspWifiModule | null = null;
  net_: EspruinoNet;
  constructor(net: EspruinoNet) {
    this.net_ = net;
  }
  /** Leaves WIFI_UP (cutting the sockets) for `to`; with a `code`, tells the handlers the link is down. */
  drop_(to: number, code?: number): void {
    if (this.joinTimer_) clearTimeout(this.joinTimer_);
    this.joinTimer_ = 0;
    if (this.state_ === WIFI_UP) cutSockets(this.net_, E_SOCKET_NO_ROUTE);
    this.state_ = to;
    this.address_ = "";
    if (code && this.handlers_) this.handlers_.onDown(code);
  }
  join(ssid: string, password: string, h: WifiHandlers): number {
    if (BOARD_CHIP === "linux") {
      setTimeout(linuxUp, 0, h);
      return 0;
    }
    if (!ssid) return E_INVALID_ARGUMENT;
    const mine = ++this.attempt_;
    const f = this;
    this.handlers_ = h;
    try {
      // The driver's events are listened to from the first join on (require throws when the firmware has no Wifi).
      let w = this.w_;
      if (!w) {
        w = this.w_ = require("Wifi");
        station = this;
        w.on("connected", onDriverUp);
        w.on("disconnected", onDriverDown);
      }
      // Success is the `connected` event that follows (it carries the address).
      w.connect(ssid, { password: password }, function (err) {
        if (err && mine === f.attempt_ && f.state_ === WIFI_JOINING) f.drop_(WIFI_DOWN, wifiCode(err));
      });
    } catch (e) {
      return E_WIFI_FAILED;
    }
    // Connecting again drops a link that was up.
    this.drop_(WIFI_JOINING);
    this.joinTimer_ = setTimeout(giveUp, JOIN_MS, this, mine, WIFI_JOINING);
    return 0;
  }
  leave(): void {
    if (BOARD_CHIP === "linux") return;
    const mine = ++this.attempt_;
    // Also stops the ESP8266 driver's own retries.
    try {
      if (this.w_) this.w_.disconnect();
    } catch (e) {}
    if (this.state_ === WIFI_DOWN) return;
    this.drop_(WIFI_DOWN);
    setTimeout(giveUp, 0, this, mine, WIFI_DOWN);
  }
  state(): number {
    return this.state_;
  }
  ip(): string {
    return this.address_;
  }
  setHostname(name: string): number {
    if (BOARD_CHIP === "linux") return 0;
    try {
      (this.w_ || require("Wifi")).setHostname(name);
      return 0;
    } catch (e) {
      return E_INVALID_ARGUMENT;
    }
  }
}
