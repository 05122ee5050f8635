import mqtt from "mqtt";
import type { BrokerTarget } from "../simulator/broker-url";

/** mqtt.js options for `npm run ota`'s clients of broker `b` (a fresh client id); `reconnectMs` 0 for none. */
export function otaClientOptions(b: BrokerTarget, ca: string | undefined, reconnectMs: number, timeoutMs: number): mqtt.IClientOptions {
  return {
    host: b.host,
    port: b.port,
    protocol: b.tls ? "mqtts" : "mqtt",
    username: b.username,
    password: b.password,
    ca,
    clientId: "fabmqtt-ota-" + Math.random().toString(16).slice(2, 10),
    clean: true,
    reconnectPeriod: reconnectMs,
    connectTimeout: timeoutMs,
  };
}

/** The retained message on `topic` as text, or null when none came within `waitMs` (or the broker could not be reached). Never throws. */
export function readRetained(b: BrokerTarget, ca: string | undefined, topic: string, waitMs: number): Promise<string | null> {
  return new Promise((resolve) => {
    const client = mqtt.connect(otaClientOptions(b, ca, 0, waitMs));
    const done = (text: string | null) => {
      clearTimeout(timer);
      client.end(true);
      resolve(text);
    };
    const timer = setTimeout(() => done(null), waitMs);
    client.on("error", () => done(null));
    client.on("connect", () => client.subscribe(topic, { qos: 0 }));
    client.on("message", (_t, payload, packet) => {
      if (packet.retain) done(payload.toString("utf8"));
    });
  });
}
