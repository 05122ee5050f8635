/**
 * The library API (firmware/lib/mqtt-module.ts), shaped like Espruino's MQTT
 * module, on the Node HAL against a real mosquitto.
 */
import assert from "node:assert/strict";
import { createMqttModule, type MqttConnection, type ModuleOptions, type PublishEvent } from "../firmware/lib/mqtt-module";
import { addEventMethods } from "../firmware/lib/events";
import { createNodeNet } from "../hal/node/net";
import { systemClock } from "../hal/node/clock";
import { createNodeTimers } from "../hal/node/timers";
import { startMosquitto, type Mosquitto } from "./support/mosquitto";
import { waitFor } from "./support/live-client";
import * as E from "../firmware/errors";

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
    assert.deepEqual(pubs.map((p) => [p.topic, p.message, p.qos]).sort(), [["lib/0", "zero", 0], ["lib/1", "one", 1], ["lib/2", "two", 2]]);
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
    assert.deepEqual(codes, [E.E_INVALID_TOPIC, E.E_INVALID_QOS, E.E_INVALID_QOS, E.E_INVALID_ARGUMENT, E.E_INVALID_ARGUMENT, E.E_INVALID_TOPIC, E.E_INVALID_TOPIC]);
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
});
