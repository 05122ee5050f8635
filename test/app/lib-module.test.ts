/**
 * The library API (firmware/lib/mqtt-module.ts), shaped like Espruino's MQTT
 * module, on the Node HAL against a real mosquitto.
 */
import assert from "node:assert/strict";
import { createMqttModule, type MqttConnection, type ModuleOptions, type PublishEvent } from "../../firmware/lib/mqtt-module";
import { addEventMethods } from "../../firmware/lib/events";
import { createNodeNet } from "../../hal/node/net";
import { systemClock } from "../../hal/node/clock";
import { createNodeTimers } from "../../hal/node/timers";
import net from "node:net";
import { Aedes } from "aedes";
import mqttjs from "mqtt";
import { createManualTime } from "../../hal/node/timers";
import { FakeNet } from "../../scripts/support/fake-net";
import { ScriptedBroker } from "../support/scripted-broker";
import { startMosquitto, type Mosquitto } from "../../scripts/support/mosquitto";
import { waitFor } from "../../scripts/support/live-client";
import * as E from "../../base/errors";

describe("library: the MQTT-module API", function () {
  this.timeout(20000);
  let broker: Mosquitto;
  const mqttModule = createMqttModule({ net: createNodeNet(), clock: systemClock, timers: createNodeTimers(), events: addEventMethods });
  const open: { disconnect(): void }[] = [];
  before(async () => {
    broker = await startMosquitto({ passwords: { maker: "pw" } });
  });
  after(async () => {
    for (const c of open) c.disconnect();
    await broker.stop();
  });

  /** A connection to the test broker as the user "maker", connected. */
  async function connected(clientId: string, options: ModuleOptions = {}): Promise<MqttConnection> {
    const mqtt = mqttModule.create("127.0.0.1", { port: broker.port, username: "maker", password: "pw", client_id: clientId, ...options });
    open.push(mqtt);
    mqtt.connect();
    await waitFor(() => mqtt.connected, clientId + " connected");
    return mqtt;
  }

  const settle = (ms = 300) => new Promise((r) => setTimeout(r, ms));

  it("connects, subscribes, publishes at QoS 0/1/2 and emits publish and message events", async () => {
    const mqtt = mqttModule.create("127.0.0.1", { port: broker.port, username: "maker", password: "pw", client_id: "lib-a" });
    open.push(mqtt);
    const events: string[] = [];
    const pubs: PublishEvent[] = [];
    const messages: [string, string][] = [];
    mqtt.on("connected", () => events.push("connected"));
    mqtt.on("publish", (p: PublishEvent) => pubs.push(p));
    mqtt.on("message", (t: string, m: string) => messages.push([t, m]));
    mqtt.connect();
    await waitFor(() => mqtt.connected, "connected");
    assert.equal(mqtt.subscribe("lib/#", { qos: 2 }), 0);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(mqtt.publish("lib/0", "zero"), 0);
    assert.ok(mqtt.publish("lib/1", "one", { qos: 1 }) > 0);
    assert.ok(mqtt.publish("lib/2", "two", { qos: 2, retain: false }) > 0);
    await waitFor(() => pubs.length === 3, "three messages");
    assert.deepEqual(events, ["connected"]);
    assert.deepEqual(pubs.map((p) => [p.topic, p.message, p.qos]).sort(), [
      ["lib/0", "zero", 0],
      ["lib/1", "one", 1],
      ["lib/2", "two", 2],
    ]);
    assert.deepEqual(messages.map((m) => m.join("=")).sort(), ["lib/0=zero", "lib/1=one", "lib/2=two"]);
  });

  it("gives a filter its own handler, reports a refused login as an error code, and stops on disconnect", async () => {
    const mqtt = mqttModule.create("127.0.0.1", { port: broker.port, username: "maker", password: "pw", client_id: "lib-b" });
    open.push(mqtt);
    const own: string[] = [];
    const general: string[] = [];
    mqtt.on("publish", (p: PublishEvent) => general.push(p.topic));
    mqtt.on("connected", () => {
      mqtt.subscribe("own/+", { qos: 1 }, (p) => own.push(p.message));
      mqtt.subscribe("other/+", { qos: 1 });
    });
    mqtt.connect();
    await waitFor(() => mqtt.connected, "connected");
    await new Promise((r) => setTimeout(r, 200));
    mqtt.publish("own/x", "mine", { qos: 1 });
    mqtt.publish("other/y", "theirs", { qos: 1 });
    await waitFor(() => own.length === 1 && general.length === 1, "routed");
    assert.deepEqual(own, ["mine"]);
    assert.deepEqual(general, ["other/y"]);
    const gone: number[] = [];
    mqtt.on("disconnected", (code: number) => gone.push(code));
    mqtt.disconnect();
    assert.deepEqual(gone, [E.E_STOPPED]);
    assert.equal(mqtt.connected, false);

    const bad = mqttModule.create("127.0.0.1", { port: broker.port, username: "maker", password: "wrong", client_id: "lib-c" });
    open.push(bad);
    const downs: number[] = [];
    bad.on("disconnected", (code: number) => downs.push(code));
    bad.connect();
    await waitFor(() => downs.length > 0, "refused");
    bad.disconnect();
    assert.equal(downs[0], E.E_CONNACK_NOT_AUTHORIZED);
    assert.equal(bad.connected, false, "a refused login is never connected");
  });

  it("subscribes to an array of filters at one QoS and to an object of filter: QoS, each as its own subscription", async () => {
    const mqtt = await connected("lib-many");
    const errors: number[] = [];
    const pubs: PublishEvent[] = [];
    mqtt.on("error", (code: number) => errors.push(code));
    mqtt.on("publish", (p: PublishEvent) => pubs.push(p));
    assert.equal(mqtt.subscribe(["many/a", "many/b"], { qos: 1 }), 0);
    assert.equal(mqtt.subscribe({ "many/c": 0, "many/d": 2 }), 0);
    await settle();
    for (const t of ["many/a", "many/b", "many/c", "many/d"]) mqtt.publish(t, "to " + t, { qos: 2 });
    await waitFor(() => pubs.length === 4, "four messages");
    await settle(100);
    // Each arrives once, at the QoS its own filter was granted.
    assert.deepEqual(pubs.map((p) => [p.topic, p.message, p.qos]).sort(), [
      ["many/a", "to many/a", 1],
      ["many/b", "to many/b", 1],
      ["many/c", "to many/c", 0],
      ["many/d", "to many/d", 2],
    ]);
    assert.deepEqual(errors, []);
  });

  it("answers invalid subscriptions with a negative code and an error event, and keeps no broken entry across a reconnect", async () => {
    const mqtt = await connected("lib-bad-subs");
    const errors: number[] = [];
    const ups: string[] = [];
    const pubs: string[] = [];
    mqtt.on("error", (code: number) => errors.push(code));
    mqtt.on("connected", () => ups.push("connected"));
    mqtt.on("message", (t: string, m: string) => pubs.push(t + "=" + m));
    const codes: number[] = [];
    // The last two hold valid filters after invalid ones: those are still made.
    for (const bad of [[42], { "bad/qos": 3 }, { "bad/qos": "1" }, null, 7, ["bad/#/x", "good/1"], { "bad/+x": 1, "good/2": 1 }]) {
      assert.doesNotThrow(() => codes.push(mqtt.subscribe(bad as any, { qos: 1 })));
    }
    assert.deepEqual(codes, [
      E.E_INVALID_TOPIC,
      E.E_INVALID_QOS,
      E.E_INVALID_QOS,
      E.E_INVALID_ARGUMENT,
      E.E_INVALID_ARGUMENT,
      E.E_INVALID_TOPIC,
      E.E_INVALID_TOPIC,
    ]);
    assert.deepEqual(errors, codes, "each failure is also an error event");
    await settle();
    // Another connection with the same client id takes the session over: the
    // library reconnects and subscribes again from its table.
    const intruder = mqttModule.create("127.0.0.1", { port: broker.port, username: "maker", password: "pw", client_id: "lib-bad-subs", reconnect: false });
    open.push(intruder);
    intruder.connect();
    await waitFor(() => !mqtt.connected, "taken over");
    intruder.disconnect();
    await waitFor(() => ups.length === 1 && mqtt.connected, "reconnected", 15000);
    await settle();
    mqtt.publish("good/1", "still there", { qos: 1 });
    mqtt.publish("good/2", "here too", { qos: 1 });
    await waitFor(() => pubs.length === 2, "the valid filters' messages");
    assert.deepEqual(pubs.sort(), ["good/1=still there", "good/2=here too"]);
    assert.deepEqual(errors, codes, "no error after the reconnect");
  });

  it("stops calling a listener removeListener took, and removeAllListeners(event) takes that event's", async () => {
    const mqtt = await connected("lib-remove");
    const seen: string[] = [];
    const first = (_t: string, m: string) => seen.push("first " + m);
    const second = (_t: string, m: string) => seen.push("second " + m);
    mqtt.on("message", first);
    mqtt.on("message", second);
    mqtt.subscribe("remove/#", { qos: 1 });
    await settle();
    mqtt.publish("remove/x", "a", { qos: 1 });
    await waitFor(() => seen.length === 2, "a to both");
    mqtt.removeListener("message", first);
    mqtt.publish("remove/x", "b", { qos: 1 });
    await waitFor(() => seen.length === 3, "b to the second");
    mqtt.removeAllListeners("message");
    const pubs: string[] = [];
    mqtt.on("publish", (p: PublishEvent) => pubs.push(p.message));
    mqtt.publish("remove/x", "c", { qos: 1 });
    await waitFor(() => pubs.length === 1, "c as a publish event");
    await settle(100);
    assert.deepEqual(seen, ["first a", "second a", "second b"]);
  });

  /** Records each of `events` as "name arg1 arg2" (arguments given only). */
  function record(mqtt: MqttConnection, events: string[]): string[] {
    const seen: string[] = [];
    for (const ev of events) mqtt.on(ev, (...args: unknown[]) => seen.push([ev, ...args.filter((a) => a !== undefined)].join(" ")));
    return seen;
  }

  it("emits connect with connected, subscribed per filter, puback and pubcomp with publish()'s number, close with disconnected", async () => {
    const mqtt = mqttModule.create("127.0.0.1", { port: broker.port, username: "maker", password: "pw", client_id: "lib-events" });
    open.push(mqtt);
    const seen = record(mqtt, ["connect", "connected", "subscribed", "subscribed_fail", "puback", "pubcomp", "disconnected", "close", "error"]);
    mqtt.connect();
    await waitFor(() => mqtt.connected, "connected");
    mqtt.subscribe({ "events/a": 1, "events/b": 2 });
    await waitFor(() => seen.length === 4, "two SUBACKs");
    const one = mqtt.publish("events/a", "1", { qos: 1 });
    const two = mqtt.publish("events/b", "2", { qos: 2 });
    await waitFor(() => seen.length === 6, "PUBACK and PUBCOMP");
    mqtt.disconnect();
    assert.deepEqual(seen, [
      "connected",
      "connect",
      "subscribed events/a 1",
      "subscribed events/b 2",
      "puback " + one,
      "pubcomp " + two,
      "disconnected " + E.E_STOPPED,
      "close " + E.E_STOPPED,
    ]);
  });

  it("emits unsubscribed with the filter at UNSUBACK, and ping_reply when the broker answers the keepalive's PINGREQ", async () => {
    const mqtt = await connected("lib-unsub", { keep_alive: 1 });
    const seen = record(mqtt, ["subscribed", "unsubscribed", "ping_reply", "error"]);
    assert.equal(mqtt.subscribe("unsub/a", { qos: 1 }), 0);
    await waitFor(() => seen.includes("subscribed unsub/a 1"), "SUBACK");
    assert.equal(mqtt.unsubscribe("unsub/a"), 0);
    await waitFor(() => seen.includes("unsubscribed unsub/a"), "UNSUBACK");
    // Idle for 3/4 of the 1 s keepalive, the client pings.
    await waitFor(() => seen.includes("ping_reply"), "PINGRESP");
    mqtt.disconnect();
    assert.deepEqual(seen.slice(0, 3), ["subscribed unsub/a 1", "unsubscribed unsub/a", "ping_reply"]);
  });

  it("emits subscribed_fail for a filter the broker refuses (SUBACK 0x80)", async () => {
    const aedes = await Aedes.createBroker();
    aedes.authorizeSubscribe = (_client, sub, done) => done(null, sub.topic.startsWith("denied/") ? null : sub);
    const server = net.createServer(aedes.handle);
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    try {
      const mqtt = mqttModule.create("127.0.0.1", { port: (server.address() as net.AddressInfo).port, client_id: "lib-refused" });
      open.push(mqtt);
      const seen = record(mqtt, ["subscribed", "subscribed_fail", "error"]);
      mqtt.connect();
      await waitFor(() => mqtt.connected, "connected to aedes");
      assert.equal(mqtt.subscribe(["denied/x", "allowed/x"], { qos: 1 }), 0);
      await waitFor(() => seen.length === 2, "two SUBACKs");
      mqtt.disconnect();
      assert.deepEqual(seen, ["subscribed_fail denied/x", "subscribed allowed/x 1"]);
    } finally {
      await new Promise<void>((r) => aedes.close(() => server.close(() => r())));
    }
  });

  it("emits puback, not pubcomp, for a QoS 2 message the broker completed with PUBACK (a broker without QoS 2)", () => {
    const time = createManualTime(1000);
    const fake = new FakeNet();
    const scripted = new ScriptedBroker(fake);
    const mqtt = createMqttModule({ net: fake, clock: time.clock, timers: time.timers, events: addEventMethods }).create("broker", {
      client_id: "lib-downgraded",
    });
    const seen = record(mqtt, ["puback", "pubcomp", "error"]);
    mqtt.connect();
    scripted.run();
    assert.equal(mqtt.connected, true);
    scripted.script.ackPublishes = false;
    const seq = mqtt.publish("t/2", "two", { qos: 2 });
    fake.flush();
    const c = fake.last;
    c.send({ cmd: "puback", messageId: c.packets("publish")[0].messageId });
    scripted.run();
    mqtt.disconnect();
    assert.deepEqual(seen, ["error " + E.E_QOS_DOWNGRADED, "puback " + seq]);
  });

  it("gives publish events the MQTT module's fields, retain and dup as 0 or 1", async () => {
    const mqtt = await connected("lib-fields");
    const pubs: PublishEvent[] = [];
    mqtt.on("publish", (p: PublishEvent) => pubs.push(p));
    mqtt.publish("fields/kept", "r", { qos: 1, retain: true });
    await settle();
    mqtt.subscribe("fields/#", { qos: 1 });
    await waitFor(() => pubs.length === 1, "the retained message");
    mqtt.publish("fields/live", "l", { qos: 1 });
    await waitFor(() => pubs.length === 2, "the live message");
    assert.deepEqual(pubs, [
      { topic: "fields/kept", message: "r", dup: 0, qos: 1, retain: 1 },
      { topic: "fields/live", message: "l", dup: 0, qos: 1, retain: 0 },
    ]);
  });

  /** An mqtt.js client (an independent peer) as "maker", connected. */
  async function peer(clientId: string): Promise<mqttjs.MqttClient> {
    const c = mqttjs.connect("mqtt://127.0.0.1:" + broker.port, { clientId, username: "maker", password: "pw", reconnectPeriod: 0 });
    await new Promise<void>((resolve, reject) => {
      c.once("connect", () => resolve());
      c.once("error", reject);
    });
    return c;
  }

  it("takes a 1,500-byte message with the default max_packet; a larger one is an E_PACKET_TOO_LARGE error and the connection stays", async () => {
    const mqtt = await connected("lib-big");
    const pubs: PublishEvent[] = [];
    const seen = record(mqtt, ["error", "disconnected"]);
    mqtt.on("publish", (p: PublishEvent) => pubs.push(p));
    mqtt.subscribe("big/#", { qos: 1 });
    await settle();
    const big = "0123456789".repeat(150);
    assert.ok(mqtt.publish("big/mine", big, { qos: 1 }) > 0, "sent by the library");
    await waitFor(() => pubs.length === 1, "the 1,500-byte message back");
    assert.equal(pubs[0].message, big);
    const other = await peer("lib-big-peer");
    try {
      other.publish("big/theirs", "x".repeat(3000), { qos: 1 });
      other.publish("big/after", "small", { qos: 1 });
      await waitFor(() => pubs.length === 2, "the message after the oversized one");
    } finally {
      other.end();
    }
    assert.equal(pubs[1].topic, "big/after");
    assert.deepEqual(seen, ["error " + E.E_PACKET_TOO_LARGE]);
    assert.equal(mqtt.connected, true);
  });

  /** mqtt.js subscribed to `filter`; the payloads it got, as text, in order. */
  async function listen(clientId: string, filter: string): Promise<{ client: mqttjs.MqttClient; got: string[] }> {
    const client = await peer(clientId);
    const got: string[] = [];
    client.on("message", (_t, payload) => got.push(payload.toString("utf8")));
    await client.subscribeAsync(filter, { qos: 1 });
    return { client, got };
  }

  for (const qos of [0, 1]) {
    it("loses no message of a tight loop of 200 QoS " + qos + " publishes silently: each one arrives or is counted in an error event", async () => {
      const mqtt = await connected("lib-burst-" + qos);
      const errors: [number, number][] = [];
      mqtt.on("error", (code: number, count: number) => errors.push([code, count]));
      const sub = await listen("lib-burst-listener-" + qos, "burst/" + qos);
      const refused = () => errors.reduce((n, e) => n + e[1], 0);
      try {
        // As code written for the MQTT module does: return codes ignored.
        for (let i = 0; i < 200; i++) mqtt.publish("burst/" + qos, "m" + i, { qos });
        const stats = mqtt.client.stats();
        const firstStats = { inFlight: stats.inFlight, queued: stats.queued };
        await waitFor(() => sub.got.length + refused() === 200, "200 messages accounted for");
        await settle();
        assert.equal(sub.got.length + refused(), 200, "nothing more came");
        // Those that arrived are the first ones, in order; the rest were refused at publish().
        assert.deepEqual(
          sub.got,
          Array.from({ length: sub.got.length }, (_, i) => "m" + i),
        );
        if (qos === 0) assert.deepEqual(errors, [], "QoS 0 goes out at once while connected");
        else {
          assert.equal(sub.got.length, 16, "the default queue (16) takes the head of the burst");
          // The window (16) is refilled a quarter at a time in a burst: 13 or more out before any PUBACK (a window of 8: 8 at most).
          assert.ok(firstStats.inFlight >= 13 && firstStats.inFlight + firstStats.queued === 16, JSON.stringify(firstStats));
          assert.deepEqual(errors, [[E.E_QUEUE_FULL, 184]], "one event for the loop's refusals");
        }
      } finally {
        sub.client.end();
      }
    });
  }

  it("reports the publish() calls refused before the calling code returns as one error (code, count) per code", async () => {
    const mqtt = await connected("lib-refusals", { queue: 2, inflight: 1 });
    const errors: [number, number][] = [];
    mqtt.on("error", (code: number, count: number) => errors.push([code, count]));
    const codes: number[] = [];
    for (let i = 0; i < 5; i++) codes.push(mqtt.publish("refusals/x", "m" + i, { qos: 1 }));
    codes.push(mqtt.publish("refusals/+", "bad topic", { qos: 1 }));
    assert.deepEqual(codes.slice(2), [E.E_QUEUE_FULL, E.E_QUEUE_FULL, E.E_QUEUE_FULL, E.E_INVALID_TOPIC], "each call still returns its code");
    assert.deepEqual(errors, [], "not while the loop runs");
    await settle(50);
    assert.deepEqual(
      errors.sort(),
      [
        [E.E_QUEUE_FULL, 3],
        [E.E_INVALID_TOPIC, 1],
      ].sort(),
    );
    mqtt.publish("refusals/+", "bad again", { qos: 1 });
    await settle(50);
    assert.deepEqual(errors.slice(2), [[E.E_INVALID_TOPIC, 1]], "a later call, a new event");
  });

  it("sends and receives non-ASCII text as UTF-8: 21.5 °C ✓ comes back as it went", async () => {
    const text = "21.5 °C ✓";
    const mqtt = await connected("lib-utf8");
    const pubs: string[] = [];
    const messages: string[] = [];
    mqtt.on("publish", (p: PublishEvent) => pubs.push(p.message));
    mqtt.on("message", (_t: string, m: string) => messages.push(m));
    mqtt.subscribe("utf8/#", { qos: 1 });
    const other = await peer("lib-utf8-peer");
    const wire: Buffer[] = [];
    other.on("message", (_t, payload) => wire.push(payload));
    await other.subscribeAsync("utf8/#", { qos: 1 });
    try {
      await settle();
      mqtt.publish("utf8/mine", text, { qos: 1 });
      await waitFor(() => pubs.length === 1 && wire.length === 1, "the library's message");
      other.publish("utf8/theirs", Buffer.from(text, "utf8"), { qos: 1 });
      await waitFor(() => pubs.length === 2, "the peer's message");
    } finally {
      other.end();
    }
    assert.deepEqual(wire[0], Buffer.from(text, "utf8"), "UTF-8 on the wire");
    assert.deepEqual(pubs, [text, text]);
    assert.deepEqual(messages, [text, text]);
  });

  it("takes 8 filters at once; a ninth is E_QUEUE_FULL and an error event", async () => {
    const mqtt = await connected("lib-table");
    const errors: number[] = [];
    mqtt.on("error", (code: number) => errors.push(code));
    const filters = Array.from({ length: 9 }, (_, i) => "table/" + i);
    assert.equal(mqtt.subscribe(filters), E.E_QUEUE_FULL);
    assert.deepEqual(errors, [E.E_QUEUE_FULL]);
    assert.equal(mqtt.unsubscribe("table/0"), 0);
    assert.equal(mqtt.unsubscribe("table/8"), E.E_INVALID_ARGUMENT, "the ninth was never taken");
  });
});
