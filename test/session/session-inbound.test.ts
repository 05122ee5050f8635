/**
 * The client's inbound QoS 0/1/2 against a scripted broker on an in-memory
 * socket with a manual clock.
 */
import { strict as assert } from "node:assert";
import * as E from "../../base/errors";
import { ST_CONNECTED, ST_IDLE, ST_WAITING } from "../../firmware/session/client";
import { createRig } from "../support/client-rig";
import { str, u16 } from "../../scripts/support/bytes";

const CONNECTED = "connect:false";

describe("client: inbound", () => {
  it("delivers QoS 1 before acknowledging it, with retain and DUP surfaced", () => {
    let ackedBeforeHandler = -1;
    const rig = createRig();
    rig.connect();
    const c = rig.net.last;
    rig.client.subscribe("in/#", 1, (m) => {
      ackedBeforeHandler = c.packets("puback").length;
      rig.record(m);
    });
    rig.run();
    c.send({ cmd: "publish", topic: "in/x", payload: Buffer.from("hello"), qos: 1, messageId: 77, retain: true, dup: true });
    rig.run();
    assert.equal(ackedBeforeHandler, 0);
    assert.deepEqual(
      c.packets("puback").map((p) => p.messageId),
      [77],
    );
    assert.deepEqual(rig.messages, [{ topic: "in/x", payload: "hello", qos: 1, retain: true, dup: true }]);
  });

  it("delivers QoS 2 exactly once: a duplicate before PUBREL is acknowledged, not delivered", () => {
    const rig = createRig().connect();
    const c = rig.net.last;
    const pub = { cmd: "publish", topic: "in/2", payload: Buffer.from("once"), qos: 2, messageId: 9 };
    c.send(pub);
    rig.run();
    c.send({ ...pub, dup: true });
    rig.run();
    assert.equal(rig.messages.length, 1);
    assert.deepEqual(
      c.packets("pubrec").map((p) => p.messageId),
      [9, 9],
    );
    c.send({ cmd: "pubrel", messageId: 9 });
    rig.run();
    assert.deepEqual(
      c.packets("pubcomp").map((p) => p.messageId),
      [9],
    );
    // After PUBREL the id is free: a new message with id 9 is delivered.
    c.send({ ...pub, payload: Buffer.from("again") });
    rig.run();
    assert.deepEqual(
      rig.messages.map((m) => m.payload),
      ["once", "again"],
    );
  });

  it("refuses a QoS 2 message when every id awaits PUBREL, reconnects once all are released, and delivers it once when the broker resends it", () => {
    const rig = createRig({ inboundQos2: 2, cleanSession: false }).connect();
    const first = rig.net.last;
    for (const id of [1, 2, 3]) first.send({ cmd: "publish", topic: "q2", payload: Buffer.from(String(id)), qos: 2, messageId: id });
    rig.run();
    // 3 is neither delivered nor acknowledged: forgetting 1 or 2 instead could deliver a resend of it twice.
    assert.deepEqual(
      rig.messages.map((m) => m.payload),
      ["1", "2"],
    );
    assert.deepEqual(
      first.packets("pubrec").map((p) => p.messageId),
      [1, 2],
    );
    assert.deepEqual(rig.events, [CONNECTED], "still connected: PUBRELs are due");
    first.send({ cmd: "pubrel", messageId: 1 });
    rig.run();
    assert.equal(rig.client.state(), ST_CONNECTED, "one id still awaits PUBREL");
    first.send({ cmd: "pubrel", messageId: 2 });
    rig.run();
    assert.deepEqual(
      first.packets("pubcomp").map((p) => p.messageId),
      [1, 2],
    );
    assert.deepEqual(rig.events, [CONNECTED, `disconnect:${E.E_INBOUND_QOS2_FULL}`], "then closed to have 3 again");
    assert.ok(first.closed);
    rig.broker.script.sessionPresent = true;
    rig.advance(2000);
    const second = rig.net.last;
    assert.notEqual(second, first);
    assert.equal(rig.client.state(), ST_CONNECTED);
    // The broker resends what it has no acknowledgement for: 3.
    second.send({ cmd: "publish", topic: "q2", payload: Buffer.from("3"), qos: 2, messageId: 3, dup: true });
    rig.run();
    assert.deepEqual(
      rig.messages.map((m) => m.payload),
      ["1", "2", "3"],
    );
    assert.deepEqual(
      second.packets("pubrec").map((p) => p.messageId),
      [3],
    );
  });

  it("takes ids the broker forgot (no PUBREL, no resend, long after a resumed session) as released when messages wait for room", () => {
    const rig = createRig({ inboundQos2: 2, cleanSession: false }).connect();
    const pub = (id: number, text: string, dup = false) => ({ cmd: "publish", topic: "q2", payload: Buffer.from(text), qos: 2, messageId: id, dup });
    rig.net.last.send(pub(1, "one"));
    rig.net.last.send(pub(2, "two"));
    rig.run();
    assert.deepEqual(
      rig.messages.map((m) => m.payload),
      ["one", "two"],
    );
    // The broker dies before it saved our PUBRECs: back from an older save it knows neither id.
    rig.net.last.reset();
    rig.broker.script.sessionPresent = true;
    rig.advance(2000);
    const again = rig.net.last;
    again.send(pub(5, "five"));
    rig.run();
    assert.deepEqual(
      rig.messages.map((m) => m.payload),
      ["one", "two"],
      "refused: both ids may still get PUBREL",
    );
    assert.deepEqual(
      again.packets("pubrec").map((p) => p.messageId),
      [],
    );
    rig.advance(21000); // twice the keepalive (10 s) since the CONNACK, and nothing said of 1 and 2
    assert.equal(rig.client.state(), ST_CONNECTED, "reconnected to have 5 again");
    assert.ok(rig.events.includes(`disconnect:${E.E_INBOUND_QOS2_FULL}`));
    const third = rig.net.last;
    assert.notEqual(third, again);
    third.send(pub(5, "five", true));
    rig.run();
    assert.deepEqual(
      rig.messages.map((m) => m.payload),
      ["one", "two", "five"],
      "now it has room",
    );
    assert.deepEqual(
      third.packets("pubrec").map((p) => p.messageId),
      [5],
    );
    // 5 took the place of 1 (the oldest); 2 is still known, as released: a late DUP resend of it is acknowledged, not delivered.
    third.send(pub(2, "two", true));
    rig.run();
    assert.equal(rig.messages.length, 3);
  });

  it("keeps an id the broker resends after a resumed session, and its PUBREL still completes it", () => {
    const rig = createRig({ inboundQos2: 2, cleanSession: false }).connect();
    const pub = (id: number, text: string, dup = false) => ({ cmd: "publish", topic: "q2", payload: Buffer.from(text), qos: 2, messageId: id, dup });
    rig.net.last.send(pub(1, "one"));
    rig.net.last.send(pub(2, "two"));
    rig.run();
    rig.net.last.reset();
    rig.broker.script.sessionPresent = true;
    rig.advance(2000);
    const again = rig.net.last;
    again.send(pub(1, "one", true)); // mentioned: the broker still has it
    again.send(pub(6, "six")); // table full: refused for now
    rig.run();
    rig.advance(21000); // 2 was never mentioned: it gives way (1 still awaits its PUBREL); the broker sends 6 again
    const third = rig.net.last;
    third.send(pub(1, "one", true));
    third.send(pub(6, "six", true));
    rig.run();
    assert.deepEqual(
      rig.messages.map((m) => m.payload),
      ["one", "two", "six"],
      "1 is not delivered again",
    );
    third.send({ cmd: "pubrel", messageId: 1 });
    rig.run();
    assert.deepEqual(
      third.packets("pubcomp").map((p) => p.messageId),
      [1],
    );
  });

  it("handles nothing that follows a failure in the same chunk", () => {
    const rig = createRig().connect();
    rig.client.subscribe("t", 0);
    rig.run();
    // A PUBACK for an id never used (the connection fails), then a QoS 0 PUBLISH, in one chunk.
    rig.net.last.sendBytes([0x40, 2, 0, 99, 0x30, 4, 0, 1, 0x74, 0x78]);
    rig.run();
    assert.deepEqual(rig.events, [CONNECTED, `disconnect:${E.E_UNKNOWN_PACKET_ID}`]);
    assert.deepEqual(rig.messages, []);
  });

  it("tells a resend from a new message reusing an id awaiting PUBREL (a broker that lost its state)", () => {
    const rig = createRig().connect();
    const c = rig.net.last;
    c.send({ cmd: "publish", topic: "in/2", payload: Buffer.from("old"), qos: 2, messageId: 6 });
    c.send({ cmd: "publish", topic: "in/2", payload: Buffer.from("old"), qos: 2, messageId: 6, dup: false }); // resent without DUP
    c.send({ cmd: "publish", topic: "in/2", payload: Buffer.from("new"), qos: 2, messageId: 6, dup: false });
    c.send({ cmd: "publish", topic: "in/2", payload: Buffer.from("new"), qos: 2, messageId: 6, dup: true });
    rig.run();
    assert.deepEqual(
      rig.messages.map((m) => m.payload),
      ["old", "new"],
    );
    assert.deepEqual(
      c.packets("pubrec").map((p) => p.messageId),
      [6, 6, 6, 6],
    );
  });

  it("does not deliver again a completed QoS 2 message that a rolled-back broker resends with DUP", () => {
    const rig = createRig().connect();
    const c = rig.net.last;
    const pub = { cmd: "publish", topic: "in/2", payload: Buffer.from("on"), qos: 2, messageId: 12 };
    c.send(pub);
    c.send({ cmd: "pubrel", messageId: 12 });
    c.send({ ...pub, dup: true }); // resent by a broker restored from an older save
    rig.run();
    assert.deepEqual(
      rig.messages.map((m) => m.payload),
      ["on"],
    );
    assert.deepEqual(
      c.packets("pubrec").map((p) => p.messageId),
      [12, 12],
    );
    c.send({ ...pub, dup: false }); // the same command sent again by the application: a new message
    rig.run();
    assert.deepEqual(
      rig.messages.map((m) => m.payload),
      ["on", "on"],
    );
  });

  it("keeps QoS 2 ids awaiting PUBREL across a resumed session", () => {
    const rig = createRig({ cleanSession: false }).connect();
    const pub = { cmd: "publish", topic: "in/2", payload: Buffer.from("once"), qos: 2, messageId: 4 };
    rig.net.last.send(pub);
    rig.run();
    rig.net.last.reset();
    rig.broker.script.sessionPresent = true;
    rig.advance(1000);
    rig.net.last.send({ ...pub, dup: true });
    rig.run();
    assert.equal(rig.messages.length, 1);
    assert.deepEqual(
      rig.net.last.packets("pubrec").map((p) => p.messageId),
      [4],
    );
  });

  it("without a clean session, does not deliver a resend again after a CONNACK that says no session (ActiveMQ keeps it and says 0)", () => {
    const rig = createRig({ cleanSession: false }).connect();
    const pub = { cmd: "publish", topic: "in/2", payload: Buffer.from("once"), qos: 2, messageId: 4 };
    rig.net.last.send(pub);
    rig.run();
    rig.net.last.reset();
    rig.broker.script.sessionPresent = false;
    rig.advance(1000);
    assert.equal(rig.events.filter((e) => e === "connect:false").length, 2, "reconnected, no session said");
    rig.net.last.send({ ...pub, dup: true });
    rig.run();
    assert.equal(rig.messages.length, 1, "the resend is known");
    assert.deepEqual(
      rig.net.last.packets("pubrec").map((p) => p.messageId),
      [4],
    );
    rig.net.last.send({ ...pub, payload: Buffer.from("other"), dup: false });
    rig.run();
    assert.equal(rig.messages.length, 2, "a new message on the id is delivered");
  });

  it("with a clean session, forgets inbound QoS 2 ids when the session is not resumed", () => {
    const rig = createRig({ cleanSession: true }).connect();
    const pub = { cmd: "publish", topic: "in/2", payload: Buffer.from("once"), qos: 2, messageId: 4 };
    rig.net.last.send(pub);
    rig.run();
    rig.net.last.reset();
    rig.advance(1000);
    rig.net.last.send({ ...pub, dup: true });
    rig.run();
    assert.equal(rig.messages.length, 2, "a new session: the same id is a new message");
  });

  it("answers PUBREL for an unknown id with PUBCOMP", () => {
    const rig = createRig().connect();
    rig.net.last.send({ cmd: "pubrel", messageId: 321 });
    rig.run();
    assert.deepEqual(
      rig.net.last.packets("pubcomp").map((p) => p.messageId),
      [321],
    );
    assert.deepEqual(rig.events, [CONNECTED]);
  });

  it("acknowledges an oversized PUBLISH without delivering it, and keeps the stream", () => {
    const rig = createRig({ maxPacketSize: 64 }).connect();
    const c = rig.net.last;
    c.send({ cmd: "publish", topic: "big", payload: Buffer.alloc(500, 1), qos: 1, messageId: 5 });
    c.send({ cmd: "publish", topic: "small", payload: Buffer.from("ok"), qos: 0 });
    rig.run();
    assert.deepEqual(rig.errors, [E.E_PACKET_TOO_LARGE]);
    assert.deepEqual(
      c.packets("puback").map((p) => p.messageId),
      [5],
    );
    assert.deepEqual(
      rig.messages.map((m) => m.topic),
      ["small"],
    );
    assert.deepEqual(rig.events, [CONNECTED]);
  });

  it("reports a handler that throws and still acknowledges", () => {
    const rig = createRig().connect();
    rig.client.subscribe("x", 1, () => {
      throw new Error("boom");
    });
    rig.run();
    rig.net.last.send({ cmd: "publish", topic: "x", payload: Buffer.from("1"), qos: 1, messageId: 3 });
    rig.run();
    assert.deepEqual(rig.errors, [E.E_HANDLER_FAILED]);
    assert.equal(rig.net.last.packets("puback").length, 1);
  });
});
