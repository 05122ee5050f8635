import type { Client } from "../session/client";

export interface Device {
  /**
   * Closes the remote console unless the configuration keeps it (console:
   * "telnet"), checks pins and sensors, then starts WiFi and MQTT. Returns 0,
   * or a negative code (logged with the field) and nothing started (the
   * console stays closed). Once per device bundle load: fabmqtt.start() runs
   * it, then removes it (targets/espruino/device.ts, RunningDevice).
   */
  start(): number;
  /** Publishes "offline" and disconnects cleanly. */
  stop(): void;
  /** Drives everything; start() runs it every TICK_MS on the HAL's timers. */
  tick(): void;
  /** The actuators' levels (0..100), in configuration order. */
  levels: number[];
  client: Client;
}

export interface DeviceOptions {
  random?: () => number;
  /** Called after every command applied or refused, and every telemetry publish: for views. */
  onEvent?: (kind: string, name: string, text: string) => void;
}

/** How often the device's one repeating timer runs. */
export const TICK_MS = 250;

/** A relay's `minSwitchMs` unless configured (led and pwm: 0). */
export const RELAY_MIN_SWITCH_MS = 500;

/** Battery mode: the longest a wake lasts, connected or not, before the board sleeps again. */
export const AWAKE_MAX_MS = 30000;

/** From a restart command to the platform's restart: time for "offline" and the DISCONNECT to leave (Espruino's load() at once loses what the socket still holds). */
export const RESTART_DELAY_MS = 500;

/** The Storage file of the MQTT session when `persist` is on. */
export const SESSION_FILE = "fabmqtt.ses";

/** For the device's send_(): its flags are the QoS (0-2), plus this bit for a retained message. */
export const RETAINED = 4;
