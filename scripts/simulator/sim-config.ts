import type { Config } from "../../firmware/app/config";
import type { BrokerTarget } from "./broker-url";

/** The simulated access point the virtual board joins. */
export const SIM_SSID = "fablab";
export const SIM_WIFI_PASSWORD = "virtual";

/**
 * The virtual board's configuration: a DHT22 (climate, reported on change), a light sensor on the
 * ADC, a door contact, a relay, an LED and a PWM fan, on real NodeMCU pins.
 * Never fails.
 */
export function simulatorConfig(broker: BrokerTarget, device: string, base: string, ca?: string): Config {
  const b: Config["broker"] = { host: broker.host, port: broker.port, keepalive: 30 };
  if (broker.tls) b.tls = true;
  if (ca) b.ca = ca;
  if (broker.username !== undefined) b.username = broker.username;
  if (broker.password !== undefined) b.password = broker.password;
  return {
    wifi: { ssid: SIM_SSID, password: SIM_WIFI_PASSWORD },
    broker: b,
    device,
    base,
    qos: 1,
    // Diagnostics once a minute, so that the live view shows them change.
    diagPeriod: 60,
    sensors: [
      // Report on change: read every 5 s, published when a value moved 0.2, or after a minute.
      { name: "climate", kind: "dht22", pin: "D4", period: 5, delta: 0.2, maxPeriod: 60 },
      { name: "light", kind: "analog", pin: "A0", period: 3 },
      { name: "door", kind: "digital", pin: "D12", period: 30 },
    ],
    actuators: [
      { name: "relay", kind: "relay", pin: "D5", safe: "off" },
      { name: "led", kind: "led", pin: "D2", activeLow: true },
      { name: "fan", kind: "pwm", pin: "D14", safe: 0 },
    ],
  };
}
