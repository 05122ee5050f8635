/**
 * The fleet's watcher and commander: one fabmqtt client (on real sockets)
 * subscribed to every board's telemetry and relay state. It counts the
 * telemetry that reaches it through the broker, and sends relay commands,
 * timing each from the publish to the board's state message that answers it.
 */
import { createClient, type Client } from "../../firmware/session/client";
import type { Message } from "../../firmware/session/subscriptions";
import { payloadText } from "../../firmware/wire/index";
import { systemClock } from "../../hal/node/clock";
import { createNodeNet } from "../../hal/node/net";
import type { NetTarget } from "../../hal/types";

export interface MonitorOptions {
  /** Tried in turn (failover), like a board's. */
  brokers: NetTarget[];
  username?: string;
  password?: string;
  base: string;
  clientId: string;
}

export interface Monitor {
  client: Client;
  /** Arrival times (Date.now()) of telemetry messages. */
  telemetryTimes: number[];
  /** Telemetry messages per board id, and when each board's last one came. */
  telemetryOf: Map<string, number>;
  lastTelemetryAt: Map<string, number>;
  /** The last relay state each board published. */
  relayOf: Map<string, string>;
  /** Round-trip times (ms) of answered commands. */
  rtts: number[];
  /** Commands sent and not yet answered, by board id. */
  pending: Map<string, { value: string; at: number }>;
  sent: number;
  /** Resolves once both subscriptions are acknowledged; rejects after `ms`. */
  ready(ms: number): Promise<void>;
  /**
   * Tells board `id`'s relay to change (ON when it is last seen OFF or
   * unknown, else OFF), at QoS 1. Returns false when the client refused it
   * (its queue full). A command to a board with one unanswered replaces it.
   */
  command(id: string): boolean;
  close(): void;
}

/** Starts the monitor; it connects (and reconnects) by itself. Never fails. */
export function startMonitor(o: MonitorOptions): Monitor {
  const telemetryTimes: number[] = [];
  const telemetryOf = new Map<string, number>();
  const lastTelemetryAt = new Map<string, number>();
  const relayOf = new Map<string, string>();
  const rtts: number[] = [];
  const pending = new Map<string, { value: string; at: number }>();
  const granted = new Set<string>();
  const prefix = o.base + "/";
  const onMessage = (m: Message) => {
    // <base>/<id>/telemetry/light or <base>/<id>/state/relay
    const rest = m.topic.slice(prefix.length);
    const slash = rest.indexOf("/");
    const id = rest.slice(0, slash);
    const kind = rest.slice(slash + 1);
    const now = Date.now();
    if (kind.startsWith("telemetry/")) {
      telemetryTimes.push(now);
      telemetryOf.set(id, (telemetryOf.get(id) ?? 0) + 1);
      lastTelemetryAt.set(id, now);
      return;
    }
    const value = payloadText(m.payload);
    relayOf.set(id, value);
    const p = pending.get(id);
    if (p && p.value === value) {
      rtts.push(now - p.at);
      pending.delete(id);
    }
  };
  const client = createClient({
    net: createNodeNet(),
    clock: systemClock,
    host: o.brokers[0].host,
    port: o.brokers[0].port,
    brokers: o.brokers,
    clientId: o.clientId,
    username: o.username,
    password: o.password,
    keepalive: 30,
    backoffBaseMs: 200,
    backoffMaxMs: 2000,
    inflightWindow: 64,
    queueSize: 4096,
    maxPacketSize: 16 * 1024,
    txBufferSize: 4096,
    handler: {
      onMessage,
      onSubscribe: (filter, result) => {
        if (result >= 0) granted.add(filter);
      },
    },
  });
  const filters = [prefix + "+/telemetry/+", prefix + "+/state/relay"];
  for (const f of filters) client.subscribe(f, 1);
  const timer = setInterval(() => client.tick(), 20);
  client.start();
  const monitor: Monitor = {
    client,
    telemetryTimes,
    telemetryOf,
    lastTelemetryAt,
    relayOf,
    rtts,
    pending,
    sent: 0,
    ready(ms) {
      const deadline = Date.now() + ms;
      return new Promise((resolve, reject) => {
        const poll = () => {
          if (filters.every((f) => granted.has(f))) return resolve();
          if (Date.now() > deadline) {
            const st = client.stats();
            const where = o.brokers.map((b) => b.host + ":" + b.port).join(",");
            return reject(
              new Error(
                `the monitor had no SUBACK within ${ms / 1000} s (broker ${where}; connects ${st.connects}, reconnect attempt ${st.reconnectAttempt}, last error ${st.lastError})`,
              ),
            );
          }
          setTimeout(poll, 20);
        };
        poll();
      });
    },
    command(id) {
      const value = relayOf.get(id) === "ON" ? "OFF" : "ON";
      const r = client.publish(prefix + id + "/set/relay", value, 1, false);
      if (r < 0) return false;
      pending.set(id, { value, at: Date.now() });
      monitor.sent++;
      return true;
    },
    close() {
      clearInterval(timer);
      client.stop();
    },
  };
  return monitor;
}

/** The p-th percentile (0..100) of `values`, nearest rank; NaN for none. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = values.slice().sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
