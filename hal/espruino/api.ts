/**
 * The parts of Espruino's API that hal/espruino uses, as types only (nothing
 * here exists at run time). Each file declares the globals it reads with these
 * types, module-locally, so the Node typings of the host build never clash.
 */

/** An event emitter as Espruino has it: `on`, asynchronous `emit`, no `once`/`off`. */
export interface EspEmitter {
  /** Listeners run later, with `this` = the emitter. */
  on(event: string, fn: (this: any, a?: any) => void): void;
  removeAllListeners(event?: string): void;
}

/** A socket from `require("net").connect` or `require("tls").connect`. */
export interface EspSocket extends EspEmitter {
  /** Sends String(data); throws "This socket is closed" once the connection is gone. */
  write(data: string): boolean;
  /** Closes after what was written has been sent. */
  end(): void;
}

/** `require("net")` and `require("tls")`. */
export interface EspNetModule {
  /** Throws synchronously on Linux and ESP32 when the host is unknown or the connection refused. */
  connect(options: { host: string; port: number; ca?: string; key?: string; cert?: string }): EspSocket;
}

/** `require("Wifi")` on ESP32 and ESP8266. */
export interface EspWifiModule extends EspEmitter {
  connect(ssid: string, options: { password: string }, cb: (err: string | null) => void): void;
  disconnect(cb?: () => void): void;
  getIP(): { ip: string } | undefined;
  setHostname(name: string, cb?: () => void): void;
}

/** `require("TelnetServer")`: the telnet console of the ESP8266, ESP32 and Linux builds (libs/network/telnet). */
export interface EspTelnetModule {
  /** Turns the console on or off (until the next reset); throws for a mode other than "on" or "off". */
  setOptions(options: { mode: "on" | "off" }): void;
}

/** Espruino's built-in `OneWire` class. */
export interface EspOneWire {
  /** True when a device answered with a presence pulse. */
  reset(): boolean;
  skip(): void;
  write(data: number, power?: boolean): void;
  read(count: number): number[];
}

/** `require("Storage")`. */
export interface EspStorage {
  read(name: string): string | undefined;
  /** False or an exception when the write failed. */
  write(name: string, data: string): boolean;
  erase(name: string): void;
}

/** What a `setWatch` callback receives: the new level and when, in seconds. */
export interface EspWatchEvent {
  state: boolean;
  time: number;
}
