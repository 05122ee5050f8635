import { makeEmitter, type Loop } from "./loop";
import type { StandinMode } from "./net";

/** What a test controls and sees of the simulated WiFi. */
export interface WifiControl {
  /** Takes the access point away (a joined link drops) or brings it back. */
  setAvailable(on: boolean): void;
  /** "off", "connecting" or "connected". */
  status(): string;
  /** connect() calls, and the driver's association attempts (its own retries included). */
  connects(): number;
  attempts(): number;
  hostname(): string;
}

export interface StandinWifi {
  module: object;
  control: WifiControl;
  online(): boolean;
  dispose(): void;
}

/** How long one association attempt takes in the simulation. */
const ATTEMPT_MS = 20;
/** ESP8266: the SDK's own retry period while not connected. */
const RETRY_MS = 60;

/**
 * `require("Wifi")` as the ESP32 and ESP8266 firmware have it
 * (libs/network/esp32, libs/network/esp8266), over one simulated access point
 * `ssid`/`password` that a test can take away and bring back:
 *
 * - connect(ssid, {password}, cb): cb(null) once an address is given, then the
 *   `connected` event {ip, netmask, gw} (`associated` before). ESP32: three
 *   attempts in all, silent retries, then the `disconnected` event {reason:
 *   "201", msg: "NO_AP_FOUND"} (or "AUTH_FAIL") and cb(msg); a drop of a joined
 *   link is retried silently with what is left of the three. ESP8266: the first
 *   failure calls cb("no_ap_found" | "bad_password"), every failure is a
 *   `disconnected` event {reason}, and the driver keeps trying on its own every
 *   RETRY_MS until it connects (the `connected` event) or disconnect().
 * - disconnect(cb), getIP() ({ip: "0.0.0.0"} when not joined), setHostname(),
 *   getHostname(), getDetails(cb), save().
 * `onLink(up)` tells the stand-in's sockets when the link comes and goes.
 */
export function createStandinWifi(loop: Loop, mode: StandinMode, ssid: string, password: string, onLink: (up: boolean) => void): StandinWifi {
  let available = true;
  let status: "off" | "connecting" | "connected" = "off";
  let connects = 0;
  let attempts = 0;
  let host = "espruino";
  let timer: NodeJS.Timeout | null = null;
  let wanted: { ssid: string; password: string } | null = null;
  let callback: unknown = null;
  let retries = 0;
  const esp32 = mode === "esp32";
  const stopTimer = () => {
    if (timer) clearTimeout(timer);
    timer = null;
  };
  const address = { ip: "192.168.4.2", netmask: "255.255.255.0", gw: "192.168.4.1", mac: "5c:cf:7f:00:00:01" };
  const module = makeEmitter(loop, {
    connect(s: unknown, options: unknown, cb?: unknown) {
      if (typeof s !== "string") throw new Error("Expecting SSID as a String");
      const pw = options && typeof options === "object" ? String((options as { password?: unknown }).password ?? "") : "";
      connects++;
      stopTimer();
      if (status === "connected") drop("assoc_leave", "8", "ASSOC_LEAVE", false);
      wanted = { ssid: s, password: pw };
      callback = typeof cb === "function" ? cb : null;
      retries = 3;
      status = "connecting";
      attempt();
    },
    disconnect(cb?: unknown) {
      stopTimer();
      const was = wanted;
      wanted = null;
      callback = null;
      if (status === "connected") {
        drop("assoc_leave", "8", "ASSOC_LEAVE", false);
        module.emit("disconnected", esp32 ? { ssid: was?.ssid ?? "", reason: "8", msg: "ASSOC_LEAVE" } : { ssid: was?.ssid ?? "", reason: "assoc_leave" });
      }
      status = "off";
      if (typeof cb === "function") loop.post(cb);
    },
    getIP(cb?: unknown) {
      const info = { ...address, ip: status === "connected" ? address.ip : "0.0.0.0" };
      if (typeof cb === "function") loop.post(cb, [info]);
      return info;
    },
    getDetails(cb?: unknown) {
      const info = { status: status === "connected" ? "connected" : status === "connecting" ? "connecting" : "off", ssid: wanted?.ssid ?? "", rssi: -60 };
      if (typeof cb === "function") loop.post(cb, [info]);
      return info;
    },
    setHostname(name: unknown, cb?: unknown) {
      if (typeof name !== "string" || name.length === 0 || name.length > 32) throw new Error("Invalid hostname");
      host = name;
      if (typeof cb === "function") loop.post(cb);
    },
    getHostname(cb?: unknown) {
      if (typeof cb === "function") loop.post(cb, [host]);
      return host;
    },
    save() {},
  });
  /** A failed attempt: why, in the driver's words. */
  const failure = (): { e8266: string; code: string; msg: string } | null => {
    if (!wanted) return null;
    if (!available || wanted.ssid !== ssid) return { e8266: "no_ap_found", code: "201", msg: "NO_AP_FOUND" };
    if (wanted.password !== password) return { e8266: "bad_password", code: "202", msg: "AUTH_FAIL" };
    return null;
  };
  const answer = (err: string | null) => {
    const cb = callback;
    callback = null;
    if (cb) loop.post(cb, [err]);
  };
  function attempt() {
    timer = setTimeout(() => {
      timer = null;
      if (!wanted) return;
      attempts++;
      const why = failure();
      if (!why) {
        status = "connected";
        onLink(true);
        module.emit("associated", { ssid: wanted.ssid, mac: "aa:bb:cc:dd:ee:ff", channel: 6 });
        answer(null);
        module.emit("connected", { ip: address.ip, netmask: address.netmask, gw: address.gw });
        return;
      }
      if (esp32) {
        if (--retries > 0) return attempt();
        status = "off";
        module.emit("disconnected", { ssid: wanted.ssid, mac: "aa:bb:cc:dd:ee:ff", reason: why.code, msg: why.msg });
        answer(why.msg);
        wanted = null;
        return;
      }
      module.emit("disconnected", { ssid: wanted.ssid, mac: "aa:bb:cc:dd:ee:ff", reason: why.e8266 === "bad_password" ? "auth_failed" : why.e8266 });
      answer(why.e8266);
      timer = setTimeout(attempt, RETRY_MS);
    }, ATTEMPT_MS);
  }
  /** A joined link ends: the sockets lose the network; the event says why (not when the program asked). */
  function drop(reason8266: string, code: string, msg: string, retry: boolean) {
    status = "connecting";
    onLink(false);
    if (!retry) return;
    if (esp32) {
      // The ESP32 driver retries silently with what is left of its three tries.
      if (--retries > 0) return attempt();
      status = "off";
      module.emit("disconnected", { ssid: wanted?.ssid ?? "", mac: "aa:bb:cc:dd:ee:ff", reason: code, msg });
      wanted = null;
      return;
    }
    module.emit("disconnected", { ssid: wanted?.ssid ?? "", mac: "aa:bb:cc:dd:ee:ff", reason: reason8266 });
    timer = setTimeout(attempt, RETRY_MS);
  }
  return {
    module,
    control: {
      setAvailable(on) {
        available = on;
        if (!on && status === "connected") drop("beacon_timeout", "200", "BEACON_TIMEOUT", true);
      },
      status: () => status,
      connects: () => connects,
      attempts: () => attempts,
      hostname: () => host,
    },
    online: () => status === "connected",
    dispose: stopTimer,
  };
}
