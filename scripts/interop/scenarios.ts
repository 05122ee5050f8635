/**
 * The interop suite: what fabmqtt's client (firmware/session/client.ts, on
 * hal/node's sockets) must do with any MQTT 3.1.1 broker, one scenario each.
 * A scenario checks the spec's behaviour; where a broker departs from it the
 * scenario calls ctx.differ(key, ...) with one of these keys, which the
 * broker launchers map to the broker's own documentation:
 *   subscribe-qos2-granted-1   SUBACK grants QoS 1 to a QoS 2 subscription
 *   publish-qos2-downgraded    a QoS 2 PUBLISH is answered with PUBACK (taken as QoS 1)
 *   retained-wildcard-missing  no retained message for a filter with wildcards
 *   retained-clear-kept        an empty retained PUBLISH does not clear the retained message
 *   hash-parent-missing        "a/#" does not match "a"
 *   dot-in-topic               a "." in a topic level is not carried as it is
 * The restart scenario comes last: it restarts the broker.
 */
import { ST_CONNECTED } from "../../firmware/session/client";
import { codeName, disconnects, REFUSED_CREDENTIALS, ScenarioFailure, type Scenario, type ScenarioContext, type WiredClient } from "./scenario-context";

/** `size` bytes covering every byte value, different per `seed`. Never fails. */
export function binaryPayload(size: number, seed: number): Uint8Array {
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = (i * 31 + seed * 7 + (i >> 8)) & 0xff;
  return out;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.from(a).equals(Buffer.from(b));
}

async function connected(ctx: ScenarioContext, over: Parameters<ScenarioContext["client"]>[0] = {}): Promise<WiredClient> {
  const c = ctx.client(over);
  await ctx.waitFor(() => c.client.state() === ST_CONNECTED || c.events.some((e) => e.startsWith("disconnect:")), "CONNACK");
  if (c.client.state() !== ST_CONNECTED) throw new ScenarioFailure(`could not connect: ${disconnects(c)}`);
  return c;
}

/** Subscribes and waits for the SUBACK; returns the granted QoS (a refusal fails the scenario). */
async function subscribed(ctx: ScenarioContext, c: WiredClient, filter: string, qos: number): Promise<number> {
  const before = c.subacks.length;
  const r = c.client.subscribe(filter, qos);
  if (r < 0) throw new ScenarioFailure(`subscribe(${filter}) returned ${codeName(r)}`);
  await ctx.waitFor(() => c.subacks.slice(before).some(([f]) => f === filter), `SUBACK for ${filter}`);
  const granted = c.subacks.slice(before).find(([f]) => f === filter)![1];
  if (granted < 0) throw new ScenarioFailure(`subscription ${filter} at QoS ${qos} refused (${codeName(granted)})`);
  if (granted !== qos) ctx.differ(`subscribe-qos${qos}-granted-${granted}`, `SUBACK granted QoS ${granted} to a QoS ${qos} subscription`);
  return granted;
}

function texts(c: WiredClient): string[] {
  return c.messages.map((m) => m.payload.toString("latin1"));
}

/** Publishes `sentinel` (QoS 1) on `topic` from `c` and waits until it comes back, then a little longer. */
async function drained(ctx: ScenarioContext, c: WiredClient, topic: string, sentinel: string): Promise<void> {
  c.client.publish(topic, sentinel, 1, false);
  await ctx.waitFor(() => texts(c).includes(sentinel), `the sentinel on ${topic}`);
  await ctx.sleep(300);
}

/** Why a QoS 1/2 publish did not complete, from the wire (a documented downgrade of QoS 2 is recorded as such). */
function explainPublish(ctx: ScenarioContext, c: WiredClient, qos: number, waitedMs: number): string {
  const out = c.wire.packets.find((p) => p.dir === "out" && p.cmd === "PUBLISH" && p.qos === qos);
  const connects = c.events.filter((e) => e.startsWith("connect:")).length;
  const deliveries = c.messages.length;
  if (out && qos === 2 && c.wire.packets.some((p) => p.dir === "in" && p.cmd === "PUBACK" && p.id === out.id)) {
    try {
      ctx.differ("publish-qos2-downgraded", "PUBACK answers a QoS 2 PUBLISH");
    } catch (e) {
      return (e as Error).message;
    }
    return (
      `the broker answers the QoS 2 PUBLISH with PUBACK instead of PUBREC (wire: ${c.wire.transcript(6)}), ` +
      `yet the message was not completed: ${connects} connections and ${deliveries} deliveries in ${Math.round(waitedMs / 1000)} s (${disconnects(c)})`
    );
  }
  return `not completed within ${Math.round(waitedMs / 1000)} s (wire: ${c.wire.transcript(8)}; ${disconnects(c)})`;
}

/** One message at `qos` to the client's own subscription, byte-exact, acknowledged, delivered once for QoS 2. */
async function roundTrip(ctx: ScenarioContext, qos: number, size: number): Promise<void> {
  const c = await connected(ctx);
  const topic = ctx.topic(`q${qos}`, `${size}`);
  const granted = await subscribed(ctx, c, topic, qos);
  const payload = binaryPayload(size, qos + 1);
  const r = c.client.publish(topic, payload, qos, false);
  if (r < 0) throw new ScenarioFailure(`publish returned ${codeName(r)}`);
  const waitMs = 6000;
  try {
    await ctx.waitFor(() => c.messages.length >= 1 && (qos === 0 || c.published.length >= 1), "the message back and acknowledged", waitMs);
  } catch {
    throw new ScenarioFailure(explainPublish(ctx, c, qos, waitMs));
  }
  const m = c.messages[0];
  if (!sameBytes(m.payload, payload)) throw new ScenarioFailure(`payload differs (${m.payload.length} bytes back for ${size})`);
  if (m.qos !== Math.min(qos, granted)) throw new ScenarioFailure(`delivered at QoS ${m.qos}, expected ${Math.min(qos, granted)}`);
  await ctx.sleep(200);
  if (qos === 2 && c.messages.length !== 1) throw new ScenarioFailure(`QoS 2 message delivered ${c.messages.length} times`);
  if (c.events.length !== 1) throw new ScenarioFailure(`the connection did not stay up (${disconnects(c)})`);
  // A broker without QoS 2 answers PUBACK: the client completes the message at QoS 1 and says so.
  if (qos === 2 && c.client.stats().downgraded > 0) {
    ctx.differ("publish-qos2-downgraded", "PUBACK answers a QoS 2 PUBLISH (completed at QoS 1, E_QOS_DOWNGRADED reported)");
  }
}

export const SCENARIOS: Scenario[] = [
  {
    id: "connect-ok",
    title: "connect, right password",
    limitMs: 15000,
    async run(ctx) {
      const c = await connected(ctx);
      if (c.events[0] !== "connect:false") throw new ScenarioFailure(`expected a new session, got ${c.events[0]}`);
    },
  },
  {
    id: "connect-refused",
    title: "connect, wrong password refused",
    limitMs: 15000,
    async run(ctx) {
      const c = ctx.client({ password: "not-the-password" });
      await ctx.waitFor(() => c.events.length > 0, "an answer to CONNECT");
      c.close();
      const code = Number(c.events[0].slice("disconnect:".length));
      if (!c.events[0].startsWith("disconnect:") || !REFUSED_CREDENTIALS.includes(code)) {
        throw new ScenarioFailure(`expected CONNACK 4 or 5, got ${c.events[0]} (wire: ${c.wire.transcript(4)})`);
      }
      ctx.note(`CONNACK ${code === REFUSED_CREDENTIALS[0] ? 4 : 5}`);
    },
  },
  { id: "qos0", title: "QoS 0 round trip, 512 B binary", limitMs: 20000, run: (ctx) => roundTrip(ctx, 0, 512) },
  { id: "qos1", title: "QoS 1 round trip, 512 B binary", limitMs: 20000, run: (ctx) => roundTrip(ctx, 1, 512) },
  { id: "qos2", title: "QoS 2 round trip, 512 B binary", limitMs: 20000, run: (ctx) => roundTrip(ctx, 2, 512) },
  { id: "payload-64k", title: "64 KB payload, QoS 1, byte-exact", limitMs: 20000, run: (ctx) => roundTrip(ctx, 1, 65536) },
  {
    id: "retained",
    title: "retained: later subscriber gets it; empty payload clears it",
    limitMs: 20000,
    async run(ctx) {
      const topic = ctx.topic("state");
      const pub = await connected(ctx);
      pub.client.publish(topic, "kept", 1, true);
      await ctx.waitFor(() => pub.published.length === 1, "PUBACK");
      const later = await connected(ctx);
      await subscribed(ctx, later, topic, 1);
      await ctx.waitFor(() => later.messages.length >= 1, "the retained message");
      const m = later.messages[0];
      if (m.payload.toString() !== "kept" || !m.retain) throw new ScenarioFailure(`got "${m.payload}" retain=${m.retain}`);
      pub.client.publish(topic, "", 1, true);
      await ctx.waitFor(() => pub.published.length === 2, "PUBACK for the clearing message");
      const third = await connected(ctx);
      await subscribed(ctx, third, topic, 1);
      await drained(ctx, third, topic, "sentinel");
      const stale = third.messages.filter((x) => x.retain);
      if (stale.length)
        ctx.differ(
          "retained-clear-kept",
          `after an empty retained PUBLISH a new subscriber still got ${stale.length} retained message(s) ("${stale[0].payload}")`,
        );
    },
  },
  {
    id: "retained-wildcard",
    title: "retained message to a wildcard (+) subscriber",
    limitMs: 20000,
    async run(ctx) {
      const base = ctx.topic();
      const pub = await connected(ctx);
      pub.client.publish(`${base}/kitchen/temp`, "21.5", 1, true);
      await ctx.waitFor(() => pub.published.length === 1, "PUBACK");
      const later = await connected(ctx);
      await subscribed(ctx, later, `${base}/+/temp`, 1);
      await drained(ctx, later, `${base}/zz/temp`, "sentinel");
      const got = later.messages.filter((m) => m.retain && m.payload.toString() === "21.5");
      pub.client.publish(`${base}/kitchen/temp`, "", 1, true);
      await ctx.waitFor(() => pub.published.length === 2, "PUBACK for the clearing message");
      if (got.length === 0) ctx.differ("retained-wildcard-missing", `a subscriber to ${"<base>/+/temp"} got no retained message`);
    },
  },
  {
    id: "will",
    title: "will sent on abrupt close, not on DISCONNECT",
    limitMs: 20000,
    async run(ctx) {
      const topic = ctx.topic("status");
      const watcher = await connected(ctx);
      await subscribed(ctx, watcher, topic, 1);
      const polite = await connected(ctx, { will: { topic, payload: "polite-gone", qos: 1, retain: false } });
      polite.close();
      const abrupt = await connected(ctx, { will: { topic, payload: "abrupt-gone", qos: 1, retain: false } });
      abrupt.wire.cut();
      await ctx.waitFor(() => texts(watcher).includes("abrupt-gone"), "the will of the cut connection");
      await ctx.sleep(300);
      if (texts(watcher).includes("polite-gone")) throw new ScenarioFailure("the will was also sent after a DISCONNECT");
    },
  },
  {
    id: "persistent-session",
    title: "persistent session: QoS 1 sent while away, delivered on return",
    limitMs: 20000,
    async run(ctx) {
      const topic = ctx.topic("queued");
      const id = ctx.clientId();
      const away = await connected(ctx, { clientId: id, cleanSession: false });
      await subscribed(ctx, away, topic, 1);
      away.close();
      await ctx.sleep(200);
      const sender = await connected(ctx);
      for (let i = 0; i < 5; i++) sender.client.publish(topic, `m${i}`, 1, false);
      await ctx.waitFor(() => sender.published.length === 5, "5 PUBACKs");
      const back = await connected(ctx, { clientId: id, cleanSession: false });
      await ctx.waitFor(() => back.messages.length >= 5, "the 5 queued messages", 8000).catch(() => undefined);
      const got = texts(back);
      // Leave no session behind on the broker.
      back.close();
      await connected(ctx, { clientId: id, cleanSession: true }).then((c) => c.close());
      const want = ["m0", "m1", "m2", "m3", "m4"];
      if (got.join(",") !== want.join(",")) throw new ScenarioFailure(`got [${got.join(",")}], expected [${want.join(",")}]`);
    },
  },
  {
    id: "session-present",
    title: "CONNACK session present: 0 new, 1 resumed, 0 clean",
    limitMs: 20000,
    async run(ctx) {
      const id = ctx.clientId();
      const flags: string[] = [];
      const first = await connected(ctx, { clientId: id, cleanSession: false });
      await subscribed(ctx, first, ctx.topic("kept"), 1);
      first.close();
      flags.push(first.events[0]);
      for (const cleanSession of [false, true]) {
        await ctx.sleep(200);
        const again = await connected(ctx, { clientId: id, cleanSession });
        again.close();
        flags.push(again.events[0]);
      }
      const got = flags.map((f) => (f === "connect:true" ? 1 : 0)).join(", ");
      // [MQTT-3.2.2-3] no stored session: 0; [MQTT-3.2.2-2] stored session: 1; [MQTT-3.2.2-1] clean session: 0.
      if (got === "0, 0, 0") ctx.differ("session-present-always-0", "session present is 0 for a resumed session");
      else if (got !== "0, 1, 0") throw new ScenarioFailure(`session present was ${got} for a new, a resumed and a clean session; expected 0, 1, 0`);
    },
  },
  {
    id: "wildcard-plus",
    title: "subscribe with + (one level)",
    limitMs: 20000,
    async run(ctx) {
      const base = ctx.topic();
      const c = await connected(ctx);
      await subscribed(ctx, c, `${base}/+/temp`, 1);
      for (const t of ["a/temp", "b/temp", "a/hum", "a/b/temp", "temp"]) c.client.publish(`${base}/${t}`, t, 1, false);
      await drained(ctx, c, `${base}/z/temp`, "z/temp");
      const got = texts(c).sort().join(",");
      if (got !== "a/temp,b/temp,z/temp") throw new ScenarioFailure(`got [${got}], expected [a/temp,b/temp,z/temp]`);
    },
  },
  {
    id: "wildcard-hash",
    title: "subscribe with # (all levels, parent included)",
    limitMs: 20000,
    async run(ctx) {
      const base = ctx.topic("tree");
      const c = await connected(ctx);
      await subscribed(ctx, c, `${base}/#`, 1);
      c.client.publish(`${base}x/other`, "outside", 1, false);
      c.client.publish(base, "parent", 1, false);
      c.client.publish(`${base}/x`, "x", 1, false);
      c.client.publish(`${base}/x/y/z`, "x/y/z", 1, false);
      await drained(ctx, c, `${base}/end`, "end");
      const got = texts(c).sort();
      const others = got.filter((t) => t !== "parent").join(",");
      if (others !== "end,x,x/y/z") throw new ScenarioFailure(`got [${got.join(",")}], expected [end,parent,x,x/y/z]`);
      if (!got.includes("parent")) ctx.differ("hash-parent-missing", `"<base>/#" did not match "<base>" itself`);
    },
  },
  {
    id: "unsubscribe",
    title: "unsubscribe stops delivery",
    limitMs: 20000,
    async run(ctx) {
      const base = ctx.topic();
      const c = await connected(ctx);
      await subscribed(ctx, c, `${base}/a`, 1);
      await subscribed(ctx, c, `${base}/b`, 1);
      c.client.publish(`${base}/a`, "before", 1, false);
      await ctx.waitFor(() => texts(c).includes("before"), "a message before UNSUBSCRIBE");
      const r = c.client.unsubscribe(`${base}/a`);
      if (r !== 0) throw new ScenarioFailure(`unsubscribe returned ${codeName(r)}`);
      await ctx.waitFor(() => c.wire.count("in", "UNSUBACK") === 1, "UNSUBACK");
      c.client.publish(`${base}/a`, "after", 1, false);
      await drained(ctx, c, `${base}/b`, "sentinel");
      if (texts(c).includes("after")) throw new ScenarioFailure("a message arrived after UNSUBACK");
    },
  },
  {
    id: "topic-dot",
    title: 'topic level with a "." (v1.5)',
    limitMs: 20000,
    async run(ctx) {
      const base = ctx.topic();
      const c = await connected(ctx);
      await subscribed(ctx, c, `${base}/+/temp`, 1);
      c.client.publish(`${base}/v1.5/temp`, "dotted", 1, false);
      await drained(ctx, c, `${base}/v2/temp`, "plain");
      const m = c.messages.find((x) => x.payload.toString() === "dotted");
      if (!m) ctx.differ("dot-in-topic", `"<base>/v1.5/temp" did not reach "<base>/+/temp"`);
      else if (m.topic !== `${base}/v1.5/temp`) ctx.differ("dot-in-topic", `"<base>/v1.5/temp" arrived as "${m.topic.slice(base.length + 1)}"`);
    },
  },
  {
    id: "keepalive",
    title: "keepalive 2 s: idle 3 periods, connection stays",
    limitMs: 20000,
    async run(ctx) {
      const c = await connected(ctx, { keepalive: 2 });
      await ctx.sleep(6500);
      const pings = c.wire.count("out", "PINGREQ");
      const pongs = c.wire.count("in", "PINGRESP");
      if (c.events.length !== 1 || c.client.state() !== ST_CONNECTED) throw new ScenarioFailure(`the connection did not stay up: ${disconnects(c)}`);
      if (pings < 3 || pongs < pings - 1) throw new ScenarioFailure(`${pings} PINGREQ, ${pongs} PINGRESP in 6.5 s`);
      const topic = ctx.topic("after");
      await subscribed(ctx, c, topic, 1);
      await drained(ctx, c, topic, "still-here");
      ctx.note(`${pings} PINGREQ / ${pongs} PINGRESP in 6.5 s`);
    },
  },
  {
    id: "broker-restart",
    title: "broker restarts: reconnect, resubscribe, queued QoS 1 sent",
    limitMs: 150000,
    async run(ctx) {
      const topic = ctx.topic("restart");
      const c = await connected(ctx);
      await subscribed(ctx, c, topic, 1);
      const asked = Date.now();
      const restarting = ctx.broker.restart();
      restarting.catch(() => undefined);
      await ctx.waitFor(() => c.events.some((e) => e.startsWith("disconnect:")), "the client to see the broker go", 60000);
      const seq = c.client.publish(topic, "queued", 1, false);
      if (seq <= 0) throw new ScenarioFailure(`publish while the broker was down returned ${codeName(seq)}`);
      await restarting;
      const upAt = Date.now();
      await ctx.waitFor(() => c.events.filter((e) => e.startsWith("connect:")).length >= 2, "a new connection", 30000);
      const backAt = Date.now();
      await ctx.waitFor(() => texts(c).includes("queued"), "the message queued while the broker was down", 10000);
      await drained(ctx, c, topic, "after");
      ctx.note(`restart took ${((upAt - asked) / 1000).toFixed(1)} s; the client was connected again ${((backAt - upAt) / 1000).toFixed(1)} s after`);
    },
  },
];
