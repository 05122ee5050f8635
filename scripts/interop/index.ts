/**
 * `npm run interop`: starts each broker (Mosquitto, RabbitMQ, ActiveMQ, aedes)
 * on 127.0.0.1 on its own free port, runs the scenario suite against each
 * (brokers side by side, scenarios one after another), then a three-node
 * RabbitMQ cluster by itself for the cluster scenario (scenario-cluster.ts),
 * prints the matrix, and stops every broker it started, by PID, also on
 * failure or Ctrl-C.
 *   --json             print one JSON object last
 *   --brokers a,b      only these brokers (mosquitto, rabbitmq, activemq, aedes, rabbitmq-cluster)
 *   --scenarios x,y    only these scenarios (ids from scenarios.ts)
 * Exits 1 when a cell fails or a broker is missing or did not start, 2 on bad arguments.
 */
import os from "node:os";
import { parseArgs } from "node:util";
import { activemqLauncher } from "./activemq-broker";
import { aedesLauncher } from "./aedes-broker";
import type { BrokerLauncher, InteropBroker } from "./broker";
import { failures, formatMatrix, matrixJson, type BrokerColumn, type Matrix } from "./matrix";
import { mosquittoLauncher } from "./mosquitto-broker";
import { installCleanup, isAlive, notePid, startedPids } from "./processes";
import { rabbitmqLauncher } from "./rabbitmq-broker";
import { rabbitmqClusterLauncher } from "./rabbitmq-cluster";
import { runScenario, scenarioApplies, type Scenario } from "./scenario-context";
import { CLUSTER_SCENARIO } from "./scenario-cluster";
import { SCENARIOS } from "./scenarios";

const LAUNCHERS: BrokerLauncher[] = [mosquittoLauncher, rabbitmqLauncher, activemqLauncher, aedesLauncher, rabbitmqClusterLauncher];
const ALL_SCENARIOS: Scenario[] = [...SCENARIOS, CLUSTER_SCENARIO];

const running = new Set<InteropBroker>();

async function stopAll(): Promise<void> {
  await Promise.all([...running].map((b) => b.stop()));
  running.clear();
}

function log(text: string): void {
  process.stderr.write(text + "\n");
}

/** Runs every scenario against one broker; the column says what happened, never throws. */
async function runBroker(launcher: BrokerLauncher, all: Scenario[]): Promise<BrokerColumn> {
  const column: BrokerColumn = { name: launcher.name, version: launcher.version(), problem: null, startSeconds: null, cells: {} };
  const scenarios = all.filter((s) => scenarioApplies(s, launcher));
  if (scenarios.length === 0) return column;
  const missing = launcher.missing();
  if (missing) {
    column.problem = missing;
    for (const s of scenarios) column.cells[s.id] = { status: "missing", note: missing, ms: 0 };
    log(`${launcher.name}: missing (${missing})`);
    return column;
  }
  const t0 = Date.now();
  let broker: InteropBroker;
  try {
    broker = await launcher.start();
  } catch (e) {
    column.problem = `did not start: ${(e as Error).message}`;
    for (const s of scenarios) column.cells[s.id] = { status: "fail", note: "the broker did not start", ms: 0 };
    log(`${launcher.name}: ${column.problem}`);
    return column;
  }
  running.add(broker);
  broker.pids().forEach(notePid);
  column.startSeconds = (Date.now() - t0) / 1000;
  log(
    `${launcher.name} ${column.version}: up on 127.0.0.1:${broker.port} in ${column.startSeconds.toFixed(1)} s (pids ${broker.pids().join(" ") || "in-process"})`,
  );
  try {
    for (const s of scenarios) {
      const outcome = await runScenario(s, launcher, broker);
      column.cells[s.id] = outcome;
      log(`  ${launcher.name} ${s.id}: ${outcome.status} (${(outcome.ms / 1000).toFixed(1)} s)${outcome.status === "fail" ? ` ${outcome.note}` : ""}`);
    }
  } finally {
    broker.pids().forEach(notePid);
    await broker.stop();
    running.delete(broker);
  }
  return column;
}

function pick<T extends { id?: string; name?: string }>(all: T[], list: string | undefined, key: "id" | "name", what: string): T[] {
  if (!list) return all;
  const names = list
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = names.filter((n) => !all.some((x) => x[key] === n));
  if (unknown.length) {
    log(`unknown ${what}: ${unknown.join(", ")} (known: ${all.map((x) => x[key]).join(", ")})`);
    process.exit(2);
  }
  return all.filter((x) => names.includes(x[key] as string));
}

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs({ options: { json: { type: "boolean" }, brokers: { type: "string" }, scenarios: { type: "string" } } }).values;
  } catch (e) {
    log((e as Error).message);
    return 2;
  }
  const launchers = pick(LAUNCHERS, args.brokers, "name", "broker");
  const scenarios = pick(ALL_SCENARIOS, args.scenarios, "id", "scenario");
  installCleanup(stopAll, 40000);
  const started = Date.now();
  const columns = await Promise.all(launchers.filter((l) => !l.alone).map((l) => runBroker(l, scenarios)));
  for (const l of launchers.filter((l) => l.alone)) columns.push(await runBroker(l, scenarios));
  // A broker none of the chosen scenarios runs against gets no column.
  const shown = columns.filter((c) => c.problem || Object.keys(c.cells).length > 0);
  await stopAll();
  const matrix: Matrix = {
    date: new Date().toISOString(),
    node: `${process.version} on ${os.cpus().length} x ${os.cpus()[0]?.model ?? "?"}`,
    // A scenario no shown broker ran gets no row.
    scenarios: scenarios.filter((s) => shown.some((c) => c.cells[s.id])),
    brokers: shown,
    seconds: (Date.now() - started) / 1000,
  };
  process.stdout.write(formatMatrix(matrix) + "\n");
  const left = startedPids().filter(isAlive);
  process.stdout.write(left.length ? `Still running: ${left.join(" ")}\n` : `Stopped every broker process started (${startedPids().length} PIDs).\n`);
  if (args.json) process.stdout.write(JSON.stringify({ ...matrixJson(matrix), leftRunning: left }) + "\n");
  return failures(matrix) > 0 || left.length > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    log(`interop: ${(e as Error).stack ?? e}`);
    stopAll().finally(() => process.exit(1));
  },
);
