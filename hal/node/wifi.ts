import * as E from "../../base/errors";
import type { Timers, Wifi, WifiHandlers } from "../types";
import { WIFI_DOWN, WIFI_JOINING, WIFI_UP } from "../types";

/** A simulated WiFi station with controls for tests and the simulator. */
export interface SimWifi extends Wifi {
  /** Takes the access point away (the link drops, joins fail with E_WIFI_NO_AP) or brings it back. */
  setAvailable(on: boolean): void;
  /** Drops the link once (E_WIFI_FAILED); the firmware must join again. */
  drop(): void;
  /** Called with true/false whenever the link goes up/down: the Node HAL cuts sockets on down. */
  onLink: ((up: boolean) => void) | null;
  /** How many joins were started. */
  joins(): number;
  hostname(): string;
}

/**
 * WiFi on the host: an access point named `ssid` with `password`; joining
 * takes `joinMs`. Wrong password gives E_WIFI_WRONG_PASSWORD, another SSID or
 * an unavailable access point E_WIFI_NO_AP. Never fails otherwise.
 */
export function createSimWifi(timers: Timers, ssid = "fablab", password = "", joinMs = 20): SimWifi {
  let state = WIFI_DOWN;
  let available = true;
  let handlers: WifiHandlers | null = null;
  let pending = 0;
  let joinCount = 0;
  let host = "";
  const self: SimWifi = {
    onLink: null,
    join(s, p, h) {
      if (typeof s !== "string" || s.length === 0 || s.length > 32) return E.E_INVALID_ARGUMENT;
      timers.cancel(pending);
      handlers = h;
      state = WIFI_JOINING;
      joinCount++;
      pending = timers.after(joinMs, () => {
        pending = 0;
        if (!available || s !== ssid) return down(E.E_WIFI_NO_AP);
        if (p !== password) return down(E.E_WIFI_WRONG_PASSWORD);
        state = WIFI_UP;
        if (self.onLink) self.onLink(true);
        h.onUp("192.168.4.2");
      });
      return 0;
    },
    leave() {
      timers.cancel(pending);
      pending = 0;
      if (state !== WIFI_DOWN) down(E.E_WIFI_FAILED);
    },
    state: () => state,
    ip: () => (state === WIFI_UP ? "192.168.4.2" : ""),
    setHostname(name) {
      if (typeof name !== "string" || !/^[A-Za-z0-9-]{1,32}$/.test(name)) return E.E_INVALID_ARGUMENT;
      host = name;
      return 0;
    },
    setAvailable(on) {
      available = on;
      if (!on && state === WIFI_UP) down(E.E_WIFI_NO_AP);
    },
    drop() {
      if (state === WIFI_UP) down(E.E_WIFI_FAILED);
    },
    joins: () => joinCount,
    hostname: () => host,
  };
  function down(code: number) {
    const was = state;
    state = WIFI_DOWN;
    if (was === WIFI_UP && self.onLink) self.onLink(false);
    const h = handlers;
    if (h) setImmediate(() => h.onDown(code));
  }
  return self;
}

/** The Linux board's network: no WiFi module, always up. */
export function createWiredLink(): Wifi {
  return {
    join: (_s, _p, h) => {
      setImmediate(() => h.onUp("127.0.0.1"));
      return 0;
    },
    leave: () => undefined,
    state: () => WIFI_UP,
    ip: () => "127.0.0.1",
    setHostname: () => 0,
  };
}
