/**
 * The cluster scenario of `npm run interop`, against the three-node RabbitMQ
 * cluster (rabbitmq-cluster.ts): 200 virtual boards (the device program on
 * the Node HAL, scripts/fleet) spread over the three nodes, each with all
 * three in its `broker.hosts`, starting at a different one; node 2 is killed
 * with SIGKILL. It passes when every board is back online on the other two
 * nodes, a relay command reaches every board (sent through node 1), and no
 * QoS 1 telemetry reading was lost on the client side: every one publish()
 * took (readings taken offline wait in the queue) was acknowledged, and
 * each board's telemetry reached node 1 again after the kill.
 */
import { ST_CONNECTED } from "../../firmware/session/client";
import { startFleet, type Fleet } from "../fleet/boards";
import { startMonitor, type Monitor } from "../fleet/monitor";
import type { ClusterBroker } from "./rabbitmq-cluster";
import { codeName, ScenarioFailure, type Scenario, type ScenarioContext } from "./scenario-context";

export const CLUSTER_BOARDS = 200;
/** The node killed (0-based): node 2. The monitor is on node 1, which stays. */
const KILLED = 1;

/** Waits for `check()` up to `ms`; on timeout fails the scenario with `what()`. */
async function expect(ctx: ScenarioContext, check: () => boolean, ms: number, what: () => string): Promise<void> {
  try {
    await ctx.waitFor(check, "", ms);
  } catch {
    throw new ScenarioFailure(what());
  }
}

/** How many boards are connected to each node, from each board's list and its client's place in it. */
function perNode(fleet: Fleet, hostsOf: (i: number) => string[], nodes: string[]): number[] {
  const counts = nodes.map(() => 0);
  fleet.boards.forEach((b, i) => {
    if (b.device.client.state() !== ST_CONNECTED) return;
    counts[nodes.indexOf(hostsOf(i)[b.device.client.stats().broker])]++;
  });
  return counts;
}

/** The last errors of the boards that are not connected, named and counted ("E_CONNACK_TIMEOUT (-213) x67"). */
function offlineErrors(fleet: Fleet): string {
  const counts = new Map<number, number>();
  for (const b of fleet.boards) {
    if (b.device.client.state() === ST_CONNECTED) continue;
    const code = b.device.client.stats().lastError;
    counts.set(code, (counts.get(code) ?? 0) + 1);
  }
  return [...counts].map(([code, k]) => `${codeName(code)} x${k}`).join(", ") || "none";
}

async function runCluster(ctx: ScenarioContext): Promise<void> {
  const cluster = ctx.broker as ClusterBroker;
  if (!cluster.nodes || !cluster.killNode) throw new ScenarioFailure("this scenario needs the three-node cluster (rabbitmq-cluster)");
  const nodes = cluster.nodes.map((n) => n.host + ":" + n.port);
  // Board i starts at node i mod 3 and goes round the list from there.
  const hostsOf = (i: number) => nodes.map((_, k) => nodes[(i + k) % nodes.length]);
  const base = ctx.topic("fleet");
  const n = CLUSTER_BOARDS;
  let fleet: Fleet | null = null;
  let monitor: Monitor | null = null;
  try {
    monitor = startMonitor({ brokers: [cluster.nodes[0]], username: cluster.username, password: cluster.password, base, clientId: ctx.clientId() });
    // A cluster that was slow to start (116 s once in CI, 21 s usually) was slow to take MQTT clients too: the monitor had no SUBACK in 30 s.
    await monitor.ready(90000);
    const m = monitor;
    fleet = startFleet({
      boards: n,
      hostsOf,
      username: cluster.username,
      password: cluster.password,
      base,
      prefix: "b",
      period: 2,
      offline: "queue",
      keepalive: 10,
      persist: true,
      trackTelemetry: true,
    });
    const f = fleet;
    await expect(
      ctx,
      () => f.online() === n,
      60000,
      () => `only ${f.online()} of ${n} boards came online (per node ${perNode(f, hostsOf, nodes).join("/")}; last errors of the others: ${offlineErrors(f)})`,
    );
    // Telemetry from boards on every node reaches node 1: the nodes are one cluster.
    await expect(
      ctx,
      () => f.boards.every((b) => m.telemetryOf.has(b.id)),
      30000,
      () =>
        `telemetry of ${f.boards.filter((b) => !m.telemetryOf.has(b.id)).length} boards (per node ${perNode(f, hostsOf, nodes).join("/")}) never reached node 1: are the nodes clustered?`,
    );
    const before = perNode(f, hostsOf, nodes);

    const killAt = Date.now();
    await cluster.killNode(KILLED);
    await expect(
      ctx,
      () => f.online() === n && perNode(f, hostsOf, nodes)[KILLED] === 0,
      90000,
      () =>
        `${f.online()} of ${n} boards online ${((Date.now() - killAt) / 1000).toFixed(0)} s after node ${KILLED + 1} was killed (per node ${perNode(f, hostsOf, nodes).join("/")}; ` +
        `last errors of the others: ${offlineErrors(f)}); the nodes' logs:\n${cluster.logTail()}`,
    );
    const backSeconds = (Date.now() - killAt) / 1000;
    const after = perNode(f, hostsOf, nodes);

    // Every board obeys a command sent through node 1.
    await ctx.sleep(1000);
    for (const b of f.boards) if (!m.command(b.id)) throw new ScenarioFailure(`the monitor could not queue a command for ${b.id}`);
    await expect(
      ctx,
      () => m.pending.size === 0,
      30000,
      () => `${m.pending.size} of ${n} boards did not answer a command after the kill (${[...m.pending.keys()].slice(0, 5).join(", ")} ...)`,
    );

    // Every board's telemetry reaches node 1 after the kill, and every QoS 1 reading is acknowledged.
    await expect(
      ctx,
      () => f.boards.every((b) => (m.lastTelemetryAt.get(b.id) ?? 0) > killAt + 1000),
      20000,
      () => `${f.boards.filter((b) => (m.lastTelemetryAt.get(b.id) ?? 0) <= killAt + 1000).length} boards sent no telemetry that reached node 1 after the kill`,
    );
    await expect(
      ctx,
      () => f.boards.every((b) => b.telemetry!.open.size === 0),
      20000,
      () => `${f.boards.reduce((k, b) => k + b.telemetry!.open.size, 0)} QoS 1 readings taken by the clients were never acknowledged`,
    );
    const refused = f.boards.reduce((k, b) => k + b.telemetry!.refused, 0);
    if (refused > 0) throw new ScenarioFailure(`${refused} QoS 1 readings were refused by full client queues (lost)`);
    const accepted = f.boards.reduce((k, b) => k + b.telemetry!.accepted, 0);
    const acknowledged = f.boards.reduce((k, b) => k + b.telemetry!.acknowledged, 0);
    ctx.note(
      `${n} boards on nodes 1/2/3: ${before.join("/")}; node ${KILLED + 1} SIGKILLed: all back in ${backSeconds.toFixed(1)} s (${after.join("/")}); ` +
        `${m.rtts.length} of ${n} commands answered after the kill; QoS 1 telemetry: ${accepted} taken, ${acknowledged} acknowledged, 0 lost`,
    );
  } finally {
    if (fleet) fleet.stop();
    if (monitor) monitor.close();
  }
}

export const CLUSTER_SCENARIO: Scenario = {
  id: "cluster-failover",
  title: `RabbitMQ 3-node cluster: ${CLUSTER_BOARDS} boards, a node SIGKILLed`,
  limitMs: 240000,
  onlyBrokers: ["rabbitmq-cluster"],
  run: runCluster,
};
