import type { SensorConfig } from "./config";

/**
 * The JSON payload of one reading: {"temperature":21.5,"humidity":45.2} (dht22),
 * {"temperature":19.25} (ds18b20), {"value":0.532} (analog, 0..1),
 * {"state":1} (digital). Never fails.
 */
export function readingPayload(kind: SensorConfig["kind"], a: number, b: number): string {
  if (kind === "dht22") return '{"temperature":' + Math.round(a * 10) / 10 + ',"humidity":' + Math.round(b * 10) / 10 + "}";
  if (kind === "ds18b20") return '{"temperature":' + Math.round(a * 100) / 100 + "}";
  if (kind === "analog") return '{"value":' + Math.round(a * 1000) / 1000 + "}";
  return '{"state":' + (a ? 1 : 0) + "}";
}
