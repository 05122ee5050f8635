/**
 * One soak run: a fabmqtt sender publishes QoS 1 and QoS 2 messages through
 * the fault-injecting proxy to a real mosquitto (persistence on), which is
 * SIGKILLed and restarted mid-run; a fabmqtt receiver on a persistent
 * session, also through the proxy, takes them. Both clients' wires are tapped
 * so that every loss and duplicate can be attributed (verdict.ts).
 */
import fs from "node:fs";
import path from "node:path";
import { E_QUEUE_FULL } from "../../base/errors";
import { ST_CONNECTED } from "../../firmware/session/client";
import { createNodeNet } from "../../hal/node/net";
import { startFaultProxy, NO_FAULTS, type FaultPlan, type FaultStats } from "../support/fault-proxy";
import { closeLiveClients, startLiveClient, waitFor, type LiveClient } from "../support/live-client";
import { startMosquitto } from "../support/mosquitto";
import { heapAfterGc } from "../support/heap";
import { createRandom } from "../support/prng";
import { createBacklog } from "./backlog";
import { createLedger, receiverTap, recordDelivery, senderTap } from "./ledger";
import type { SoakOptions } from "./options";
import { makePayload } from "./payload";
import { judge, type Verdict } from "./verdict";
import { createTrace } from "./trace";
import { tapNet } from "./wire-tap";

/** Mosquitto settings that decide whether the broker itself may drop or forget messages. */
const BROKER_LIMIT_KEYS = [
  "max_queued_messages",
  "max_queued_bytes",
  "max_inflight_messages",
  "persistence",
  "autosave_interval",
  "autosave_on_changes",
  "set_tcp_nodelay",
];

export interface SoakResult {
  options: SoakOptions;
  verdict: Verdict;
  /** The run finished (not abandoned at the deadline). */
  completed: boolean;
  durationMs: number;
  /** From the last acknowledgement to the sender until the receiver had caught up. */
  drainMs: number;
  reconnects: { sender: number; receiver: number };
  disconnectCodes: Record<string, number>;
  errorCodes: Record<string, number>;
  kills: number;
  killTimesMs: number[];
  proxy: FaultStats;
  /** Packets through the proxy while faults were on (the resets' denominator). */
  packetsUnderFaults: number;
  heapStart: number;
  heapEnd: number;
  /** Whether heap figures were taken after a forced GC (node --expose-gc). */
  heapAfterGc: boolean;
  outboxPeak: number;
  broker: string[];
  /** Connections mosquitto closed itself, by client, from its log ("Bad socket read/write on client ..."). */
  brokerDrops: { sender: number; receiver: number };
}

type Progress = (line: string) => void;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function heapUsed(): number {
  return heapAfterGc().bytes;
}

function count(table: Record<string, number>, code: number): void {
  table[code] = (table[code] || 0) + 1;
}

/** Runs the soak as `o` says; resolves with its figures. Rejects only when mosquitto or the proxy cannot start. */
export async function runSoak(o: SoakOptions, progress: Progress): Promise<SoakResult> {
  const t0 = performance.now();
  const now = () => performance.now() - t0;
  const random = createRandom(o.seed ^ 0x5eed);
  const plan: FaultPlan = { resetPerPacket: 1 / o.resetEveryPackets, byteWrites: 0.02, merge: 0.05, mergeMs: 5, delay: 0.05, delayMs: 20, resetGraceMs: 10 };
  // Limits that cannot drop anything: no queue count or byte limit, and by default no
  // in-flight limit (0 = none each). With max_inflight_messages 20 (--broker-inflight 20),
  // mosquitto 2.0.11 under this load closes the sender's connection ("Bad socket
  // read/write ... Unknown error") and loses QoS 1 messages it had already acknowledged.
  const broker = await startMosquitto({ persistence: true, saveOnChanges: o.saveOnChanges, maxQueued: 0, maxInflight: o.brokerInflight, noDelay: true });
  const conf = fs.readFileSync(path.join(broker.dir, "mosquitto.conf"), "utf8").split("\n");
  const brokerLimits = conf.filter((l) => BROKER_LIMIT_KEYS.includes(l.split(" ")[0]));
  if (!brokerLimits.some((l) => l.startsWith("max_queued_bytes"))) brokerLimits.push("max_queued_bytes 0 (mosquitto's default: no limit)");
  const proxy = await startFaultProxy(broker.port, NO_FAULTS, o.seed);
  const ledger = createLedger();
  const trace = createTrace(o.trace, now);
  const disconnectCodes: Record<string, number> = {};
  const errorCodes: Record<string, number> = {};
  const connects = { sender: 0, receiver: 0 };
  const base = `soak/${o.seed}`;
  const markers = new Set<number>();
  let lastDeliveryAt = 0;
  const backlog = createBacklog();
  const common = { keepalive: 5, backoffBaseMs: 50, backoffMaxMs: 200, connectTimeoutMs: 3000, stableMs: 2000, cleanSession: false, random };

  const receiver: LiveClient = startLiveClient(proxy.port, {
    ...common,
    clientId: `soak-rx-${o.seed}`,
    net: tapNet(createNodeNet(), trace.listener("rx", receiverTap(ledger, now))),
    inboundQos2: o.inboundQos2,
    onConnect: (sp) => {
      connects.receiver++;
      trace.note(`rx connected, session present ${sp}`);
    },
    onDisconnect: (code) => {
      count(disconnectCodes, code);
      trace.note(`rx disconnected ${code}`);
    },
    onError: (code) => count(errorCodes, code),
    onMessage: (m) => {
      const payload = Buffer.from(m.payload).toString("latin1");
      lastDeliveryAt = now();
      if (payload === "end") markers.add(m.qos);
      else {
        const first = recordDelivery(ledger, payload, m.qos, m.packetId, m.dup, lastDeliveryAt);
        if (first !== null) backlog.delivered(first);
      }
    },
  });
  receiver.client.subscribe(`${base}/1`, 1);
  receiver.client.subscribe(`${base}/2`, 2);
  const sender: LiveClient = startLiveClient(proxy.port, {
    ...common,
    clientId: `soak-tx-${o.seed}`,
    net: tapNet(
      createNodeNet(),
      trace.listener(
        "tx",
        senderTap(ledger, now, (key) => ledger.deliveries.has(key) || backlog.acked(key, now())),
      ),
    ),
    queueSize: 128,
    inflightWindow: 32,
    onConnect: (sp) => {
      connects.sender++;
      trace.note(`tx connected, session present ${sp}`);
    },
    onDisconnect: (code) => {
      count(disconnectCodes, code);
      trace.note(`tx disconnected ${code}`);
    },
    onError: (code) => count(errorCodes, code),
  });
  await waitFor(() => receiver.subacks.length >= 2 && sender.client.state() === ST_CONNECTED, "both clients connected and subscribed", 20000);
  const heapStart = heapUsed();
  proxy.plan = plan;
  const packetsBefore = proxy.stats.packets;
  progress(
    `soak: seed ${o.seed}, ${o.perQos} QoS 1 + ${o.perQos} QoS 2 messages, a reset every ~${o.resetEveryPackets} packets, ${o.kills} SIGKILLs, proxy 127.0.0.1:${proxy.port} -> mosquitto :${broker.port}`,
  );

  const total = 2 * o.perQos;
  const qosOfSeq = new Map<number, number>();
  const published: [number, number] = [0, 0];
  const sent: [number, number] = [0, 0];
  let next = 0;
  let outboxPeak = 0;
  const pump = () => {
    while (next < total && backlog.hasRoom(now())) {
      const qos = next % 2 === 0 ? 1 : 2;
      const n = next >> 1;
      const seq = sender.client.publish(`${base}/${qos}`, makePayload(qos, n), qos, false);
      if (seq === E_QUEUE_FULL) break;
      if (seq <= 0) throw new Error(`publish failed with ${seq}`);
      qosOfSeq.set(seq, qos);
      published[qos - 1]++;
      next++;
    }
    const s = sender.client.stats();
    outboxPeak = Math.max(outboxPeak, s.inFlight + s.queued);
  };
  const acked = () => sender.published.length;
  const pumpTimer = setInterval(pump, 5);

  const killTimesMs: number[] = [];
  let killing = false;
  const deadline = t0 + o.deadlineMs;
  let lastReport = performance.now();
  const receivedCount = () => ledger.deliveries.size;
  try {
    while (acked() < total && performance.now() < deadline) {
      await sleep(20);
      if (!killing && killTimesMs.length < o.kills && acked() >= (total * (killTimesMs.length + 1)) / (o.kills + 1)) {
        killing = true;
        const at = now();
        await broker.kill9();
        killTimesMs.push(at);
        backlog.clear();
        trace.note(`SIGKILL ${killTimesMs.length}`);
        const down = 200 + Math.floor(random() * 400);
        progress(`soak: SIGKILL ${killTimesMs.length} at ${at.toFixed(0)} ms, ${acked()} acknowledged; restart in ${down} ms`);
        await sleep(down);
        await broker.restart();
        trace.note("mosquitto restarted");
        killing = false;
      }
      if (performance.now() - lastReport >= (o.profile === "short" ? 5000 : 10000)) {
        lastReport = performance.now();
        progress(`soak: ${acked()}/${total} acknowledged, ${receivedCount()} received, ${proxy.stats.resets} resets, ${(now() / 1000).toFixed(0)} s`);
      }
    }
    clearInterval(pumpTimer);
    // Faults off; an end marker per topic, published after every message: once
    // both arrive, the broker has handed over everything it still had.
    const sentAt = now();
    proxy.plan = NO_FAULTS;
    const packetsUnderFaults = proxy.stats.packets - packetsBefore;
    sender.client.publish(`${base}/1`, "end", 1, false);
    sender.client.publish(`${base}/2`, "end", 2, false);
    while (performance.now() < deadline && !(markers.size === 2 && now() - lastDeliveryAt > 500) && now() - Math.max(lastDeliveryAt, sentAt) < o.quietMs)
      await sleep(50);
    const drainMs = now() - sentAt;
    const completed = acked() >= total && markers.size === 2;
    for (const seq of sender.published) {
      const qos = qosOfSeq.get(seq);
      if (qos) sent[qos - 1]++;
    }
    const verdict = judge(ledger, published, sent, killTimesMs, markers.size === 2);
    if (!completed) {
      verdict.failures.push(`the run did not finish: ${acked()}/${total} acknowledged, end markers ${markers.size}/2`);
      verdict.passed = false;
    }
    // The ledger goes before the last heap figure: what remains is the clients.
    ledger.deliveries.clear();
    ledger.brokerAcked.clear();
    ledger.sentId.clear();
    ledger.pubrels.clear();
    ledger.receiverAcked.clear();
    ledger.receiverSaw.clear();
    ledger.senderIds.clear();
    ledger.receiverIds.clear();
    qosOfSeq.clear();
    sender.published.length = 0;
    const heapEnd = heapUsed();
    const log = broker.log();
    const drops = (who: string) => log.split("\n").filter((l) => l.includes(`Bad socket read/write on client ${who}`)).length;
    return {
      options: o,
      verdict,
      completed,
      durationMs: now(),
      drainMs,
      reconnects: { sender: connects.sender - 1, receiver: connects.receiver - 1 },
      disconnectCodes,
      errorCodes,
      kills: killTimesMs.length,
      killTimesMs,
      proxy: { ...proxy.stats },
      packetsUnderFaults,
      heapStart,
      heapEnd,
      heapAfterGc: heapAfterGc().collected,
      outboxPeak,
      broker: brokerLimits,
      brokerDrops: { sender: drops(`soak-tx-${o.seed}`), receiver: drops(`soak-rx-${o.seed}`) },
    };
  } finally {
    clearInterval(pumpTimer);
    closeLiveClients();
    trace.close();
    if (o.trace) fs.writeFileSync(`${o.trace}.mosquitto.log`, broker.log());
    await proxy.close();
    await broker.stop();
  }
}
