/**
 * The client against a real Mosquitto on 127.0.0.1 (Debian's package; the
 * suite fails, never skips, when it is missing): authentication, TLS, QoS
 * 0/1/2 round trips, retained messages, the will, persistent sessions, a broker
 * killed and restarted mid-stream, and the broker's own command-line tools.
 */
import { strict as assert } from "node:assert";
import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import * as E from "../../base/errors";
import { ST_CONNECTED } from "../../firmware/session/client";
import { createNodeNet } from "../../hal/node/net";
import { tapNet } from "../../scripts/soak/wire-tap";
import { closeLiveClients, startLiveClient, waitFor, type LiveClient } from "../../scripts/support/live-client";
import { mosquittoPub, mosquittoSub, startMosquitto } from "../../scripts/support/mosquitto";

type Broker = Awaited<ReturnType<typeof startMosquitto>>;

const USERS = { maker: "s3cret-pass", sub: "other-pass" };
const auth = { username: "maker", password: USERS.maker };

/** A CA certificate (PEM) that signed nothing the broker has. */
function makeOtherCa(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fabmqtt-otherca-"));
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-subj",
      "/CN=Other CA",
      "-days",
      "2",
      "-keyout",
      path.join(dir, "ca.key"),
      "-out",
      path.join(dir, "ca.crt"),
    ],
    { stdio: "ignore" },
  );
  const pem = fs.readFileSync(path.join(dir, "ca.crt"), "utf8");
  fs.rmSync(dir, { recursive: true, force: true });
  return pem;
}

/**
 * A Net that watches the sender's wire with mqtt-packet: the packet id of each
 * message (by payload) and the ids the broker acknowledged (PUBACK, PUBREC).
 */
function createTap() {
  const idOf = new Map<string, number>();
  const acked: number[] = [];
  const net = tapNet(createNodeNet(), (direction, p) => {
    if (direction === "in" && (p.cmd === "puback" || p.cmd === "pubrec")) acked.push(p.messageId as number);
    if (direction === "out" && p.cmd === "publish" && (p.qos as number) > 0 && !idOf.has(String(p.payload))) idOf.set(String(p.payload), p.messageId as number);
  });
  return { net, idOf, acked };
}

function payloadOf(n: number, size: number): Uint8Array {
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = (i * 7 + n) & 0xff;
  return out;
}

describe("client against mosquitto", function () {
  this.timeout(60000);
  let broker: Broker;

  before(async () => {
    broker = await startMosquitto({ passwords: USERS, allowAnonymous: false, tls: true, persistence: true, maxQueued: 100000 });
  });
  after(async () => {
    closeLiveClients();
    if (broker) await broker.stop();
  });
  afterEach(() => closeLiveClients());

  describe("authentication (password file from mosquitto_passwd)", () => {
    it("refuses an anonymous client with CONNACK 5, never connected", async () => {
      const c = startLiveClient(broker.port);
      await waitFor(() => c.events.length > 0, "a CONNACK");
      assert.equal(c.events[0], `disconnect:${E.E_CONNACK_NOT_AUTHORIZED}`);
    });
    it("surfaces a wrong password as CONNACK 5", async () => {
      const c = startLiveClient(broker.port, { username: "maker", password: "wrong" });
      await waitFor(() => c.events.length > 0, "a CONNACK");
      assert.equal(c.events[0], `disconnect:${E.E_CONNACK_NOT_AUTHORIZED}`);
    });
    it("connects with the right password", async () => {
      const c = startLiveClient(broker.port, auth);
      await waitFor(() => c.client.state() === ST_CONNECTED, "connected");
      assert.deepEqual(c.events, ["connect:false"]);
    });
  });

  describe("TLS", () => {
    it("connects over TLS, verifying the broker's certificate against the CA", async () => {
      const c = startLiveClient(broker.tlsPort!, { ...auth, tls: { ca: broker.caPem, servername: "localhost" } });
      await waitFor(() => c.client.state() === ST_CONNECTED, "connected over TLS");
    });
    it("refuses a broker whose certificate another CA signed", async () => {
      const other = makeOtherCa();
      const c = startLiveClient(broker.tlsPort!, { ...auth, tls: { ca: other, servername: "localhost" } });
      await waitFor(() => c.events.length > 0, "a TLS failure");
      assert.equal(c.events[0], `disconnect:${E.E_TLS_HANDSHAKE}`);
    });
  });

  describe("messages", () => {
    let c: LiveClient;
    beforeEach(async () => {
      c = startLiveClient(broker.port, auth);
      await waitFor(() => c.client.state() === ST_CONNECTED, "connected");
    });

    it("subscribes again before the UNSUBACK without dropping the connection, and the filter takes messages again", async () => {
      // The subscription used to take back the leaving slot, whose UNSUBACK then named an unknown id.
      assert.equal(c.client.subscribe("re/#", 1), 0);
      await waitFor(() => c.subacks.length === 1, "the SUBACK");
      assert.equal(c.client.unsubscribe("re/#"), 0);
      assert.equal(c.client.subscribe("re/#", 1), 0, "subscribed again at once");
      await waitFor(() => c.subacks.length === 2, "the second SUBACK");
      const p = startLiveClient(broker.port, { ...auth, clientId: "resub-pub" });
      await waitFor(() => p.client.state() === ST_CONNECTED, "the publisher's connect");
      p.client.publish("re/x", "again", 1, false);
      await waitFor(() => c.messages.some((m) => m.topic === "re/x"), "a message on the filter");
      await new Promise((r) => setTimeout(r, 500));
      assert.deepEqual(
        c.events.filter((e) => e.startsWith("disconnect")),
        [],
        "no disconnect",
      );
    });

    for (const qos of [0, 1, 2]) {
      it(`round trips QoS ${qos} byte-exact: binary and 64 KB payloads`, async () => {
        const topic = `rt/${qos}/${Date.now()}`;
        c.client.subscribe(topic, qos);
        await waitFor(() => c.subacks.length === 1, "SUBACK");
        assert.deepEqual(c.subacks[0], [topic, qos]);
        const sizes = [0, 1, 256, 65536];
        for (const [i, size] of sizes.entries()) assert.ok(c.client.publish(topic, payloadOf(i, size), qos, false) >= 0);
        await waitFor(() => c.messages.length === sizes.length, "all messages back");
        c.messages.forEach((m, i) => {
          assert.ok(m.payload.equals(Buffer.from(payloadOf(i, sizes[i]))), `message ${i} differs`);
          assert.equal(m.qos, qos);
        });
        if (qos > 0) await waitFor(() => c.published.length === sizes.length, "all acknowledged");
      });
    }

    it("round trips UTF-8 topics and payloads", async () => {
      const topic = `rt/utf8/café/☺/${Date.now()}`;
      c.client.subscribe(topic, 1);
      await waitFor(() => c.subacks.length === 1, "SUBACK");
      c.client.publish(topic, "température 21 °C 😀", 1, false);
      await waitFor(() => c.messages.length === 1, "the message");
      assert.equal(c.messages[0].topic, topic);
      assert.equal(c.messages[0].payload.toString("utf8"), "température 21 °C 😀");
    });

    it("keeps a retained message for a later subscriber", async () => {
      const topic = `retained/${Date.now()}`;
      c.client.publish(topic, "kept", 1, true);
      await waitFor(() => c.published.length === 1, "acknowledged");
      const later = startLiveClient(broker.port, auth);
      later.client.subscribe(topic, 1);
      await waitFor(() => later.messages.length === 1, "the retained message");
      assert.equal(later.messages[0].retain, true);
      assert.equal(later.messages[0].payload.toString(), "kept");
      c.client.publish(topic, "", 1, true); // clear it
    });
  });

  it("publishes the will when the client dies without DISCONNECT", async () => {
    const topic = `will/${Date.now()}`;
    const watcher = startLiveClient(broker.port, auth);
    watcher.client.subscribe(topic, 1);
    await waitFor(() => watcher.subacks.length === 1, "SUBACK");
    // The child needs credentials: pass them through the environment.
    const child = spawn(
      process.execPath,
      ["--import", "tsx", path.join(import.meta.dirname, "..", "support", "will-child.ts"), String(broker.port), topic, "gone"],
      {
        stdio: ["ignore", "pipe", "inherit"],
        env: { ...process.env, FABMQTT_TEST_USER: "maker", FABMQTT_TEST_PASS: USERS.maker },
      },
    );
    await new Promise<void>((resolve, reject) => {
      child.stdout.on("data", (d) => String(d).includes("connected") && resolve());
      child.on("exit", (code) => reject(new Error(`child exited ${code}`)));
    });
    assert.equal(watcher.messages.length, 0);
    child.kill("SIGKILL");
    await waitFor(() => watcher.messages.length === 1, "the will");
    assert.equal(watcher.messages[0].payload.toString(), "gone");
  });

  it("delivers QoS 1/2 messages published while a persistent-session client was away", async () => {
    const topic = `persist/${Date.now()}`;
    const id = `persist-${process.pid}`;
    const away = startLiveClient(broker.port, { ...auth, clientId: id, cleanSession: false });
    away.client.subscribe(topic, 2);
    await waitFor(() => away.subacks.length === 1, "SUBACK");
    away.close();
    const sender = startLiveClient(broker.port, auth);
    await waitFor(() => sender.client.state() === ST_CONNECTED, "sender connected");
    for (let i = 0; i < 10; i++) sender.client.publish(topic, `m${i}`, (1 + (i % 2)) as 1 | 2, false);
    await waitFor(() => sender.published.length === 10, "all acknowledged by the broker");
    const back = startLiveClient(broker.port, { ...auth, clientId: id, cleanSession: false });
    await waitFor(() => back.messages.length === 10, "the 10 queued messages");
    assert.equal(back.events[0], "connect:true");
    assert.deepEqual(back.messages.map((m) => m.payload.toString()).sort(), Array.from({ length: 10 }, (_, i) => `m${i}`).sort());
  });

  /**
   * A sender publishes 2N messages (QoS 1 and 2 alternating) to a receiver on a
   * persistent session; mid-stream the broker goes down (`how`) and comes back.
   * Returns what was lost and duplicated, and which lost messages the broker
   * had acknowledged (PUBACK/PUBREC seen by the sender) before it went down.
   */
  async function restartScenario(how: "terminate" | "kill9") {
    const N = 400;
    const topic = `restart/${how}/${Date.now()}`;
    // A short keepalive: a receiver that refused QoS 2 messages for want of room
    // (ids a rolled-back broker never releases, see inbound-qos2.ts) gets them
    // again after twice the keepalive, at least 10 s: within the wait below.
    const receiver = startLiveClient(broker.port, { ...auth, clientId: `rx-${how}-${process.pid}`, cleanSession: false, keepalive: 5 });
    receiver.client.subscribe(`${topic}/+`, 2);
    await waitFor(() => receiver.subacks.length === 1, "SUBACK");
    // Watch the sender's wire: which message has which id, and which the broker acknowledged before going down.
    const tap = createTap();
    const sender = startLiveClient(broker.port, { ...auth, clientId: `tx-${how}-${process.pid}`, cleanSession: false, queueSize: 2 * N + 4, net: tap.net });
    await waitFor(() => sender.client.state() === ST_CONNECTED, "sender connected");
    let queued = 0;
    const publishSome = (count: number) => {
      for (let k = 0; k < count && queued < 2 * N; k++, queued++) {
        const qos = queued % 2 === 0 ? 1 : 2;
        assert.ok(sender.client.publish(`${topic}/${qos}`, `n${queued}`, qos, false) > 0);
      }
    };
    publishSome(N / 2);
    await waitFor(() => sender.published.length > N / 4, "some acknowledged");
    await broker[how]();
    const ackedBeforeDown = new Set(tap.acked);
    publishSome(N / 2); // queued while the broker is down
    await new Promise((r) => setTimeout(r, 300));
    await broker.restart();
    publishSome(2 * N);
    await waitFor(() => sender.published.length === 2 * N, "every message acknowledged", 60000);
    assert.ok(
      sender.events.some((e) => e.startsWith("disconnect:")),
      "the sender saw the broker go",
    );
    const wanted = (qos: number) => Array.from({ length: N }, (_, i) => `n${2 * i + (qos === 1 ? 0 : 1)}`);
    const got = (qos: number) => receiver.messages.filter((m) => m.topic.endsWith(`/${qos}`)).map((m) => m.payload.toString());
    const missing = (qos: number) => wanted(qos).filter((m) => !got(qos).includes(m));
    // The receiver may be reconnecting (a broker past its own in-flight limit gets refused, see inbound-qos2.ts): give it time.
    await waitFor(() => missing(1).length === 0 && missing(2).length === 0, "every message received", 30000).catch(() => undefined);
    const receiverDrops = receiver.events.filter((e) => e.startsWith("disconnect:"));
    if (missing(1).length || missing(2).length) console.log(`      receiver disconnects: ${receiverDrops.join(" ")}`);
    const lost = [...missing(1), ...missing(2)];
    // A QoS 2 message delivered twice: under the same packet id the client should
    // have known better; under a new id without DUP the broker sent it as a new
    // message (its state rolled back to before it had sent it).
    const seen = new Map<string, number>();
    const dupSameId: string[] = [];
    const dupResentAsNew: string[] = [];
    for (const m of receiver.messages.filter((x) => x.qos === 2)) {
      const payload = m.payload.toString();
      const firstId = seen.get(payload);
      if (firstId === undefined) seen.set(payload, m.packetId);
      else if (firstId === m.packetId || m.dup) dupSameId.push(payload);
      else dupResentAsNew.push(payload);
    }
    return {
      lost,
      lostUnacked: lost.filter((m) => !ackedBeforeDown.has(tap.idOf.get(m) ?? -1)),
      dupSameId,
      dupResentAsNew,
    };
  }

  it("loses no QoS 1 or 2 message and duplicates no QoS 2 one when the broker restarts mid-stream", async function () {
    this.timeout(120000);
    const r = await restartScenario("terminate");
    assert.deepEqual(r.lost, [], "lost messages");
    assert.deepEqual([...r.dupSameId, ...r.dupResentAsNew], [], "QoS 2 messages delivered twice");
  });

  it("delivers no QoS 2 resend twice and loses no message the broker had not acknowledged when mosquitto is SIGKILLed mid-stream", async function () {
    this.timeout(120000);
    const r = await restartScenario("kill9");
    // mosquitto acknowledges (PUBACK/PUBREC) before its next save: a SIGKILL in
    // between loses what it had acknowledged, and can make it send again, as a
    // new message under a new id, one it had already delivered. Whatever the
    // client does. Those are printed; any other loss or duplicate fails the test.
    if (r.lost.length) console.log(`      mosquitto lost ${r.lost.length} message(s) it had acknowledged before SIGKILL: ${r.lost.join(", ")}`);
    if (r.dupResentAsNew.length)
      console.log(`      mosquitto sent again as new ${r.dupResentAsNew.length} QoS 2 message(s) after SIGKILL: ${r.dupResentAsNew.join(", ")}`);
    assert.deepEqual(r.lostUnacked, [], "lost messages the broker had not acknowledged");
    assert.deepEqual(r.dupSameId, [], "QoS 2 messages delivered twice under one packet id");
  });

  describe("with the broker's own tools", () => {
    // A retained message larger than the client takes in, on a topic longer than anything it
    // keeps: skipped, acknowledged, reported, and the connection stays (it used to drop the
    // connection with E_TRUNCATED at every connect, for as long as the message was retained).
    for (const qos of [0, 1, 2]) {
      it(`skips a retained QoS ${qos} message on a 2,000-byte topic (mosquitto_pub -r), acknowledges it and stays connected`, async () => {
        const topic = `big/q${qos}/` + "t".repeat(2000);
        const pub = ["-p", String(broker.port), "-u", "maker", "-P", USERS.maker, "-t", topic];
        await mosquittoPub([...pub, "-m", "ON", "-q", String(qos), "-r"]);
        const errors: number[] = [];
        const small = startLiveClient(broker.port, { ...auth, clientId: `big-sub-${qos}`, maxPacketSize: 160, onError: (code) => errors.push(code) });
        small.client.subscribe(`big/q${qos}/#`, 2);
        small.client.subscribe("after/#", 1);
        await waitFor(() => errors.includes(E.E_PACKET_TOO_LARGE), "E_PACKET_TOO_LARGE");
        // A message after it still arrives, on the same connection.
        const publisher = startLiveClient(broker.port, { ...auth, clientId: `big-pub-${qos}` });
        await waitFor(() => publisher.client.state() === ST_CONNECTED, "the publisher's connect");
        publisher.client.publish("after/x", "next", 1, false);
        await waitFor(() => small.messages.some((m) => m.topic === "after/x"), "the message after the oversized one");
        await new Promise((r) => setTimeout(r, 1500));
        assert.deepEqual(
          small.events.filter((e) => e.startsWith("disconnect")),
          [],
          "no disconnect",
        );
        assert.equal(small.events.filter((e) => e.startsWith("connect")).length, 1, "one connect");
        assert.ok(!small.messages.some((m) => m.topic.startsWith(`big/q${qos}/`)), "the oversized message is not delivered");
        await mosquittoPub([...pub, "-n", "-r"]);
      });
    }

    it("hands a message sent with mosquitto_pub to the client's handler", async () => {
      const topic = `tools/in/${Date.now()}`;
      const seen: string[] = [];
      const c = startLiveClient(broker.port, auth);
      c.client.subscribe(topic, 1, (m) => seen.push(Buffer.from(m.payload).toString()));
      await waitFor(() => c.subacks.length === 1, "SUBACK");
      await mosquittoPub(["-p", String(broker.port), "-u", "maker", "-P", USERS.maker, "-t", topic, "-q", "1", "-m", "on"]);
      await waitFor(() => seen.length === 1, "the handler");
      assert.deepEqual(seen, ["on"]);
    });
    it("publishes what mosquitto_sub prints", async () => {
      const topic = `tools/out/${Date.now()}`;
      const sub = mosquittoSub(["-p", String(broker.port), "-u", "sub", "-P", USERS.sub, "-t", topic, "-C", "1", "-W", "10"]);
      await new Promise((r) => setTimeout(r, 500));
      const c = startLiveClient(broker.port, auth);
      await waitFor(() => c.client.state() === ST_CONNECTED, "connected");
      c.client.publish(topic, "21.5", 1, false);
      assert.equal((await sub).trim(), "21.5");
    });
  });
});
