import type { Clock, Log, Wifi } from "../../hal/types";
import { WIFI_DOWN, WIFI_UP } from "../../hal/types";
import { backoffDelay } from "../session/backoff";

/**
 * The firmware's own WiFi reconnect loop: the ESP32 driver gives up after
 * three tries, so every failed join or dropped link is followed by another
 * join after a capped exponential backoff with jitter (1 s doubling to 30 s),
 * reset once the link comes up.
 */
export interface WifiKeeper {
  start(): void;
  stop(): void;
  tick(): void;
  up(): boolean;
}

/** A keeper for `wifi`; `onUp`/`onDown` tell the device. Never fails; a refused join() is retried like a failed one. */
export function createWifiKeeper(wifi: Wifi, clock: Clock, log: Log, ssid: string, password: string, random: () => number, onUp: () => void, onDown: (code: number) => void): WifiKeeper {
  let running = false;
  let attempt = 0;
  let joinAt = 0;
  let waiting = false;
  const handlers = {
    onUp: function (ip: string) {
      if (!running) return;
      attempt = 0;
      waiting = false;
      log.info("wifi up " + ip);
      onUp();
    },
    onDown: function (code: number) {
      if (!running) return;
      log.error(code, "wifi");
      schedule();
      onDown(code);
    },
  };
  function schedule() {
    waiting = true;
    joinAt = clock.now() + backoffDelay(attempt, 1000, 30000, random());
    attempt++;
  }
  function join() {
    waiting = false;
    const r = wifi.join(ssid, password, handlers);
    if (r < 0) {
      log.error(r, "wifi join");
      schedule();
    }
  }
  return {
    start: function () {
      if (running) return;
      running = true;
      attempt = 0;
      if (wifi.state() === WIFI_UP) handlers.onUp(wifi.ip());
      else join();
    },
    stop: function () {
      running = false;
      waiting = false;
    },
    tick: function () {
      if (running && waiting && wifi.state() === WIFI_DOWN && clock.now() - joinAt >= 0) join();
    },
    up: function () {
      return wifi.state() === WIFI_UP;
    },
  };
}
