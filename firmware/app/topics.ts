import type { Config } from "./config";

/**
 * The topic layout, under `<base>/<device>/` (base "fabmqtt" by default):
 *
 *   status              "online" (retained, on connect) / "offline" (retained will, and on a clean stop)
 *   telemetry/<sensor>  JSON readings: {"temperature":21.5,"humidity":45.2}
 *   set/<actuator>      commands: "ON", "OFF", "TOGGLE" (relay, led); 0..100 or ON/OFF (pwm)
 *   state/<actuator>    the actuator's state after every change (retained): "ON"/"OFF" or 0..100
 *   error               a refused command or a failed reading: {"source":"relay","code":-411}
 */
export interface Topics {
  root: string;
  status: string;
  error: string;
  setFilter: string;
  /** Length of "<root>set/": the actuator name starts there in a command topic. */
  setPrefixLength: number;
}

/** The topics of a device. Never fails on a checked Config. */
export function deviceTopics(c: Config): Topics {
  const root = (c.base || "fabmqtt") + "/" + c.device + "/";
  return { root, status: root + "status", error: root + "error", setFilter: root + "set/+", setPrefixLength: root.length + 4 };
}
