import type { Board } from "../../boards/types";
import type { ActuatorConfig, Config, SensorConfig } from "../../firmware/app/config";
import type { BrokerTarget } from "./broker-url";

/** The simulated access point the virtual board joins. */
export const SIM_SSID = "fablab";
export const SIM_WIFI_PASSWORD = "virtual";

/** How a part uses its pin: read on the ADC, read as a level, driven, or both ways (a DHT22's one wire). */
type PinUse = "analog" | "input" | "output" | "both";

/** A part of the virtual board, and the pin it takes on a NodeMCU. */
interface Part {
  name: string;
  use: PinUse;
  nodemcu: string;
  /** The board's own part of that role takes it first (the on-board LED). */
  role?: string;
}

/** Analog first, so that a digital part does not take the only ADC pin. */
const PARTS: readonly Part[] = [
  { name: "light", use: "analog", nodemcu: "A0" },
  { name: "climate", use: "both", nodemcu: "D4" },
  { name: "door", use: "input", nodemcu: "D12" },
  { name: "relay", use: "output", nodemcu: "D5" },
  { name: "led", use: "output", nodemcu: "D2", role: "led" },
  { name: "fan", use: "output", nodemcu: "D14" },
];

/** Whether `pin` of `board` can serve `use` (the configuration check says the same, with reasons). */
function serves(board: Board, pin: string, use: PinUse): boolean {
  if (!(pin in board.labels) || board.flashPins.includes(pin) || board.consolePins.includes(pin)) return false;
  if (use === "analog") return board.adcPins.includes(pin);
  if (pin.charAt(0) === "A") return false;
  return use === "input" || !board.inputOnlyPins.includes(pin);
}

/**
 * The pins the virtual board's parts take on `board`: a part's NodeMCU pin
 * where it serves and is no boot strapping pin, else the board's own part of
 * that role, else the first free pin that serves, strapping and ADC pins last.
 * A part no pin serves (the light sensor on a board without an ADC) is left
 * out. Never fails.
 */
export function simulatorPins(board: Board): { [part: string]: string } {
  const taken = new Set<string>();
  const pins: { [part: string]: string } = {};
  const rank = (pin: string) => (board.strappingPins.includes(pin) ? 2 : 0) + (board.adcPins.includes(pin) ? 1 : 0);
  for (const part of PARTS) {
    const free = (pin: string | undefined) => pin !== undefined && !taken.has(pin) && serves(board, pin, part.use);
    const role = part.role ? board.roles[part.role] : undefined;
    let pin: string | undefined;
    if (free(role)) pin = role;
    else if (free(part.nodemcu) && !board.strappingPins.includes(part.nodemcu)) pin = part.nodemcu;
    else
      pin = Object.keys(board.labels)
        .filter(free)
        .sort((a, b) => rank(a) - rank(b))[0];
    if (pin === undefined) continue;
    taken.add(pin);
    pins[part.name] = pin;
  }
  return pins;
}

/** A device configuration whose parts are always listed. */
export type SimulatorConfig = Config & { sensors: SensorConfig[]; actuators: ActuatorConfig[] };

/**
 * The virtual board's configuration on `board`: a DHT22 (climate, reported on
 * change), a light sensor on the ADC, a door contact, a relay, an LED and a PWM
 * fan, on pins of that board (simulatorPins); with `more`, several brokers in
 * turn (failover). Never fails.
 */
export function simulatorConfig(board: Board, broker: BrokerTarget, device: string, base: string, ca?: string, more: BrokerTarget[] = []): SimulatorConfig {
  const b: Config["broker"] = { host: broker.host, port: broker.port, keepalive: 30 };
  // Several brokers (failover): tried in turn, each with its own port; TLS and the user are the first one's.
  if (more.length) {
    delete b.host;
    b.hosts = [broker, ...more].map((t) => t.host + ":" + t.port);
  }
  if (broker.tls) b.tls = true;
  if (ca) b.ca = ca;
  if (broker.username !== undefined) b.username = broker.username;
  if (broker.password !== undefined) b.password = broker.password;
  const pins = simulatorPins(board);
  const sensors: SensorConfig[] = [];
  if (pins.climate)
    // Report on change: read every 5 s, published when a value moved 0.2, or after a minute.
    sensors.push({ name: "climate", kind: "dht22", pin: pins.climate, period: 5, delta: 0.2, maxPeriod: 60 });
  if (pins.light) sensors.push({ name: "light", kind: "analog", pin: pins.light, period: 3 });
  if (pins.door) sensors.push({ name: "door", kind: "digital", pin: pins.door, period: 30 });
  const actuators: ActuatorConfig[] = [];
  if (pins.relay) actuators.push({ name: "relay", kind: "relay", pin: pins.relay, safe: "off" });
  if (pins.led) {
    const led: ActuatorConfig = { name: "led", kind: "led", pin: pins.led };
    if (board.roles.led === pins.led && board.activeLow.includes("led")) led.activeLow = true;
    actuators.push(led);
  }
  if (pins.fan) actuators.push({ name: "fan", kind: "pwm", pin: pins.fan, safe: 0 });
  // Diagnostics once a minute, so that the live view shows them change.
  return { wifi: { ssid: SIM_SSID, password: SIM_WIFI_PASSWORD }, broker: b, device, base, qos: 1, diagPeriod: 60, sensors, actuators };
}
