/**
 * A three-node RabbitMQ cluster (Debian's `rabbitmq-server`, plugin
 * `rabbitmq_mqtt` on each node) for `npm run interop`, as processes of this
 * run on 127.0.0.1: each node has its own directory, node name and ports for
 * AMQP, MQTT and Erlang distribution, as the single node of
 * rabbitmq-broker.ts does. The nodes form the cluster at their first start by
 * peer discovery from a fixed list (classic_config), with one Erlang cookie
 * written to each node's HOME.
 *
 * epmd: the three nodes register with one epmd of this run, on a free port
 * bound to 127.0.0.1 (ERL_EPMD_PORT, ERL_EPMD_ADDRESS), started and stopped
 * by PID; none starts or uses the shared epmd on port 4369. One epmd per
 * node is not possible on one machine: a node finds another through the
 * epmd at ERL_EPMD_PORT on that node's host, one port for all, and epmd
 * always binds 127.0.0.1 besides the addresses it is given, so a second epmd
 * on the same port fails even on 127.0.0.2.
 *
 * killNode(k) kills node k with SIGKILL (every process of its family): the
 * other two keep the majority that RabbitMQ's MQTT plugin needs for its
 * client id registry (a Raft cluster over the nodes).
 */
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { ChildProcess } from "node:child_process";
import { INTEROP_PASSWORD, INTEROP_USER, type BrokerLauncher, type InteropBroker } from "./broker";
import { freePort } from "../support/mosquitto";
import { debianVersion, fileTail, waitForPort } from "./host";
import { familyOf, removeOnExit, spawnTracked, stopTracked } from "./processes";
import { epmdBinary, nodeEnv, rabbitmqLauncher, RABBITMQ_SERVER, writeNodeFiles } from "./rabbitmq-broker";

const NODES = 3;
const START_MS = 150000;

interface ClusterNode {
  name: string;
  mqttPort: number;
  dir: string;
  env: NodeJS.ProcessEnv;
  server: ChildProcess | null;
  killed: boolean;
}

/** A running cluster: InteropBroker's port is node 1's MQTT port; `nodes` has every node's. */
export interface ClusterBroker extends InteropBroker {
  nodes: { host: string; port: number; name: string }[];
  /** Kills node `k` (0-based) with SIGKILL; resolves once none of its processes is left. */
  killNode(k: number): Promise<void>;
}

async function startCluster(): Promise<ClusterBroker> {
  const epmdPort = await freePort();
  const cookie = crypto.randomBytes(16).toString("hex").toUpperCase();
  const names = Array.from({ length: NODES }, (_, k) => `fabmqtt-c${k + 1}-${process.pid}@localhost`);
  const nodes: ClusterNode[] = [];
  for (let k = 0; k < NODES; k++) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `fabmqtt-rabbitmq-c${k + 1}-`));
    removeOnExit(dir);
    const [amqpPort, mqttPort, distPort] = [await freePort(), await freePort(), await freePort()];
    writeNodeFiles(dir, amqpPort, mqttPort, [
      // A persistent session's QoS 1 subscription queue is then replicated on every node.
      "mqtt.durable_queue_type = quorum",
      "cluster_formation.peer_discovery_backend = classic_config",
      ...names.map((n, i) => `cluster_formation.classic_config.nodes.${i + 1} = ${n}`),
    ]);
    fs.writeFileSync(path.join(dir, "home", ".erlang.cookie"), cookie, { mode: 0o600 });
    fs.writeFileSync(path.join(dir, "rabbitmq-env.conf"), "");
    const env = nodeEnv(dir, names[k], distPort, epmdPort);
    nodes.push({ name: names[k], mqttPort, dir, env, server: null, killed: false });
  }
  const epmd = spawnTracked(epmdBinary()!, ["-port", String(epmdPort)], { env: nodes[0].env, stdio: "ignore" });
  const logOf = (n: ClusterNode) => path.join(n.dir, "log", `${n.name}.log`);
  const stopAll = async () => {
    await Promise.all(
      nodes.map(async (n) => {
        if (n.server) await stopTracked(n.server, 30000);
      }),
    );
    await stopTracked(epmd, 2000);
  };
  const removeAll = () => nodes.forEach((n) => fs.rmSync(n.dir, { recursive: true, force: true }));
  try {
    if (!(await waitForPort(epmdPort, 10000, () => epmd.exitCode !== null))) throw new Error(`epmd did not listen on 127.0.0.1:${epmdPort}`);
    // All three at once: peer discovery waits for the others, and one of them forms the cluster.
    const ups = await Promise.all(
      nodes.map((n) => {
        const out = fs.openSync(path.join(n.dir, "stdout.log"), "a");
        const child = spawnTracked(RABBITMQ_SERVER, [], { env: n.env, cwd: n.dir, stdio: ["ignore", out, out] });
        n.server = child;
        return waitForPort(n.mqttPort, START_MS, () => child.exitCode !== null || child.signalCode !== null);
      }),
    );
    const down = nodes.filter((_, k) => !ups[k]);
    if (down.length) {
      throw new Error(
        `RabbitMQ cluster: ${down.map((n) => n.name).join(", ")} did not open MQTT within ${START_MS / 1000} s:\n` +
          down.map((n) => `${fileTail(logOf(n))}\n${fileTail(path.join(n.dir, "stdout.log"))}`).join("\n"),
      );
    }
  } catch (e) {
    await stopAll();
    removeAll();
    throw e;
  }
  let stopped = false;
  return {
    port: nodes[0].mqttPort,
    username: INTEROP_USER,
    password: INTEROP_PASSWORD,
    nodes: nodes.map((n) => ({ host: "127.0.0.1", port: n.mqttPort, name: n.name })),
    async killNode(k) {
      const n = nodes[k];
      if (!n.server || !n.server.pid) return;
      n.killed = true;
      const family = familyOf(n.server.pid);
      for (const pid of family) {
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          // Already gone.
        }
      }
      await stopTracked(n.server, 0);
    },
    async restart() {
      throw new Error("the cluster is not restarted as one broker");
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await stopAll();
      removeAll();
    },
    pids: () => [...nodes.flatMap((n) => (n.server?.pid ? familyOf(n.server.pid) : [])), ...(epmd.pid ? familyOf(epmd.pid) : [])],
    logTail: () => nodes.map((n) => `${n.name}${n.killed ? " (killed)" : ""}:\n${fileTail(logOf(n), 10)}`).join("\n"),
  };
}

export const rabbitmqClusterLauncher: BrokerLauncher = {
  name: "rabbitmq-cluster",
  packages: "rabbitmq-server",
  missing: () => rabbitmqLauncher.missing(),
  version: () => `${debianVersion("rabbitmq-server")} x${NODES}`,
  start: startCluster,
  deviations: rabbitmqLauncher.deviations,
  alone: true,
  onlyScenarios: ["cluster-failover"],
};
