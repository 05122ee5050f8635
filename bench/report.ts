/**
 * `npm run bench`: one Markdown table of the project's figures, measured in
 * one run on this machine: the codec benchmark, the client benchmark
 * (fabmqtt against MQTT.js on one mosquitto), QoS 1 publish-to-PUBACK latency
 * (fabmqtt against MQTT.js), and the short soak. Each is spawned with --json
 * and read from its last line. The client benchmark sends
 * FABMQTT_BENCH_COUNT messages per run (5,000 here unless set) to keep the
 * whole report to two or three minutes. `--json` prints one JSON object last.
 * Exits 1 when a step failed (the table then says which).
 */
import { execFileSync, spawn } from "node:child_process";
import os from "node:os";
import path from "node:path";
import { mosquittoBinary } from "../scripts/support/mosquitto";

const ROOT = path.join(import.meta.dirname, "..");

interface Step {
  name: string;
  ok: boolean;
  seconds: number;
  json: any;
  error: string;
}

/** Runs `script` with tsx and `args`; never rejects: a failure is recorded in the step. */
function runStep(name: string, script: string, args: string[], env: Record<string, string> = {}): Promise<Step> {
  const started = performance.now();
  process.stderr.write(`bench: ${name}...\n`);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", path.join(ROOT, script), ...args], { cwd: ROOT, env: { ...process.env, ...env } });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.on("close", (code) => {
      const seconds = (performance.now() - started) / 1000;
      const last = out.trim().split("\n").pop() ?? "";
      let json: any = null;
      try {
        json = JSON.parse(last);
      } catch {
        // reported below
      }
      const ok = code === 0 && json !== null;
      resolve({ name, ok, seconds, json, error: ok ? "" : `exit ${code}: ${(err || out).trim().split("\n").slice(-5).join(" / ")}` });
    });
  });
}

const n = (x: number, digits = 0) => x.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
const millions = (x: number) => `${(x / 1e6).toFixed(2)} M`;

function codecRows(s: Step): string[] {
  if (!s.ok) return [`| codec | failed: ${s.error} | | | \`npm run bench:codec -- --json\` |`];
  const rows: string[] = [];
  for (const p of s.json.publish) {
    const fab = p.fabmqtt.bundled.direct.opsPerSec;
    const ref = p.mqttPacket.opsPerSec;
    rows.push(
      `| codec: ${p.case}, encode + decode per second (bundled) | ${millions(fab)} | ${millions(ref)} (mqtt-packet) | ${(fab / ref).toFixed(1)}x | \`npm run bench:codec -- --json\` |`,
    );
  }
  const gc = s.json.gc as { label: string; perMillion: number }[];
  const offsets = gc.find((g) => g.label.startsWith("fabmqtt bundled, offsets only"));
  const ref = gc.find((g) => g.label.startsWith("mqtt-packet"));
  if (offsets && ref)
    rows.push(
      `| codec: garbage collections per million PUBLISH encode + decode | ${n(offsets.perMillion, 1)} | ${n(ref.perMillion, 1)} (mqtt-packet) | | \`npm run bench:codec -- --json\` |`,
    );
  return rows;
}

function clientRows(s: Step): string[] {
  if (!s.ok) return [`| client | failed: ${s.error} | | | \`npm run bench:client -- --json\` |`];
  const rows: string[] = [];
  const cmd = `\`FABMQTT_BENCH_COUNT=${s.json.count} npm run bench:client -- --json\``;
  for (const r of s.json.results) {
    rows.push(
      `| client: QoS ${r.qos} messages per second end to end (${n(s.json.count)} of ${s.json.size} B, median of 3) | ${n(r.fabmqtt.msgPerSec)} | ${n(r.mqttjs.msgPerSec)} (MQTT.js) | ${r.ratio.toFixed(2)}x | ${cmd} |`,
    );
    rows.push(
      `| client: QoS ${r.qos} publisher CPU per message | ${n(r.fabmqtt.cpuUsPerMsg, 1)} µs | ${n(r.mqttjs.cpuUsPerMsg, 1)} µs (MQTT.js) | ${(r.cpuShare * 100).toFixed(0)}% | ${cmd} |`,
    );
  }
  return rows;
}

function latencyRows(s: Step): string[] {
  const cmd = "`npx tsx bench/latency.bench.ts --json`";
  if (!s.ok) return [`| latency | failed: ${s.error} | | | ${cmd} |`];
  const f = s.json.fabmqtt;
  const j = s.json.mqttjs;
  const ms = (x: number) => `${x.toFixed(3)} ms`;
  return [
    `| QoS 1 publish to PUBACK latency, p50 (${n(f.samples)} one at a time, set_tcp_nodelay) | ${ms(f.p50)} | ${ms(j.p50)} (MQTT.js) | ${(f.p50 / j.p50).toFixed(2)}x | ${cmd} |`,
    `| QoS 1 publish to PUBACK latency, p99 | ${ms(f.p99)} | ${ms(j.p99)} (MQTT.js) | ${(f.p99 / j.p99).toFixed(2)}x | ${cmd} |`,
  ];
}

function soakRows(s: Step): string[] {
  const cmd = "`npm run soak -- --short --json`";
  if (!s.json) return [`| soak | failed: ${s.error} | | | ${cmd} |`];
  const r = s.json;
  const { qos1, qos2 } = r.verdict;
  const lostBroker = (q: any) => q.lostBrokerAcked + q.lostBrokerRunning;
  return [
    `| soak --short, seed ${r.seed}: ${n(r.options.perQos)} QoS 1 + ${n(r.options.perQos)} QoS 2 through ${n(r.proxy.resets)} resets and ${r.kills} SIGKILLs | ${r.passed ? "PASS" : "FAIL"}: received ${n(qos1.received)} + ${n(qos2.received)}; client-side losses ${qos1.lostClientSide + qos2.lostClientSide}; QoS 2 duplicates under one id ${qos2.duplicatesSameId} | lost by mosquitto ${lostBroker(qos1)} + ${lostBroker(qos2)}; QoS 1 duplicates ${n(qos1.duplicates)} | | ${cmd} |`,
    `| soak --short: reconnects, heap | sender ${r.reconnects.sender}, receiver ${r.reconnects.receiver}; heapUsed ${(r.heapStart / 1048576).toFixed(1)} MB at start, ${(r.heapEnd / 1048576).toFixed(1)} MB at end | | | ${cmd} |`,
  ];
}

async function main(): Promise<number> {
  const started = performance.now();
  mosquittoBinary();
  const mosquittoVersion = (() => {
    try {
      return execFileSync(mosquittoBinary(), ["-h"], { encoding: "utf8" }).split("\n")[0].trim();
    } catch (e) {
      return (
        String((e as { stdout?: string }).stdout ?? "")
          .split("\n")[0]
          .trim() || "mosquitto"
      );
    }
  })();
  const codec = await runStep("codec benchmark", "bench/codec.bench.ts", ["--json"]);
  const client = await runStep("client benchmark", "bench/client.bench.ts", ["--json"], { FABMQTT_BENCH_COUNT: process.env.FABMQTT_BENCH_COUNT || "5000" });
  const latency = await runStep("latency", "bench/latency.bench.ts", ["--json"]);
  const soak = await runStep("short soak", "scripts/soak/index.ts", ["--short", "--json"]);
  const steps = [codec, client, latency, soak];
  const seconds = (performance.now() - started) / 1000;
  const date = new Date().toISOString().slice(0, 10);
  const machine = `${os.cpus()[0]?.model.trim() ?? "unknown CPU"}, ${os.cpus().length} cores, Node ${process.version}, ${os.platform()} ${os.arch()}; ${mosquittoVersion} on 127.0.0.1`;
  const lines = [
    `# fabmqtt benchmarks, ${date}`,
    "",
    `Machine: ${machine}. Load average at the end: ${os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(", ")}.`,
    "",
    "| measure | fabmqtt | reference | ratio | command |",
    "| --- | ---: | ---: | ---: | --- |",
    ...codecRows(codec),
    ...clientRows(client),
    ...latencyRows(latency),
    ...soakRows(soak),
    "",
    `Run time: ${seconds.toFixed(0)} s in all (${steps.map((s) => `${s.name} ${s.seconds.toFixed(0)} s`).join(", ")}).`,
  ];
  const failed = steps.filter((s) => !s.ok);
  for (const s of failed) lines.push(`FAILED: ${s.name}: ${s.error}`);
  console.log(lines.join("\n"));
  if (process.argv.includes("--json"))
    console.log(
      JSON.stringify({ date, machine, seconds, steps: Object.fromEntries(steps.map((s) => [s.name, { ok: s.ok, seconds: s.seconds, result: s.json }])) }),
    );
  return failed.length ? 1 : 0;
}

main().then(
  (code) => (process.exitCode = code),
  (e) => {
    console.error(e);
    process.exitCode = 2;
  },
);
