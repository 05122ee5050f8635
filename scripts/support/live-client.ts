/**
 * A fabmqtt client on real sockets (Node HAL) with a real clock, ticking every
 * 20 ms, recording what it sees; plus waitFor() for tests against real brokers.
 */
import { createClient, type Client, type ClientHandler, type ClientOptions } from "../../firmware/session/client";
import type { Message } from "../../firmware/session/subscriptions";
import { systemClock } from "../../hal/node/clock";
import { createNodeNet } from "../../hal/node/net";

export interface LiveMessage {
  topic: string;
  payload: Buffer;
  qos: number;
  retain: boolean;
  dup: boolean;
  packetId: number;
  /** Date.now() when it arrived. */
  at: number;
}

export interface LiveClient {
  client: Client;
  messages: LiveMessage[];
  events: string[];
  published: number[];
  subacks: [string, number][];
  close(): void;
}

const live: LiveClient[] = [];

/** Starts a client on 127.0.0.1:`port`; options override the test defaults. */
export function startLiveClient(port: number, over: Partial<ClientOptions> & ClientHandler = {}): LiveClient {
  const messages: LiveMessage[] = [];
  const events: string[] = [];
  const published: number[] = [];
  const subacks: [string, number][] = [];
  // Callbacks given in `over` take the place of the test's own.
  const { onConnect, onDisconnect, onMessage, onPublished, onSubscribe, onError, ...options } = over;
  const handler: ClientHandler = {
    onConnect: onConnect || ((sp) => events.push(`connect:${sp}`)),
    onDisconnect: onDisconnect || ((code) => events.push(`disconnect:${code}`)),
    onMessage:
      onMessage ||
      ((m: Message) =>
        messages.push({ topic: m.topic, payload: Buffer.from(m.payload), qos: m.qos, retain: m.retain, dup: m.dup, packetId: m.packetId, at: Date.now() })),
    onPublished: onPublished || ((seq) => published.push(seq)),
    onSubscribe: onSubscribe || ((f, r) => subacks.push([f, r])),
    onError,
  };
  const client = createClient({
    net: createNodeNet(),
    clock: systemClock,
    host: "127.0.0.1",
    port,
    clientId: `t-${process.pid}-${live.length}`,
    keepalive: 30,
    backoffBaseMs: 100,
    backoffMaxMs: 1000,
    connectTimeoutMs: 3000,
    txBufferSize: 1024,
    maxPacketSize: 128 * 1024,
    inflightWindow: 16,
    queueSize: 64,
    handler,
    ...options,
  });
  const timer = setInterval(() => client.tick(), 20);
  const handle: LiveClient = {
    client,
    messages,
    events,
    published,
    subacks,
    close() {
      clearInterval(timer);
      client.stop();
    },
  };
  live.push(handle);
  client.start();
  return handle;
}

/** Stops every live client (for afterEach). */
export function closeLiveClients(): void {
  while (live.length) live.pop()!.close();
}

/** A live client subscribed to `filter` at QoS 1, once its SUBACK came; rejects as waitFor does. */
export async function startWatcher(port: number, filter: string, over: Partial<ClientOptions> & ClientHandler = {}): Promise<LiveClient> {
  const w = startLiveClient(port, { clientId: "watcher", ...over });
  w.client.subscribe(filter, 1);
  await waitFor(() => w.subacks.length === 1, "watcher subscribed");
  return w;
}

/** Resolves when `check()` is true; rejects after `ms` with `what`. */
export function waitFor(check: () => boolean, what: string, ms = 10000): Promise<void> {
  const start = Date.now();
  return new Promise((resolve, reject) => {
    const poll = () => {
      if (check()) return resolve();
      if (Date.now() - start > ms) return reject(new Error(`timed out waiting for ${what}`));
      setTimeout(poll, 10);
    };
    poll();
  });
}
