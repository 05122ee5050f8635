/**
 * The client against a scripted broker on an in-memory socket with a manual
 * clock: lifecycle, keepalive, reconnect, offline policy and socket faults
 * (QoS both ways and subscriptions: session-outbound, session-inbound and
 * session-subscriptions tests).
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
