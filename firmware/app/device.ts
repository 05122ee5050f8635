/**
 * The device program: WiFi, the MQTT client, telemetry on a schedule,
 * commands to actuators, availability. Its policies are in docs/device.md
 * ("Configuration, topics and policies") and docs/design.md ("The device
 * program's policies"). One class in four files: this one (state, start,
 * stop, the tick, WiFi), device-messages.ts (what comes from the broker, and
 * the announcement after a connect), device-outputs.ts (what the device
 * publishes, and its pins) and device-ota.ts (updates over MQTT).
 */
import "./device-messages";
import "./device-outputs";
import "./device-ota";

export * from "./device-types";
export { DeviceProgram } from "./device-program";
