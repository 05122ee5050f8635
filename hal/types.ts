/**
 * The platform as the firmware sees it. hal/espruino implements it on the
 * board, hal/node on the host (tests, simulator); the bundle picks one, and
 * firmware code never asks which. Errors are negative codes from
 * base/errors.ts (platform range -300..-349); nothing here throws at run
 * time.
 */

/** Milliseconds from an arbitrary origin; only differences matter (the client compares `now - then` with each limit, so a clock that steps back delays a timeout and never fires one early). */
export interface Clock {
  now(): number;
}

/** Where to connect. */
export interface NetTarget {
  host: string;
  port: number;
  /** Present for TLS. */
  tls?: TlsOptions | null;
}

/** TLS settings. The Node HAL verifies certificates unless told not to; Espruino never does. */
export interface TlsOptions {
  /** CA certificate(s), PEM text. */
  ca?: string;
  /** Client certificate and key, PEM text. */
  cert?: string;
  key?: string;
  /** Verify the server's certificate chain and name. Default true; false must be said explicitly. */
  verify?: boolean;
  /** Name to verify and to send as SNI; defaults to host. */
  servername?: string;
}

/**
 * What a socket tells its owner. Order is always: onConnect once (or not at
 * all), any number of onData, then at most one onError, then onClose exactly
 * once, unless the owner closes it first: after the owner's close() no
 * callback runs (the owner knows; a client can then be the handler of each
 * connection it opens in turn, with no check for events of an older one).
 * Data may arrive split or merged anyhow. No callback runs inside the call
 * that caused it (Espruino's emit is asynchronous: the HALs behave alike).
 */
/**
 * A connection's events. The client passes an object whose methods live on
 * its prototype: call them as methods, and wrap them one by one (a spread
 * `{...handlers}` copies no method).
 */
export interface SocketHandlers {
  onConnect(): void;
  /** A chunk of bytes: Uint8Array on Node, an 8-bit String on Espruino. Valid only during the call. */
  onData(chunk: Uint8Array | string): void;
  onError(code: number): void;
  onClose(): void;
}

/** Bytes a socket takes in writes of up to 4 bytes (16 acks) past its send queue bound; see Socket.write. */
export const SEND_CONTROL_ROOM = 64;

/** An open or opening connection. */
export interface Socket {
  /**
   * Queues bytes [start, end) of `data` for sending; they are copied before the
   * call returns. A string is 8-bit: each character one byte (the firmware
   * passes one only where the interpreter's strings are bytes). Returns 0, E_SOCKET_CLOSED after close, or E_SOCKET_QUEUE_FULL
   * when the bounded send queue is already full (nothing was queued then; a
   * write into a queue with room is taken whole, so a packet written as header
   * then payload is never cut). Writes of up to 4 bytes (acks, PINGREQ,
   * DISCONNECT), which a client cannot hold back, still go past the bound,
   * SEND_CONTROL_ROOM bytes of them until the queue is below it again: a
   * queue full of messages never refuses one.
   */
  write(data: Uint8Array | string, start: number, end: number): number;
  /** Closes at once (what was written still leaves where the platform allows); no callback runs after it. Safe to call twice. */
  close(): void;
}

/** Opens TCP or TLS connections. */
export interface Net {
  /**
   * Starts a connection. Returns the socket, or a negative code when it failed
   * at once (on some targets a refused connect throws synchronously: the HAL
   * turns that into a code, and no handler is called then).
   */
  connect(target: NetTarget, handlers: SocketHandlers): Socket | number;
}

/** A timer handle; 0 is never a valid handle. */
export type TimerId = number;

/**
 * Timers. The firmware keeps to one repeating tick and decides everything else
 * against the clock; drivers may use one-shot timers. Cancelling 0, an unknown
 * or an already fired handle does nothing (on Espruino `clearTimeout(undefined)`
 * throws and `clearTimeout()` clears every timer: the HAL guards both).
 */
export interface Timers {
  /** Calls `fn` every `ms` milliseconds; returns its handle. */
  every(ms: number, fn: () => void): TimerId;
  /** Calls `fn` once after `ms` milliseconds; returns its handle. */
  after(ms: number, fn: () => void): TimerId;
  /** Stops a timer. Safe with 0 or a stale handle. */
  cancel(id: TimerId): void;
}

/** WiFi link state as reported by Wifi.state(). */
export const WIFI_DOWN = 0;
export const WIFI_JOINING = 1;
export const WIFI_UP = 2;

/** What the WiFi driver tells its owner; never called inside the call that caused it. */
export interface WifiHandlers {
  /** The station has an IP address. */
  onUp(ip: string): void;
  /** The link is down, or joining failed: a platform code (E_WIFI_*). */
  onDown(code: number): void;
}

/**
 * The WiFi station. Joining is one attempt from the firmware's point of view:
 * the firmware runs its own reconnect loop (the ESP32 driver gives up after
 * three tries, the ESP8266 one retries forever: the HAL hides both). Boards
 * without a WiFi module (Linux) report WIFI_UP at once.
 */
export interface Wifi {
  /** Starts joining `ssid`; returns 0 or a negative code (bad argument). */
  join(ssid: string, password: string, handlers: WifiHandlers): number;
  /** Leaves the network; onDown follows if it was up. */
  leave(): void;
  /** WIFI_DOWN, WIFI_JOINING or WIFI_UP. */
  state(): number;
  /** The station's IP address, "" when down. */
  ip(): string;
  /** Sets the DHCP host name; returns 0 or a negative code. */
  setHostname(name: string): number;
}

/** Pin modes, in Espruino's words. */
export type PinMode = "input" | "input_pullup" | "input_pulldown" | "output" | "opendrain";

/**
 * Pins, named in Espruino's numbering ("D2", "A0"). Every call returns a
 * negative code (E_PIN_*) instead of throwing for a pin the platform does not
 * have or a mode it cannot do.
 */
export interface Gpio {
  /** Sets a pin's mode; returns 0 or a negative code. */
  mode(pin: string, mode: PinMode): number;
  /** Drives an output pin; returns 0 or a negative code. */
  write(pin: string, high: boolean): number;
  /** Reads a digital pin: 0, 1 or a negative code. */
  read(pin: string): number;
  /** Reads an analog pin: 0..1, or a negative code when the pin has no ADC. */
  analogRead(pin: string): number;
  /** PWM output, `duty` 0..1 at `freq` Hz; returns 0 or a negative code. */
  pwm(pin: string, duty: number, freq: number): number;
  /**
   * Calls `fn(high)` on every change of an input pin, after `debounceMs` of
   * stable level. Returns a handle (> 0) for unwatch, or a negative code.
   */
  watch(pin: string, debounceMs: number, fn: (high: boolean) => void): number;
  /** Stops a watch. Safe with a stale handle. */
  unwatch(id: number): void;
}

/** A sensor as configured: its kind and its pin. */
export interface SensorSpec {
  kind: "dht22" | "ds18b20" | "analog" | "digital";
  pin: string;
}

/**
 * One sensor, driven by a driver of the HAL's own. A reading ends with exactly
 * one call of `done`, never inside read(): `done(0, a, b)` with the values
 * (dht22: a = °C, b = %RH; ds18b20: a = °C; analog: a = 0..1; digital: a = 0/1),
 * or `done(code, 0, 0)` with a negative code (E_SENSOR_TIMEOUT,
 * E_SENSOR_CHECKSUM, E_SENSOR_NOT_FOUND, E_SENSOR_BUSY).
 */
export interface Sensor {
  read(done: (code: number, a: number, b: number) => void): void;
}

/** Makes sensors. */
export interface Sensors {
  /** The sensor for `spec`, or a negative code for an unknown kind or unusable pin. */
  open(spec: SensorSpec): Sensor | number;
}

/**
 * Small named text files that survive a reset (Espruino's Storage on flash, a
 * directory on the host). Names are at most 28 characters.
 */
export interface Storage {
  /** The file's text, or null when it does not exist. */
  read(name: string): string | null;
  /** Replaces the file; returns 0 or a negative code (E_STORAGE_*). */
  write(name: string, text: string): number;
  /** Removes the file; returns 0 (also when it did not exist). */
  erase(name: string): void;
}

/**
 * What an update over MQTT needs of the platform (firmware/app/ota.ts): a
 * file written and read in pieces, its CRC-32, and native hashes. Made at
 * each call of Hal.updateFiles, so that none of it is in memory between
 * updates.
 */
export interface UpdateFiles {
  /** Writes `data` at `offset` of the file `name`; at offset 0 the file is made anew, `size` bytes long. Returns 0 or a negative code (E_STORAGE_*). */
  writeAt(name: string, data: string, offset: number, size: number): number;
  /** Up to `length` bytes of the file from `offset` (fewer at its end), or null when it does not exist. */
  readAt(name: string, offset: number, length: number): string | null;
  /** The CRC-32 (IEEE, as zlib's) of the whole file, unsigned; -1 when it does not exist. */
  crc32(name: string): number;
  /** The digest of `data` (bytes as a string) with "sha1" or "sha256", as a string of bytes; null for a hash the platform lacks, or one that failed (memory). */
  digest(hash: string, data: string): string | null;
}

/** Where the firmware reports. Codes are numbers; text is kept short on the device. */
export interface Log {
  info(text: string): void;
  /** An error: its code and a short context. */
  error(code: number, context: string): void;
}

/** What the platform can say of its own health, for the diagnostics; a field it cannot read is absent. */
export interface Health {
  /** Free memory in the platform's unit: variables on Espruino. */
  free?: number;
  /** The WiFi station's signal, dBm. */
  rssi?: number;
}

/** The board's power. */
export interface Power {
  /**
   * Deep sleep for `ms` milliseconds; the board then starts as from power-on
   * (the boot code runs again, memory and sockets are gone). Does not return
   * where the platform can sleep.
   */
  deepSleep(ms: number): void;
}

/** Everything the firmware gets from the platform. */
export interface Hal {
  clock: Clock;
  timers: Timers;
  net: Net;
  wifi: Wifi;
  gpio: Gpio;
  sensors: Sensors;
  storage: Storage;
  log: Log;
  /**
   * Closes the board's remote console until the next reset (Espruino's telnet
   * console on port 23 of an ESP8266 or ESP32 has no password: anyone on the
   * network could read Storage through it). A platform without one leaves
   * this out. Never fails: where the console cannot be closed, nothing happens.
   */
  closeConsole?(): void;
  /** The platform's health now (diagnostics, every few minutes). A platform without any leaves this out. Never fails. */
  health?(): Health;
  /**
   * Restarts the firmware as a power-on would: memory, timers and sockets are
   * let go, and the boot code runs again from Storage (Espruino's load()). Does
   * not return where it can restart; a platform that cannot leaves this out.
   */
  restart?(): void;
  /** The files and hashes of an update over MQTT, made at each call; a platform that cannot take an update leaves this out. */
  updateFiles?(): UpdateFiles;
  /** Deep sleep (battery mode); a platform that cannot sleep leaves this out. */
  power?: Power;
}
