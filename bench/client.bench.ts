/**
 * Client benchmark: fabmqtt (Node HAL) against MQTT.js on the same mosquitto
 * in the same run. For QoS 0, 1 and 2 each client, in its own process
 * (bench/client-publisher.ts), publishes COUNT messages of 64 bytes; one
 * subscriber counts them until all arrived: an MQTT.js one, or with
 * FABMQTT_BENCH_SUBSCRIBER=counter a counting subscriber on the project's
 * codec (bench/counting-subscriber.ts), the same for every publisher in a run. Prints messages/s end to
 * end (first to last arrival at the subscriber), each publisher's own CPU time
 * per message, and the ratios. A raw publisher (pre-encoded packets written in
 * one go) runs too: it is the ceiling that broker and subscriber allow here.
 *
 *   npm run bench:client               Markdown report
 *   npm run bench:client -- --json     the same, then one JSON object on the last line
 *   FABMQTT_BENCH_COUNT=5000 npm run bench:client   fewer messages
 *   FABMQTT_BENCH_ROUNDS=5 npm run bench:client     more runs per figure (median; default 3)
 *   FABMQTT_BENCH_QOS=2 npm run bench:client        only these QoS levels (comma-separated)
 *   FABMQTT_BENCH_SUBSCRIBER=counter npm run bench:client  a subscriber that costs next to nothing counts:
 *                                                   the raw publisher then shows the broker's own ceiling
 *   FABMQTT_BENCH_NODELAY=1 npm run bench:client    the broker with set_tcp_nodelay (its acks leave at
 *                                                   once instead of waiting under Nagle's rule for the
 *                                                   client's delayed ACK; this helps MQTT.js most)
 *
 * The broker is configured for the load: max_queued_messages far above COUNT
 * (mosquitto's default of 1,000 would drop QoS 1/2 messages queued for the
 * subscriber) and max_inflight_messages unlimited, the same for both clients.
 */
import { spawn } from "node:child_process";
import os from "node:os";
import path from "node:path";
import mqtt from "mqtt";
import { startMosquitto } from "../scripts/support/mosquitto";
import { createArrivals, startCountingSubscriber, type Arrivals } from "./counting-subscriber";

const COUNT = Number(process.env.FABMQTT_BENCH_COUNT || 20000);
const SIZE = 64;
const JSON_OUT = process.argv.includes("--json");
/** Runs per client and QoS; the figures are medians (single runs swing by 30% here). */
const ROUNDS = Number(process.env.FABMQTT_BENCH_ROUNDS || 3);
/** Which QoS levels to run: "0,1,2" by default. */
const QOS_LEVELS = (process.env.FABMQTT_BENCH_QOS || "0,1,2").split(",").map(Number);
const TARGET_RATE: Record<number, number> = { 0: 1.5, 1: 1.15, 2: 2 };
const TARGET_CPU: Record<number, number> = { 0: 0.1, 1: 0.5, 2: 0.5 };
/** fabmqtt's rate against the raw publisher's (the ceiling that broker and subscriber allow here), every QoS. */
const TARGET_OF_RAW = 0.9;

interface Run {
  client: string;
  qos: number;
  received: number;
  msgPerSec: number;
  cpuUsPerMsg: number;
  publisherWallMs: number;
}

function runPublisher(which: string, port: number, qos: number, topic: string): Promise<{ cpuUs: number; wallMs: number; acked: number }> {
  return new Promise((resolve, reject) => {
    const script = path.join(import.meta.dirname, "client-publisher.ts");
    const child = spawn(process.execPath, ["--import", "tsx", script, which, String(port), String(qos), String(COUNT), String(SIZE), topic], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.on("exit", (code) => {
      if (code !== 0) return reject(new Error(`${which} publisher exited ${code}: ${err}`));
      resolve(JSON.parse(out.trim().split("\n").pop()!));
    });
  });
}

/** "mqttjs" (the default) or "counter" (bench/counting-subscriber.ts). */
const SUBSCRIBER = process.env.FABMQTT_BENCH_SUBSCRIBER === "counter" ? "counter" : "mqttjs";

/** A subscriber of either kind: its count, and how to end it. */
interface Subscriber {
  arrivals: Arrivals;
  close(): Promise<void> | void;
}

async function mqttjsSubscriber(port: number, topic: string, qos: number, clientId: string): Promise<Subscriber> {
  const sub = mqtt.connect(`mqtt://127.0.0.1:${port}`, { clientId, clean: true, reconnectPeriod: 0 });
  await new Promise<void>((resolve, reject) => {
    sub.on("connect", () => sub.subscribe(topic, { qos: qos as 0 | 1 | 2 }, (e) => (e ? reject(e) : resolve())));
    sub.on("error", reject);
  });
  const arrivals = createArrivals();
  sub.on("message", () => arrivals.count());
  return { arrivals, close: () => new Promise<void>((r) => sub.end(false, {}, () => r())) };
}

async function measure(which: string, port: number, qos: number): Promise<Run> {
  const topic = `bench/${which}/${qos}/${Date.now()}`;
  const clientId = `bench-sub-${which}-${qos}`;
  const sub: Subscriber =
    SUBSCRIBER === "mqttjs" ? await mqttjsSubscriber(port, topic, qos, clientId) : await startCountingSubscriber(port, topic, qos, clientId);
  const arrivals = sub.arrivals;
  const timeout = new Promise<void>((resolve) => setTimeout(resolve, 120000));
  const publisher = await runPublisher(which, port, qos, topic);
  await Promise.race([arrivals.arrived(COUNT), timeout]);
  // QoS 0 may lose messages under load; wait a moment for stragglers.
  if (arrivals.received < COUNT) await new Promise((r) => setTimeout(r, 1000));
  const { received, first, last } = arrivals;
  await sub.close();
  return {
    client: which,
    qos,
    received,
    msgPerSec: received > 1 ? ((received - 1) / (last - first)) * 1000 : 0,
    cpuUsPerMsg: publisher.cpuUs / COUNT,
    publisherWallMs: publisher.wallMs,
  };
}

function median(values: number[]): number {
  const v = [...values].sort((a, b) => a - b);
  return v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
}

/** The median of each figure over the rounds (received: the smallest). */
function medianRun(samples: Run[]): Run {
  return {
    client: samples[0].client,
    qos: samples[0].qos,
    received: Math.min(...samples.map((r) => r.received)),
    msgPerSec: median(samples.map((r) => r.msgPerSec)),
    cpuUsPerMsg: median(samples.map((r) => r.cpuUsPerMsg)),
    publisherWallMs: median(samples.map((r) => r.publisherWallMs)),
  };
}

function fmt(n: number, digits = 0): string {
  return n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

async function main(): Promise<void> {
  const broker = await startMosquitto({ maxQueued: COUNT * 4, maxInflight: 0, noDelay: process.env.FABMQTT_BENCH_NODELAY === "1" });
  const runs: Run[] = [];
  try {
    for (const qos of QOS_LEVELS) {
      const samples: Record<string, Run[]> = { fabmqtt: [], mqttjs: [], raw: [] };
      for (let round = 0; round < ROUNDS; round++) {
        // Alternate the order so no client always runs on a warmer broker.
        const order = round % 2 === 0 ? ["fabmqtt", "mqttjs", "raw"] : ["raw", "mqttjs", "fabmqtt"];
        for (const which of order) samples[which].push(await measure(which, broker.port, qos));
      }
      for (const which of Object.keys(samples)) runs.push(medianRun(samples[which]));
    }
  } finally {
    await broker.stop();
  }
  const date = new Date().toISOString().slice(0, 10);
  const lines: string[] = [];
  lines.push(`# Client benchmark, ${date}: ${COUNT} messages of ${SIZE} B per run, median of ${ROUNDS} runs`);
  lines.push("");
  lines.push(
    `Node ${process.version}, ${os.cpus()[0].model}, ${os.cpus().length} cores; mosquitto on 127.0.0.1; one ${SUBSCRIBER === "mqttjs" ? "MQTT.js subscriber" : "counting subscriber (bench/counting-subscriber.ts)"}.`,
  );
  lines.push("");
  lines.push(
    "| QoS | fabmqtt msg/s | MQTT.js msg/s | ratio | raw ceiling msg/s | ceiling ratio | fabmqtt CPU µs/msg | MQTT.js CPU µs/msg | CPU share | received (fab / js) |",
  );
  lines.push("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |");
  const summary: Record<string, unknown>[] = [];
  const verdicts: string[] = [];
  for (const qos of QOS_LEVELS) {
    const fab = runs.find((r) => r.client === "fabmqtt" && r.qos === qos)!;
    const js = runs.find((r) => r.client === "mqttjs" && r.qos === qos)!;
    const raw = runs.find((r) => r.client === "raw" && r.qos === qos)!;
    const ratio = fab.msgPerSec / js.msgPerSec;
    const ceiling = raw.msgPerSec / js.msgPerSec;
    const cpuShare = fab.cpuUsPerMsg / js.cpuUsPerMsg;
    lines.push(
      `| ${qos} | ${fmt(fab.msgPerSec)} | ${fmt(js.msgPerSec)} | ${fmt(ratio, 2)}x | ${fmt(raw.msgPerSec)} | ${fmt(ceiling, 2)}x | ${fmt(fab.cpuUsPerMsg, 1)} | ${fmt(js.cpuUsPerMsg, 1)} | ${fmt(cpuShare * 100, 0)}% | ${fab.received} / ${js.received} |`,
    );
    const ofRaw = fab.msgPerSec / raw.msgPerSec;
    verdicts.push(
      `- QoS ${qos}: rate ${fmt(ratio, 2)}x (target ${TARGET_RATE[qos]}x: ${ratio >= TARGET_RATE[qos] ? "met" : "NOT met"}; a raw publisher reaches ${fmt(ceiling, 2)}x), ` +
        `${fmt(ofRaw, 2)}x the raw publisher's (target at least ${TARGET_OF_RAW}x: ${ofRaw >= TARGET_OF_RAW ? "met" : "NOT met"}), ` +
        `CPU ${fmt(cpuShare * 100, 0)}% of MQTT.js (target at most ${TARGET_CPU[qos] * 100}%: ${cpuShare <= TARGET_CPU[qos] ? "met" : "NOT met"})`,
    );
    summary.push({ qos, fabmqtt: fab, mqttjs: js, raw, ratio, ceiling, cpuShare });
  }
  lines.push("");
  lines.push("Targets:");
  lines.push(...verdicts);
  console.log(lines.join("\n"));
  if (JSON_OUT)
    console.log(JSON.stringify({ date, count: COUNT, size: SIZE, subscriber: SUBSCRIBER, node: process.version, cpu: os.cpus()[0].model, results: summary }));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
