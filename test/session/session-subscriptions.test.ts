/**
 * The client's subscriptions, and bad input from the broker, against a
 * scripted broker on an in-memory socket with a manual clock.
 */
import { strict as assert } from "node:assert";
import * as E from "../../base/errors";
import { ST_CONNECTED, ST_IDLE, ST_WAITING } from "../../firmware/session/client";
import { createRig } from "../support/client-rig";
import { str, u16 } from "../../scripts/support/bytes";

const CONNECTED = "connect:false";

describe("client: subscriptions", () => {
  it("routes by filter with + and #, and the rest to the catch-all", () => {
    const rig = createRig().connect();
    const seen: string[] = [];
    rig.client.subscribe("fab/+/cmd", 1, (m) => seen.push(`cmd:${m.topic}`));
    rig.client.subscribe("fab/#", 0, (m) => seen.push(`all:${m.topic}`));
    rig.run();
    for (const topic of ["fab/relay/cmd", "fab/t", "other/x"]) rig.net.last.send({ cmd: "publish", topic, payload: Buffer.from("1"), qos: 0 });
    rig.run();
    assert.deepEqual(seen, ["cmd:fab/relay/cmd", "all:fab/relay/cmd", "all:fab/t"]);
    assert.deepEqual(
      rig.messages.map((m) => m.topic),
      ["other/x"],
    );
  });

  it("reports SUBACK per filter, including a 0x80 refusal", () => {
    const rig = createRig().connect();
    rig.broker.script.grant = { "no/#": 0x80, "yes/#": 1 };
    rig.client.subscribe("yes/#", 2);
    rig.client.subscribe("no/#", 1);
    rig.run();
    assert.deepEqual(rig.subacks, [
      ["yes/#", 1],
      ["no/#", E.E_SUBACK_FAILURE],
    ]);
    assert.deepEqual(rig.events, [CONNECTED]);
  });

  it("resubscribes after a reconnect that did not resume the session, not after one that did", () => {
    const rig = createRig().connect();
    rig.client.subscribe("a/#", 1);
    rig.client.subscribe("b", 0);
    rig.run();
    rig.net.last.reset();
    rig.advance(1000);
    assert.deepEqual(
      rig.net.last.packets("subscribe").map((p) => p.subscriptions[0].topic),
      ["a/#", "b"],
    );
    rig.broker.script.sessionPresent = true;
    rig.net.last.reset();
    rig.advance(1600); // second failure in a row: 0.75 x 2 s
    assert.equal(rig.net.connections.length, 3);
    assert.equal(rig.net.last.packets("subscribe").length, 0);
  });

  it("sends the SUBSCRIBEs of a CONNACK, and one asked for inside a handler, once the chunk is done: after its acks, before the messages", () => {
    let rig: ReturnType<typeof createRig> | null = null;
    rig = createRig({
      onConnect: () => rig!.client.publish("dev/status", "online", 1, true),
      onMessage: () => rig!.client.subscribe("late/#", 1),
    });
    rig.client.subscribe("a/#", 1);
    rig.client.publish("dev/queued", "q", 1, false);
    rig.client.start();
    const c = rig.net.last;
    c.hold();
    rig.broker.run();
    c.send({ cmd: "publish", topic: "x", payload: "1", qos: 1, messageId: 9 });
    c.release();
    rig.net.flush();
    const sent = c.received.map((p) => (p.cmd === "subscribe" ? "subscribe " + p.subscriptions[0].topic : p.cmd === "publish" ? "publish " + p.topic : p.cmd));
    assert.deepEqual(
      sent.slice(0, 5),
      ["connect", "puback", "subscribe a/#", "subscribe late/#", "publish dev/queued"],
      "the ack inside the chunk, then subscriptions in slot order, then messages",
    );
    rig.run();
    assert.deepEqual(
      rig.subacks.map((s) => s[0]),
      ["a/#", "late/#"],
    );
    assert.equal(rig.client.stats().inFlight + rig.client.stats().queued, 0);
  });

  it("unsubscribes with UNSUBACK and stops routing to the handler", () => {
    const rig = createRig().connect();
    const seen: string[] = [];
    rig.client.subscribe("u/#", 0, (m) => seen.push(m.topic));
    rig.run();
    assert.equal(rig.client.unsubscribe("u/#"), 0);
    rig.run();
    assert.deepEqual(
      rig.net.last.packets("unsubscribe").map((p) => p.unsubscriptions),
      [["u/#"]],
    );
    rig.net.last.send({ cmd: "publish", topic: "u/1", payload: Buffer.from("1"), qos: 0 });
    rig.run();
    assert.deepEqual(seen, []);
    assert.equal(rig.client.unsubscribe("never"), E.E_INVALID_ARGUMENT);
  });

  it("refuses invalid filters and QoS at once", () => {
    const rig = createRig();
    assert.equal(rig.client.subscribe("a/#/b", 0), E.E_INVALID_TOPIC);
    assert.equal(rig.client.subscribe("a", 3), E.E_INVALID_QOS);
    assert.equal(rig.client.publish("a/+", "x", 1, false), E.E_INVALID_TOPIC);
  });
});

describe("client: bad input from the broker", () => {
  function queueThree(rig: ReturnType<typeof createRig>) {
    rig.broker.script.ackPublishes = false;
    rig.client.publish("m/1", "1", 1, false);
    rig.client.publish("m/2", "2", 2, false);
    rig.run();
  }
  function expectRecovered(rig: ReturnType<typeof createRig>, code: number) {
    assert.equal(rig.events[1], `disconnect:${code}`);
    rig.broker.script.ackPublishes = true;
    rig.advance(1000);
    assert.equal(rig.client.state(), ST_CONNECTED);
    assert.deepEqual(rig.publishedSeqs.length, 2, "no QoS 1/2 message lost");
  }

  it("closes and reconnects on a malformed packet, losing nothing", () => {
    const rig = createRig().connect();
    queueThree(rig);
    rig.net.last.sendBytes([0x40, 3, 0, 1, 0]); // PUBACK with length 3
    rig.run();
    expectRecovered(rig, E.E_MALFORMED);
  });

  it("closes and reconnects on a packet type a client never receives", () => {
    const rig = createRig().connect();
    queueThree(rig);
    rig.net.last.sendBytes([0x82, 6, ...u16(1), ...str("a"), 0]); // SUBSCRIBE
    rig.run();
    expectRecovered(rig, E.E_UNEXPECTED_TYPE);
  });

  it("closes and reconnects on a second CONNACK", () => {
    const rig = createRig().connect();
    queueThree(rig);
    rig.net.last.send({ cmd: "connack", returnCode: 0 });
    rig.run();
    expectRecovered(rig, E.E_PROTOCOL);
  });

  it("closes and reconnects on an ack for an unknown packet id", () => {
    const rig = createRig().connect();
    queueThree(rig);
    rig.net.last.send({ cmd: "puback", messageId: 999 });
    rig.run();
    expectRecovered(rig, E.E_UNKNOWN_PACKET_ID);
  });

  it("closes and reconnects on a reserved packet type", () => {
    const rig = createRig().connect();
    queueThree(rig);
    rig.net.last.sendBytes([0xf0, 0]);
    rig.run();
    expectRecovered(rig, E.E_UNKNOWN_TYPE);
  });
});
