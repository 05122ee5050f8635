import type { DeviceConfig } from "./config";

/**
 * The topic layout, under `<base>/<device>/` (base "fabmqtt" by default):
 *
 *   status              "online" (retained, on connect) / "offline" (retained will, and on a clean stop)
 *   telemetry/<sensor>  JSON readings: {"temperature":21.5,"humidity":45.2}
 *   set/<actuator>      commands: "ON", "OFF", "TOGGLE" (relay, led); 0..100 or ON/OFF (pwm)
 *   state/<actuator>    the actuator's state after every change (retained): "ON"/"OFF" or 0..100
 *   error               a refused command or a failed reading: {"source":"relay","code":-411}
 *   diag                diagnostics (retained): uptime, free memory, RSSI, reconnects, last error, counts
 *   cmd/<name>          "restart", "discovery": commands to the device itself
 *
 * and <base>/all/set/<actuator>: a command to every device with that actuator.
 *
 * The device keeps only the root and builds each topic when it publishes:
 * on an ESP8266 a string kept for the device's life costs variables, a
 * string made for one publish is freed after it.
 */

/** "<base>/<device>/", the root of every topic of a device. Never fails on a checked Config. */
export function topicRoot(c: DeviceConfig): string {
  return (c.base || "fabmqtt") + "/" + c.device + "/";
}

/** "<base>/all/", the root of the commands to every device under the base (a device cannot be named "all"). Never fails on a checked Config. */
export function groupRoot(c: DeviceConfig): string {
  return (c.base || "fabmqtt") + "/all/";
}
