/** A client on a FakeNet with a scripted broker and a manual clock, recording what the application sees. */
import { createClient, type ClientHandler, type ClientOptions } from "../../firmware/session/client";
import type { Message } from "../../firmware/session/subscriptions";
import { createManualClock } from "../../hal/node/clock";
import { FakeNet } from "../../scripts/support/fake-net";
import { ScriptedBroker } from "./scripted-broker";

export interface Received {
  topic: string;
  payload: string;
  qos: number;
  retain: boolean;
  dup: boolean;
}

export function createRig(over: Partial<ClientOptions> & ClientHandler = {}) {
  const clock = createManualClock(1000);
  const net = new FakeNet();
  const broker = new ScriptedBroker(net);
  const events: string[] = [];
  const messages: Received[] = [];
  const publishedSeqs: number[] = [];
  const subacks: [string, number][] = [];
  const errors: number[] = [];
  const record = (m: Message) =>
    messages.push({ topic: m.topic, payload: Buffer.from(m.payload).toString("latin1"), qos: m.qos, retain: m.retain, dup: m.dup });
  // Callbacks given in `over` take the place of the rig's own.
  const { onConnect, onDisconnect, onMessage, onPublished, onSubscribe, onError, ...options } = over;
  const handler: ClientHandler = {
    onConnect: onConnect || ((sp) => events.push(`connect:${sp}`)),
    onDisconnect: onDisconnect || ((code) => events.push(`disconnect:${code}`)),
    onMessage: onMessage || record,
    onPublished: onPublished || ((seq) => publishedSeqs.push(seq)),
    onSubscribe: onSubscribe || ((filter, result) => subacks.push([filter, result])),
    onError: onError || ((code) => errors.push(code)),
  };
  const client = createClient({
    net,
    clock,
    random: () => 0.5,
    host: "127.0.0.1",
    port: 1883,
    clientId: "rig",
    keepalive: 10,
    connectTimeoutMs: 5000,
    backoffBaseMs: 1000,
    backoffMaxMs: 16000,
    stableMs: 30000,
    inflightWindow: 2,
    queueSize: 6,
    handler,
    ...options,
  });
  const rig = {
    clock,
    net,
    broker,
    client,
    events,
    messages,
    publishedSeqs,
    subacks,
    errors,
    record,
    /** Lets the broker and the client exchange until quiet. */
    run() {
      broker.run();
    },
    /** Moves the clock, ticks the client, lets everything settle. */
    advance(ms: number, step = 100) {
      for (let t = 0; t < ms; t += step) {
        clock.advance(Math.min(step, ms - t));
        client.tick();
        broker.run();
      }
    },
    /** Starts and runs to CONNECTED. */
    connect() {
      client.start();
      broker.run();
      return rig;
    },
  };
  return rig;
}
