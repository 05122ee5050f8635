/**
 * A fabmqtt client on the in-memory FakeNet (scripts/support/fake-net.ts) with a
 * manual clock, fed fuzz frames as if they came from the broker. Most frames
 * end their connection (the fake broker resets it, as the framer stage starts
 * a new stream: a mutated length would otherwise swallow every later frame);
 * whenever the client is not connected, the clock moves past the backoff and
 * a new connection is accepted and answered with CONNACK, so every frame
 * meets a connected client at a packet boundary, or mid-stream for the rest. It subscribes to `#`
 * and publishes QoS 1/2 messages now and then, so that acknowledgements and
 * deliveries in the frames meet state to act on.
 */
import { ST_CONNECTED, createClient, type Client } from "../../firmware/session/client";
import { createManualClock } from "../../hal/node/clock";
import { FakeNet, type FakeConnection } from "../support/fake-net";

export interface ClientTarget {
  /**
   * Feeds one frame (split into chunks of the given sizes; none = one chunk),
   * ticks, then resets the connection when `endStream`. Throws what the client throws.
   */
  feed(frame: Uint8Array, split: number[] | undefined, endStream: boolean): void;
  readonly client: Client;
  /** Connections made so far. */
  connections(): number;
  delivered: number;
  disconnectCodes: Map<number, number>;
  errorCodes: Map<number, number>;
}

const CONNACK = Uint8Array.from([0x20, 2, 0, 0]);

/** A connected client target; throws if the client does not connect (a broken build). */
export function createClientTarget(random: () => number): ClientTarget {
  const clock = createManualClock(1000);
  const net = new FakeNet();
  let connection: FakeConnection | null = null;
  let connections = 0;
  const target: ClientTarget = {
    client: null as unknown as Client,
    connections: () => connections,
    delivered: 0,
    disconnectCodes: new Map(),
    errorCodes: new Map(),
    feed,
  };
  net.onConnection = (c) => {
    connections++;
    connection = c;
    // Only the current connection is kept, and what the client wrote is not.
    net.connections.length = 0;
    c.accept();
  };
  const client = createClient({
    net,
    clock,
    random,
    host: "127.0.0.1",
    port: 1883,
    clientId: "fuzz",
    keepalive: 10,
    connectTimeoutMs: 5000,
    backoffBaseMs: 100,
    backoffMaxMs: 400,
    inflightWindow: 4,
    queueSize: 8,
    maxPacketSize: 256,
    handler: {
      onMessage: () => target.delivered++,
      onDisconnect: (code) => target.disconnectCodes.set(code, (target.disconnectCodes.get(code) || 0) + 1),
      onError: (code) => target.errorCodes.set(code, (target.errorCodes.get(code) || 0) + 1),
    },
  });
  (target as { client: Client }).client = client;
  client.subscribe("#", 2);
  client.start();

  /** Brings the client back to CONNECTED: past the backoff, accept, CONNACK. */
  function reconnect(): void {
    for (let guard = 0; client.state() !== ST_CONNECTED; guard++) {
      if (guard > 100) throw new Error(`the client did not reconnect (state ${client.state()})`);
      clock.advance(500);
      client.tick();
      net.flush();
      if (connection && !connection.closed && connection.received.some((p) => p.cmd === "connect")) {
        connection.sendBytes(CONNACK);
        net.flush();
      }
    }
  }

  function feed(frame: Uint8Array, split: number[] | undefined, endStream: boolean): void {
    if (client.state() !== ST_CONNECTED) reconnect();
    const c = connection as FakeConnection;
    if (random() < 0.05) client.publish("fuzz/out", "x", random() < 0.5 ? 1 : 2, false);
    c.split = split;
    c.sendBytes(frame);
    net.flush();
    clock.advance(10);
    client.tick();
    if (endStream) c.reset();
    net.flush();
    // What the client wrote is parsed and kept by the fake broker: drop it to keep memory flat.
    c.received.length = 0;
    c.rawReceived.length = 0;
  }

  reconnect();
  return target;
}
