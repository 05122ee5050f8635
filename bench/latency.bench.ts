/**
 * QoS 1 publish-to-acknowledgement latency: fabmqtt (Node HAL) and MQTT.js on
 * the same mosquitto (127.0.0.1, set_tcp_nodelay true) in the same run. Each
 * client publishes one 64-byte message at a time and waits for its PUBACK
 * (fabmqtt: publish() to onPublished; MQTT.js: publish() to its callback);
 * the clients take turns in blocks of 100 so that neither always meets a
 * warmer or busier machine. Prints p50, p90, p99 and max per client.
 *
 *   npx tsx bench/latency.bench.ts [--samples N] [--json]
 */
import os from "node:os";
import mqtt from "mqtt";
import { ST_CONNECTED } from "../firmware/session/client";
import { closeLiveClients, startLiveClient, waitFor } from "../scripts/support/live-client";
import { startMosquitto } from "../scripts/support/mosquitto";

const args = process.argv.slice(2);
const SAMPLES = Number(args.includes("--samples") ? args[args.indexOf("--samples") + 1] : 2000);
const BLOCK = 100;
const PAYLOAD = "x".repeat(64);

interface LatencyFigures {
  samples: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** Percentiles (ms) of `values`. */
function figures(values: number[]): LatencyFigures {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return { samples: sorted.length, p50: at(0.5), p90: at(0.9), p99: at(0.99), max: sorted[sorted.length - 1] };
}

async function main(): Promise<void> {
  if (!Number.isInteger(SAMPLES) || SAMPLES < BLOCK) throw new Error(`--samples needs a whole number of at least ${BLOCK}`);
  const broker = await startMosquitto({ noDelay: true });
  const started = performance.now();
  try {
    let resolveAck: (() => void) | null = null;
    const fab = startLiveClient(broker.port, { clientId: `lat-fab-${process.pid}`, onPublished: () => resolveAck && resolveAck() });
    await waitFor(() => fab.client.state() === ST_CONNECTED, "fabmqtt connected");
    const js = mqtt.connect(`mqtt://127.0.0.1:${broker.port}`, { clientId: `lat-js-${process.pid}`, reconnectPeriod: 0 });
    await new Promise<void>((resolve, reject) => {
      js.once("connect", () => resolve());
      js.once("error", reject);
    });
    const fabTimes: number[] = [];
    const jsTimes: number[] = [];
    const fabOnce = () =>
      new Promise<number>((resolve, reject) => {
        const t = performance.now();
        resolveAck = () => {
          resolveAck = null;
          resolve(performance.now() - t);
        };
        const seq = fab.client.publish("bench/latency/fab", PAYLOAD, 1, false);
        if (seq <= 0) reject(new Error(`fabmqtt publish returned ${seq}`));
      });
    const jsOnce = () =>
      new Promise<number>((resolve, reject) => {
        const t = performance.now();
        js.publish("bench/latency/js", PAYLOAD, { qos: 1 }, (err) => (err ? reject(err) : resolve(performance.now() - t)));
      });
    // Warm-up, not counted.
    for (let i = 0; i < 200; i++) {
      await fabOnce();
      await jsOnce();
    }
    for (let done = 0; done < SAMPLES; done += BLOCK) {
      const first = (done / BLOCK) % 2 === 0;
      for (const which of first ? ["fab", "js"] : ["js", "fab"]) {
        for (let i = 0; i < BLOCK; i++) (which === "fab" ? fabTimes : jsTimes).push(which === "fab" ? await fabOnce() : await jsOnce());
      }
    }
    js.end(true);
    const result = {
      date: new Date().toISOString(),
      cpu: os.cpus()[0].model,
      cores: os.cpus().length,
      node: process.version,
      broker: "mosquitto on 127.0.0.1, set_tcp_nodelay true",
      fabmqtt: figures(fabTimes),
      mqttjs: figures(jsTimes),
      durationMs: performance.now() - started,
    };
    const f = (x: number) => x.toFixed(3);
    console.log(`| QoS 1 publish to PUBACK, ${SAMPLES} one at a time | p50 ms | p90 ms | p99 ms | max ms |`);
    console.log("| --- | ---: | ---: | ---: | ---: |");
    for (const [name, r] of [
      ["fabmqtt", result.fabmqtt],
      ["MQTT.js", result.mqttjs],
    ] as const)
      console.log(`| ${name} | ${f(r.p50)} | ${f(r.p90)} | ${f(r.p99)} | ${f(r.max)} |`);
    if (args.includes("--json")) console.log(JSON.stringify(result));
  } finally {
    closeLiveClients();
    await broker.stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
