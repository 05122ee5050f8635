import { BOARD_CHIP } from "board";
import { E_INVALID_ARGUMENT, E_WIFI_FAILED, E_WIFI_NO_AP, E_WIFI_WRONG_PASSWORD } from "../../firmware/errors";
import { WIFI_DOWN, WIFI_JOINING, WIFI_UP, type Wifi, type WifiHandlers } from "../types";
import type { EspWifiModule } from "./api";

declare function require(name: string): EspWifiModule;
declare function setTimeout(fn: () => void, ms: number): number;

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

/**
 * The station over `require("Wifi")` (ESP32 and ESP8266). join() is one
 * attempt: it fails with the connect callback's error (or E_WIFI_FAILED after
 * JOIN_MS without an answer) and succeeds with the `connected` event. The
 * ESP32 driver gives up after three tries; the ESP8266 one keeps trying on its
 * own, so a later `connected` event still brings the link up (onUp) until
 * leave(). A `disconnected` event while up
 * brings it down (onDown with the reason's code). `onLink(up)` tells the HAL
 * when the link comes and goes (sockets are cut when it goes). The Linux
 * board has no WiFi module: its link is up from the start (BOARD_CHIP is a
 * constant of the build: a bundle carries one of the two). Never throws.
 */
export function createEspruinoWifi(onLink: (up: boolean) => void): Wifi {
  if (BOARD_CHIP === "linux")
    return {
      join: function (_s, _p, h) {
        setTimeout(function () {
          h.onUp("");
        }, 0);
        return 0;
      },
      leave: function () {},
      state: function () {
        return WIFI_UP;
      },
      ip: function () {
        return "";
      },
      setHostname: function () {
        return 0;
      },
    };
  let state = WIFI_DOWN;
  let address = "";
  let handlers: WifiHandlers | null = null;
  /** Bumped by every join and leave: answers meant for an older attempt are ignored. */
  let attempt = 0;
  let w: EspWifiModule | null = null;
  /** Leaves WIFI_UP (telling the HAL) for `to`. */
  const drop = function (to: number) {
    if (state === WIFI_UP) onLink(false);
    state = to;
    address = "";
  };
  const up = function (ip?: string) {
    if (state === WIFI_UP || !handlers) return;
    state = WIFI_UP;
    address = ip || "";
    onLink(true);
    handlers.onUp(address);
  };
  const down = function (code: number) {
    drop(WIFI_DOWN);
    if (handlers) handlers.onDown(code);
  };
  /** The driver, its events listened to from the first use on; throws when the firmware has none. */
  const driver = function (): EspWifiModule {
    if (!w) {
      w = require("Wifi");
      w.on("connected", function (d: { ip?: string }) {
        up(d && d.ip);
      });
      w.on("disconnected", function (d: unknown) {
        if (state === WIFI_UP) down(wifiCode(d));
      });
    }
    return w;
  };
  return {
    join: function (ssid, password, h) {
      if (!ssid) return E_INVALID_ARGUMENT;
      const mine = ++attempt;
      handlers = h;
      try {
        // Success is the `connected` event that follows (it carries the address).
        driver().connect(ssid, { password: password }, function (err) {
          if (err && mine === attempt && state === WIFI_JOINING) down(wifiCode(err));
        });
      } catch (e) {
        return E_WIFI_FAILED;
      }
      // Connecting again drops a link that was up.
      drop(WIFI_JOINING);
      setTimeout(function () {
        if (mine === attempt && state === WIFI_JOINING) down(E_WIFI_FAILED);
      }, JOIN_MS);
      return 0;
    },
    leave: function () {
      const mine = ++attempt;
      // Also stops the ESP8266 driver's own retries.
      try {
        if (w) w.disconnect();
      } catch (e) {}
      if (state === WIFI_DOWN) return;
      drop(WIFI_DOWN);
      setTimeout(function () {
        if (mine === attempt) down(E_WIFI_FAILED);
      }, 0);
    },
    state: function () {
      return state;
    },
    ip: function () {
      return address;
    },
    setHostname: function (name) {
      try {
        driver().setHostname(name);
        return 0;
      } catch (e) {
        return E_INVALID_ARGUMENT;
      }
    },
  };
}
