/**
 * The client's outbound QoS 0/1/2 against a scripted broker on an in-memory
 * socket with a manual clock.
 */
import { strict as assert } from "node:assert";
import * as E from "../../base/errors";
import { ST_CONNECTED, ST_IDLE, ST_WAITING } from "../../firmware/session/client";
import { createRig } from "../support/client-rig";
import { str, u16 } from "../../scripts/support/bytes";

const CONNECTED = "connect:false";

describe("client: outbound QoS", () => {
  it("publishes QoS 0 at once and QoS 1 until PUBACK", () => {
    const rig = createRig().connect();
    assert.equal(rig.client.publish("t/0", "zero", 0, false), 0);
    const seq = rig.client.publish("t/1", "one", 1, true);
    assert.ok(seq > 0);
    rig.run();
    const pubs = rig.net.last.packets("publish");
    assert.deepEqual(
      pubs.map((p) => [p.topic, p.qos, p.retain, p.payload.toString()]),
      [
        ["t/0", 0, false, "zero"],
        ["t/1", 1, true, "one"],
      ],
    );
    assert.deepEqual(rig.publishedSeqs, [seq]);
    assert.equal(rig.client.stats().inFlight, 0);
  });

  it("sends a PUBLISH asked for while a chunk is handled once the chunk is done, acks first", () => {
    // onConnect publishes; the CONNACK's chunk also holds a QoS 1 PUBLISH from the broker.
    let rig: ReturnType<typeof createRig> | null = null;
    let seq = 0;
    rig = createRig({ onConnect: () => (seq = rig!.client.publish("dev/status", "online", 1, true)) });
    rig.client.start();
    const c = rig.net.last;
    c.hold();
    rig.broker.run();
    c.send({ cmd: "publish", topic: "dev/set", payload: "on", qos: 1, messageId: 7 });
    assert.deepEqual(
      c.received.map((p) => p.cmd),
      ["connect"],
      "CONNACK held with the PUBLISH",
    );
    c.release();
    rig.net.flush();
    assert.deepEqual(
      c.received.map((p) => p.cmd),
      ["connect", "puback", "publish"],
      "the ack inside the chunk, the PUBLISH after it",
    );
    assert.equal(c.packets("puback")[0].messageId, 7);
    assert.equal(c.packets("publish")[0].topic, "dev/status");
    assert.ok(seq > 0);
    rig.run();
    assert.deepEqual(rig.publishedSeqs, [seq], "acknowledged, nothing waits for a tick");
    assert.equal(rig.client.stats().inFlight + rig.client.stats().queued, 0);
  });

  it("runs QoS 2 through PUBREC, PUBREL, PUBCOMP", () => {
    const rig = createRig().connect();
    const seq = rig.client.publish("t/2", "two", 2, false);
    rig.run();
    const c = rig.net.last;
    assert.deepEqual(
      c.received.slice(1).map((p) => p.cmd),
      ["publish", "pubrel"],
    );
    assert.equal(c.packets("pubrel")[0].messageId, c.packets("publish")[0].messageId);
    assert.deepEqual(rig.publishedSeqs, [seq]);
  });

  it("completes a QoS 2 publish that the broker answers with PUBACK (a broker without QoS 2) as QoS 1, and reports it", () => {
    const rig = createRig().connect();
    rig.broker.script.ackPublishes = false;
    const seq = rig.client.publish("t/2", "two", 2, false);
    rig.net.flush();
    const c = rig.net.last;
    c.send({ cmd: "puback", messageId: c.packets("publish")[0].messageId });
    rig.run();
    assert.deepEqual(rig.publishedSeqs, [seq], "completed");
    assert.equal(rig.client.stats().downgraded, 1);
    assert.equal(rig.client.stats().inFlight, 0);
    assert.ok(rig.errors.includes(E.E_QOS_DOWNGRADED), "reported once");
    assert.equal(rig.client.state(), ST_CONNECTED, "no reconnect");
    assert.deepEqual(
      c.received.slice(1).map((p) => p.cmd),
      ["publish"],
      "nothing resent, no PUBREL",
    );
  });

  it("fails the connection with E_PROTOCOL on an ack its message does not await", () => {
    // [PUBREC for a QoS 1 message], [PUBCOMP for a QoS 2 message awaiting PUBREC], [PUBACK for one awaiting PUBCOMP].
    const cases: [number, number, number][] = [
      [1, 0x50, 0],
      [2, 0x70, 0],
      [2, 0x40, 1],
    ];
    for (const [qos, ack, pubrecFirst] of cases) {
      const rig = createRig().connect();
      rig.broker.script.ackPublishes = false;
      rig.client.publish("t", "m", qos, false);
      rig.net.flush();
      const c = rig.net.last;
      const id = c.packets("publish")[0].messageId as number;
      if (pubrecFirst) {
        c.sendBytes([0x50, 2, id >> 8, id & 255]);
        rig.net.flush();
      }
      c.sendBytes([ack, 2, id >> 8, id & 255]);
      rig.net.flush();
      assert.deepEqual(rig.events, [CONNECTED, `disconnect:${E.E_PROTOCOL}`], "QoS " + qos + ", ack 0x" + ack.toString(16));
      assert.deepEqual(rig.publishedSeqs, []);
    }
  });

  it("checks an ack handed over undecoded (Espruino's framer reads acks itself): id 0 is E_MALFORMED, an ack before CONNACK E_PROTOCOL", () => {
    type AckSink = { onAck_(type: number, id: number): void };
    const rig = createRig().connect();
    rig.broker.script.ackPublishes = false;
    rig.client.publish("t", "m", 1, false);
    rig.net.flush();
    (rig.client as unknown as AckSink).onAck_(4, 0);
    assert.deepEqual(rig.events, [CONNECTED, `disconnect:${E.E_MALFORMED}`]);
    rig.broker.script.answerConnect = false;
    rig.advance(1000);
    assert.equal(rig.net.connections.length, 2, "connecting again");
    (rig.client as unknown as AckSink).onAck_(4, 1);
    assert.deepEqual(rig.events, [CONNECTED, `disconnect:${E.E_MALFORMED}`, `disconnect:${E.E_PROTOCOL}`]);
    assert.deepEqual(rig.publishedSeqs, []);
  });

  it("resends unacknowledged QoS 1/2 in order with DUP, and PUBREL for QoS 2 past PUBREC, after a reconnect", () => {
    const rig = createRig({ inflightWindow: 4, cleanSession: false });
    rig.connect();
    rig.broker.script.ackPublishes = false;
    rig.client.publish("q/1", "a", 1, false);
    rig.client.publish("q/2", "b", 2, false);
    rig.run();
    const first = rig.net.last;
    const ids = first.packets("publish").map((p) => p.messageId);
    // The broker takes the QoS 2 message (PUBREC) but the connection drops before PUBCOMP.
    first.send({ cmd: "pubrec", messageId: ids[1] });
    rig.client.publish("q/3", "c", 1, false);
    rig.run();
    assert.equal(first.packets("pubrel").length, 1);
    first.reset();
    rig.broker.script.sessionPresent = true;
    rig.broker.script.ackPublishes = true;
    rig.advance(1000);
    const second = rig.net.last;
    assert.notEqual(second, first);
    const resent = second.received.slice(1).map((p) => [p.cmd, p.topic ?? "", p.dup ?? false, p.messageId]);
    assert.deepEqual(resent, [
      ["publish", "q/1", true, ids[0]],
      ["pubrel", "", false, ids[1]],
      ["publish", "q/3", true, first.packets("publish")[2].messageId],
    ]);
    assert.equal(rig.publishedSeqs.length, 3);
    assert.equal(rig.client.stats().inFlight, 0);
  });

  it("keeps at most the window in flight and queues the rest in order, bounded", () => {
    const rig = createRig({ inflightWindow: 2, queueSize: 4 });
    rig.connect();
    rig.broker.script.ackPublishes = false;
    const results = [1, 2, 3, 4, 5].map((i) => rig.client.publish(`w/${i}`, "x", 1, false));
    assert.deepEqual(
      results.slice(0, 4).map((r) => r > 0),
      [true, true, true, true],
    );
    assert.equal(results[4], E.E_QUEUE_FULL);
    rig.run();
    assert.equal(rig.net.last.packets("publish").length, 2);
    assert.deepEqual(rig.client.stats().inFlight, 2);
    // Acknowledge one at a time: the next queued one goes out each time.
    for (let k = 0; k < 4; k++) {
      const pubs = rig.net.last.packets("publish");
      rig.net.last.send({ cmd: "puback", messageId: pubs[k].messageId });
      rig.run();
    }
    assert.deepEqual(
      rig.net.last.packets("publish").map((p) => p.topic),
      ["w/1", "w/2", "w/3", "w/4"],
    );
    assert.equal(rig.publishedSeqs.length, 4);
  });

  it("refills a large window in batches of a quarter of it, and tick() sends what waits", () => {
    const rig = createRig({ inflightWindow: 8, queueSize: 16 });
    rig.connect();
    rig.broker.script.ackPublishes = false;
    for (let i = 0; i < 12; i++) rig.client.publish(`b/${i}`, "x", 1, false);
    rig.run();
    const c = rig.net.last;
    assert.equal(c.packets("publish").length, 7, "the 8th waits: one free slot is less than a batch of 2");
    rig.advance(100);
    assert.equal(c.packets("publish").length, 8, "tick() fills the window");
    c.send({ cmd: "puback", messageId: c.packets("publish")[0].messageId });
    rig.net.flush();
    assert.equal(c.packets("publish").length, 8, "one free slot: wait for a batch");
    c.send({ cmd: "puback", messageId: c.packets("publish")[1].messageId });
    rig.net.flush();
    assert.equal(c.packets("publish").length, 10);
    assert.deepEqual(
      c
        .packets("publish")
        .map((p) => p.topic)
        .slice(7),
      ["b/7", "b/8", "b/9"],
    );
  });

  it("wraps packet ids from 65535 to 1 and never reuses one in flight", () => {
    const rig = createRig({ inflightWindow: 2, queueSize: 2 });
    rig.connect();
    rig.broker.script.ackPublishes = false;
    // Hold one message in flight with id 1, then cycle ids until they wrap.
    rig.client.publish("hold", "x", 1, false);
    rig.run();
    const c = rig.net.last;
    assert.equal(c.packets("publish")[0].messageId, 1);
    for (let i = 0; i < 65535; i++) {
      rig.client.publish("spin", "x", 1, false);
      const pubs = c.packets("publish", c.received.length - 1);
      c.send({ cmd: "puback", messageId: pubs[0].messageId });
      rig.net.flush();
    }
    const ids = c.packets("publish").map((p) => p.messageId);
    assert.equal(ids[65534], 65535);
    assert.equal(ids[65535], 2, "id 1 is still in flight, so the wrap skips it");
    assert.ok(!ids.includes(0));
  });
});
