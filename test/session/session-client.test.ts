/**
 * The client against a scripted broker on an in-memory socket with a manual
 * clock: lifecycle, keepalive, reconnect, QoS 0/1/2 both ways, subscriptions,
 * offline policy, bad input and socket faults.
 */
import { strict as assert } from "node:assert";
import * as E from "../../base/errors";
import { ST_CONNECTED, ST_IDLE, ST_WAITING } from "../../firmware/session/client";
import { createRig } from "../support/client-rig";
import { str, u16 } from "../../scripts/support/bytes";

const CONNECTED = "connect:false";

describe("client: connect", () => {
  it("sends CONNECT with client id, credentials, will, clean session and keepalive", () => {
    const rig = createRig({
      clientId: "dev-7",
      username: "maker",
      password: "s3cret",
      cleanSession: false,
      keepalive: 30,
      will: { topic: "fab/dev-7/status", payload: "offline", qos: 1, retain: true },
    });
    rig.connect();
    const [connect] = rig.net.last.packets("connect");
    assert.equal(connect.clientId, "dev-7");
    assert.equal(connect.username, "maker");
    assert.equal(Buffer.from(connect.password).toString(), "s3cret");
    assert.equal(connect.clean, false);
    assert.equal(connect.keepalive, 30);
    assert.equal(connect.will.topic, "fab/dev-7/status");
    assert.equal(Buffer.from(connect.will.payload).toString(), "offline");
    assert.equal(connect.will.qos, 1);
    assert.equal(connect.will.retain, true);
    assert.deepEqual(rig.events, [CONNECTED]);
    assert.equal(rig.client.state(), ST_CONNECTED);
  });

  const refusals: [number, number][] = [
    [1, E.E_CONNACK_PROTOCOL],
    [2, E.E_CONNACK_ID_REJECTED],
    [3, E.E_CONNACK_UNAVAILABLE],
    [4, E.E_CONNACK_BAD_CREDENTIALS],
    [5, E.E_CONNACK_NOT_AUTHORIZED],
  ];
  for (const [code, error] of refusals) {
    it(`surfaces CONNACK ${code} as its own error, never as connected`, () => {
      const rig = createRig();
      rig.broker.script.connackCode = code;
      rig.connect();
      assert.deepEqual(rig.events, [`disconnect:${error}`]);
      assert.equal(rig.client.state(), ST_WAITING);
      assert.ok(rig.net.last.closed, "socket closed");
    });
  }

  it("closes and retries when no CONNACK comes in time", () => {
    const rig = createRig();
    rig.broker.script.answerConnect = false;
    rig.connect();
    rig.advance(4900);
    assert.deepEqual(rig.events, []);
    rig.advance(200);
    assert.deepEqual(rig.events, [`disconnect:${E.E_CONNACK_TIMEOUT}`]);
    rig.broker.script.answerConnect = true;
    rig.advance(1000); // first backoff: 0.75 x 1000 ms with random() = 0.5
    assert.equal(rig.net.connections.length, 2);
    assert.deepEqual(rig.events.slice(1), [CONNECTED]);
  });

  it("turns a connect that fails at once into a disconnect and a retry", () => {
    const rig = createRig();
    rig.net.refuseWith = E.E_SOCKET_RESET;
    rig.connect();
    assert.deepEqual(rig.events, [`disconnect:${E.E_SOCKET_RESET}`]);
    rig.net.refuseWith = null;
    rig.advance(800);
    assert.deepEqual(rig.events.slice(1), [CONNECTED]);
  });
});

describe("client: keepalive", () => {
  it("pings at 3/4 of the keepalive when idle and stays up while PINGRESP comes", () => {
    const rig = createRig({ keepalive: 10 });
    rig.connect();
    rig.advance(7400);
    assert.equal(rig.net.last.packets("pingreq").length, 0);
    rig.advance(200);
    assert.equal(rig.net.last.packets("pingreq").length, 1);
    rig.advance(60000);
    assert.ok(rig.net.last.packets("pingreq").length >= 8);
    assert.deepEqual(rig.events, [CONNECTED]);
  });

  it("declares a half-open connection dead at 1.5x the keepalive and reconnects", () => {
    const rig = createRig({ keepalive: 10 });
    rig.connect();
    rig.net.last.blackHole = true;
    rig.advance(14900);
    assert.deepEqual(rig.events, [CONNECTED]);
    rig.advance(200);
    assert.deepEqual(rig.events, [CONNECTED, `disconnect:${E.E_KEEPALIVE_TIMEOUT}`]);
    rig.advance(1000);
    assert.equal(rig.net.connections.length, 2);
    assert.equal(rig.events[2], CONNECTED);
  });

  it("pings even while it keeps sending QoS 0, when nothing comes back", () => {
    const rig = createRig({ keepalive: 10 });
    rig.connect();
    for (let i = 0; i < 80; i++) {
      rig.client.publish("t", "x", 0, false);
      rig.advance(100);
    }
    assert.ok(rig.net.last.packets("pingreq").length >= 1);
  });
});

describe("client: reconnect", () => {
  it("backs off exponentially with a cap, resets after a stable connection, and stops on request", () => {
    const rig = createRig({ backoffBaseMs: 1000, backoffMaxMs: 8000 });
    rig.net.refuseWith = E.E_SOCKET_RESET;
    rig.connect();
    const gaps: number[] = [];
    let lastCount = rig.net.connections.length;
    let lastAt = rig.clock.now();
    let attempts = 0;
    rig.net.refuseWith = null;
    rig.broker.script.connackCode = 3;
    while (attempts < 6) {
      rig.advance(50, 50);
      if (rig.net.connections.length !== lastCount) {
        gaps.push(rig.clock.now() - lastAt);
        lastAt = rig.clock.now();
        lastCount = rig.net.connections.length;
        attempts++;
      }
    }
    // 0.75 x 1 s, 2 s, 4 s, 8 s (cap), 8 s ... within one 50 ms step.
    const expected = [750, 1500, 3000, 6000, 6000, 6000];
    gaps.forEach((g, i) => assert.ok(Math.abs(g - expected[i]) <= 50, `gap ${i}: ${g} vs ${expected[i]}`));
    // A connection that stays up 30 s resets the count: the next failure waits 0.75 s again.
    rig.broker.script.connackCode = 0;
    rig.advance(6100, 50);
    assert.equal(rig.client.state(), ST_CONNECTED);
    rig.advance(31000, 1000);
    rig.net.last.reset();
    rig.run();
    assert.equal(rig.client.stats().reconnectAt - rig.clock.now(), 750);
    // stop() ends it: no more connections.
    rig.client.stop();
    const count = rig.net.connections.length;
    rig.advance(60000, 1000);
    assert.equal(rig.net.connections.length, count);
    assert.equal(rig.client.state(), ST_IDLE);
  });

  it("sends DISCONNECT on stop and reports E_STOPPED once", () => {
    const rig = createRig().connect();
    rig.client.stop();
    rig.run();
    assert.equal(rig.net.connections[0].packets("disconnect").length, 1);
    assert.deepEqual(rig.events, [CONNECTED, `disconnect:${E.E_STOPPED}`]);
  });
});

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

describe("client: offline policy", () => {
  it("drops QoS 0 with a code and keeps QoS 1/2 in the queue across reconnects", () => {
    const rig = createRig({ queueSize: 4 });
    assert.equal(rig.client.publish("t", "x", 0, false), E.E_OFFLINE_DROPPED);
    const a = rig.client.publish("t/a", "1", 1, false);
    const b = rig.client.publish("t/b", "2", 2, false);
    assert.ok(a > 0 && b > 0);
    rig.broker.script.connackCode = 3;
    rig.connect();
    rig.advance(3000);
    assert.ok(rig.net.connections.length >= 2);
    rig.broker.script.connackCode = 0;
    rig.advance(8000);
    assert.equal(rig.client.state(), ST_CONNECTED);
    assert.deepEqual(
      rig.net.last.packets("publish").map((p) => p.topic),
      ["t/a", "t/b"],
    );
    assert.deepEqual(rig.publishedSeqs, [a, b]);
  });
});

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

describe("client: socket faults", () => {
  it("works with the broker's bytes split into 1-byte chunks and merged", () => {
    const rig = createRig();
    rig.net.onConnection = (c) => {
      c.split = [1];
      c.accept();
    };
    rig.connect();
    rig.client.subscribe("s/#", 2);
    rig.run();
    const c = rig.net.last;
    c.hold();
    for (let i = 0; i < 5; i++) c.send({ cmd: "publish", topic: `s/${i}`, payload: Buffer.from([i, 0, 255]), qos: 1, messageId: 100 + i });
    c.release();
    rig.run();
    assert.deepEqual(
      rig.messages.map((m) => m.topic),
      ["s/0", "s/1", "s/2", "s/3", "s/4"],
    );
    assert.deepEqual(rig.messages[4].payload, "\u0004\u0000\u00ff");
    assert.equal(c.packets("puback").length, 5);
  });

  it("survives a reset in the middle of a frame and does not deliver the half message", () => {
    const rig = createRig().connect();
    rig.client.publish("keep", "me", 1, false);
    rig.broker.script.ackPublishes = false;
    const c = rig.net.last;
    c.sendBytes([0x30, 20, ...str("half"), 1, 2, 3]); // a PUBLISH cut short
    c.reset();
    rig.run();
    assert.equal(rig.messages.length, 0);
    assert.equal(rig.events[1], `disconnect:${E.E_SOCKET_RESET}`);
    rig.broker.script.ackPublishes = true;
    rig.advance(1000);
    assert.equal(rig.publishedSeqs.length, 1);
  });

  it("retries a QoS 1 publish that met a full send queue, without a disconnect", () => {
    const rig = createRig().connect();
    rig.net.writeLimit = 4;
    const seq = rig.client.publish("q", "0123456789", 1, false);
    rig.run();
    assert.equal(rig.net.last.packets("publish").length, 0);
    rig.net.writeLimit = null;
    rig.advance(200);
    assert.deepEqual(rig.publishedSeqs, [seq]);
    assert.deepEqual(rig.events, [CONNECTED]);
  });

  it("sends a payload larger than its buffer as header plus payload", () => {
    const rig = createRig({ txBufferSize: 64 }).connect();
    const big = new Uint8Array(5000).map((_, i) => i & 0xff);
    assert.ok(rig.client.publish("big", big, 1, false) > 0);
    assert.ok(rig.client.publish("bigtext", "é".repeat(100), 0, false) === 0);
    rig.run();
    const pubs = rig.net.last.packets("publish");
    assert.ok(Buffer.from(pubs[0].payload).equals(Buffer.from(big)));
    assert.equal(Buffer.from(pubs[1].payload).toString("utf8"), "é".repeat(100));
  });
});
