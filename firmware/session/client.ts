/**
 * The MQTT 3.1.1 client: connection state machine, keepalive, QoS 0/1/2
 * engine, subscriptions and dispatch, on the codec and an injected Net and
 * Clock. It owns no timer: the owner calls tick() from one interval (every
 * 100 ms to 1 s), and every timeout is a decision against clock.now().
 * Its policies (errors and reconnects, keepalive, QoS 1/2 both ways, offline,
 * oversized packets, subscriptions, order, power cuts) are in docs/design.md,
 * "The client's policies". Bytes: every packet is built, framed and read
 * through firmware/wire (the Uint8Array codec on Node, 8-bit Strings on
 * Espruino; docs/design.md, "The byte layer per target").
 *
 * The client is one class in three files: mqtt-client.ts (state, lifecycle,
 * public methods), client-send.ts and client-receive.ts.
 */
import { MqttClient } from "./mqtt-client";
import "./client-send";
import "./client-receive";
import type { Client, ClientOptions } from "./client-types";

export * from "./client-types";

/** A client; throws only for a configuration a program must fix (no net, no clock, bad sizes). */
export function createClient(opts: ClientOptions): Client {
  return new MqttClient(opts);
}
