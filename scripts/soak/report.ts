/** The soak's report: Markdown tables for people, one JSON object for scripts. */
import os from "node:os";
import { errorName } from "../../base/error-text";
import type { SoakResult } from "./run";
import type { QosFigures } from "./verdict";

const n = (x: number) => x.toLocaleString("en-US");
const mb = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MB`;

function codes(table: Record<string, number>): string {
  const entries = Object.entries(table).sort((a, b) => b[1] - a[1]);
  return entries.length ? entries.map(([code, k]) => `${errorName(Number(code))} ${n(k)}`).join(", ") : "none";
}

/** The soak's tables as Markdown lines. Never fails. */
export function soakTable(r: SoakResult): string {
  const { qos1, qos2 } = r.verdict;
  const row = (label: string, f: (q: QosFigures) => string | number) => `| ${label} | ${f(qos1)} | ${f(qos2)} |`;
  const date = new Date().toISOString().slice(0, 10);
  const cpu = os.cpus()[0]?.model.trim() ?? "unknown CPU";
  const lines = [
    `# Soak, ${date}: ${cpu}, ${os.cpus().length} cores, Node ${process.version}, seed ${r.options.seed} (${r.options.profile})`,
    "",
    `| ${n(r.options.perQos)} messages per QoS | QoS 1 | QoS 2 |`,
    "| --- | ---: | ---: |",
    row("sent (acknowledged to the sender)", (q) => n(q.sent)),
    row("received (distinct, by the handler)", (q) => n(q.received)),
    row("lost", (q) => n(q.lost)),
    row("lost, acknowledged by mosquitto ≤ 3 s before a SIGKILL (broker-side)", (q) => n(q.lostBrokerAcked)),
    row(
      "lost, acknowledged by the running mosquitto, never delivered (broker-side)",
      (q) => `${n(q.lostBrokerRunning)} (${n(q.lostBrokerNeverSent)} never sent to the receiver)`,
    ),
    row("lost, not acknowledged by mosquitto (client-side, must be 0)", (q) => n(q.lostClientSide)),
    ...(qos1.lostUnattributed + qos2.lostUnattributed > 0 ? [row("missing when the run ended unfinished (not attributed)", (q) => n(q.lostUnattributed))] : []),
    row("duplicated (extra deliveries to the handler)", (q) => n(q.duplicates)),
    row("duplicated under the first packet id (QoS 2: client-side, must be 0)", (q) => n(q.duplicatesSameId)),
    row("duplicated under the first id after PUBREL and a SIGKILL (broker-side)", (q) => (q === qos1 ? "-" : n(q.duplicatesAfterPubrel))),
    row("duplicated under a new packet id (sent again as new by mosquitto)", (q) => n(q.duplicatesNewId)),
    row("corrupted payloads", (q) => n(q.corrupted)),
    "",
    "| run | |",
    "| --- | --- |",
    `| reconnects | sender ${n(r.reconnects.sender)}, receiver ${n(r.reconnects.receiver)} |`,
    `| disconnect causes | ${codes(r.disconnectCodes)} |`,
    `| connections mosquitto closed itself ("Bad socket read/write" in its log) | sender ${n(r.brokerDrops.sender)}, receiver ${n(r.brokerDrops.receiver)} |`,
    `| errors reported without a disconnect | ${codes(r.errorCodes)} |`,
    `| proxy | ${n(r.proxy.packets)} packets, ${n(r.packetsUnderFaults)} of them under faults; ${n(r.proxy.resets)} resets (${n(r.proxy.resetsMidFrame)} mid-frame, one per ${r.proxy.resets ? n(Math.round(r.packetsUnderFaults / r.proxy.resets)) : "-"} packets under faults), ${n(r.proxy.byteWrites)} chunks in 1-byte writes, ${n(r.proxy.merges)} merged, ${n(r.proxy.delays)} delayed |`,
    `| mosquitto SIGKILLs (persistence on) | ${r.kills} at ${r.killTimesMs.map((t) => `${(t / 1000).toFixed(1)} s`).join(", ") || "-"}; broker-side losses acknowledged at most ${r.verdict.brokerLossWindowMs.toFixed(0)} ms before the kill |`,
    `| client heap (heapUsed${r.heapAfterGc ? " after GC" : ", no forced GC"}; sender and receiver in one process) | ${mb(r.heapStart)} at start, ${mb(r.heapEnd)} at end; outbox peak ${r.outboxPeak} of 128 |`,
    `| receiver | persistent session, keeps ${n(r.options.inboundQos2)} inbound QoS 2 ids |`,
    `| mosquitto settings (0 = no limit: no queue limit can drop a message) | ${r.broker.join(", ")} |`,
    `| duration | ${(r.durationMs / 1000).toFixed(1)} s, of which ${(r.drainMs / 1000).toFixed(1)} s for the receiver to catch up once the faults stopped |`,
    `| result | ${r.verdict.passed ? "PASS" : "FAIL"} |`,
  ];
  for (const f of r.verdict.failures) lines.push(`\nFAIL: ${f}`);
  for (const [name, q] of [
    ["QoS 1", qos1],
    ["QoS 2", qos2],
  ] as const)
    for (const e of q.examples) lines.push(`${name} client-side: ${e}`);
  return lines.join("\n");
}

/** The run as one JSON line. Never fails. */
export function soakJson(r: SoakResult): string {
  return JSON.stringify({ seed: r.options.seed, passed: r.verdict.passed, ...r, options: r.options });
}
