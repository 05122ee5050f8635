/**
 * RabbitMQ (Debian's `rabbitmq-server`, plugin `rabbitmq_mqtt`) for
 * `npm run interop`, as a process of this run, not the system service: its
 * own directory (RABBITMQ_MNESIA_BASE, RABBITMQ_LOG_BASE, rabbitmq.conf,
 * enabled_plugins, an empty rabbitmq-env.conf so /etc/rabbitmq is not read,
 * HOME for its Erlang cookie), its own node name, and free ports for AMQP,
 * MQTT and Erlang distribution, all on 127.0.0.1.
 *
 * epmd: Erlang nodes register with an epmd on port 4369, which other work on
 * the machine (the system RabbitMQ, another run) may own. This run starts its
 * own epmd on a free port bound to 127.0.0.1 (ERL_EPMD_PORT and
 * ERL_EPMD_ADDRESS), as a tracked process, so the node never starts or uses a
 * shared one, and stops it by PID with the broker.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { ChildProcess } from "node:child_process";
import { freePort } from "../support/mosquitto";
import { INTEROP_PASSWORD, INTEROP_USER, type BrokerLauncher, type InteropBroker } from "./broker";
import { debianVersion, fileTail, waitForPort } from "./host";
import { familyOf, removeOnExit, spawnTracked, stopTracked } from "./processes";

export const RABBITMQ_SERVER = "/usr/lib/rabbitmq/bin/rabbitmq-server";
const SERVER = RABBITMQ_SERVER;
const PLUGIN_GLOB_DIR = "/usr/lib/rabbitmq/lib";
const START_MS = 90000;

/** Debian's epmd, or null when Erlang is not installed. */
export function epmdBinary(): string | null {
  for (const p of ["/usr/bin/epmd", "/usr/lib/erlang/bin/epmd"]) if (fs.existsSync(p)) return p;
  return null;
}

function hasMqttPlugin(): boolean {
  try {
    return fs
      .readdirSync(PLUGIN_GLOB_DIR)
      .some(
        (d) =>
          fs.existsSync(path.join(PLUGIN_GLOB_DIR, d, "plugins")) &&
          fs.readdirSync(path.join(PLUGIN_GLOB_DIR, d, "plugins")).some((p) => p.startsWith("rabbitmq_mqtt")),
      );
  } catch {
    return false;
  }
}

/**
 * A node's directory under `dir`: mnesia/, log/ and home/ made, its
 * rabbitmq.conf (AMQP and MQTT listeners on 127.0.0.1, the interop user,
 * no anonymous MQTT, logs to file, then `extra` lines) and the MQTT plugin
 * enabled. Throws when a file cannot be written.
 */
export function writeNodeFiles(dir: string, amqpPort: number, mqttPort: number, extra: string[] = []): void {
  for (const d of ["mnesia", "log", "home"]) fs.mkdirSync(path.join(dir, d));
  fs.writeFileSync(
    path.join(dir, "rabbitmq.conf"),
    [
      `listeners.tcp.default = 127.0.0.1:${amqpPort}`,
      `mqtt.listeners.tcp.default = 127.0.0.1:${mqttPort}`,
      `default_user = ${INTEROP_USER}`,
      `default_pass = ${INTEROP_PASSWORD}`,
      "mqtt.allow_anonymous = false",
      ...extra,
      "log.console = false",
      "log.file.level = info",
      "",
    ].join("\n"),
  );
  fs.writeFileSync(path.join(dir, "enabled_plugins"), "[rabbitmq_mqtt].\n");
}

/**
 * The environment of node `node` whose files are in `dir` (writeNodeFiles):
 * its distribution port, the epmd at `epmdPort` on 127.0.0.1, nothing of
 * the machine's own RabbitMQ. Never fails.
 */
export function nodeEnv(dir: string, node: string, distPort: number, epmdPort: number): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    LANG: "C.UTF-8",
    HOME: path.join(dir, "home"),
    RABBITMQ_NODENAME: node,
    RABBITMQ_MNESIA_BASE: path.join(dir, "mnesia"),
    RABBITMQ_LOG_BASE: path.join(dir, "log"),
    RABBITMQ_CONFIG_FILE: path.join(dir, "rabbitmq.conf"),
    RABBITMQ_ADVANCED_CONFIG_FILE: path.join(dir, "advanced.config"),
    RABBITMQ_ENABLED_PLUGINS_FILE: path.join(dir, "enabled_plugins"),
    RABBITMQ_CONF_ENV_FILE: path.join(dir, "rabbitmq-env.conf"),
    RABBITMQ_PID_FILE: path.join(dir, "rabbitmq.pid"),
    RABBITMQ_DIST_PORT: String(distPort),
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: "-kernel inet_dist_use_interface {127,0,0,1}",
    ERL_EPMD_PORT: String(epmdPort),
    ERL_EPMD_ADDRESS: "127.0.0.1",
  };
}

export const rabbitmqLauncher: BrokerLauncher = {
  name: "rabbitmq",
  packages: "rabbitmq-server",
  missing() {
    if (!fs.existsSync(SERVER) || !epmdBinary()) return "RabbitMQ is not installed: apt-get install rabbitmq-server";
    if (!hasMqttPlugin()) return "RabbitMQ's rabbitmq_mqtt plugin is missing (it comes with Debian's rabbitmq-server)";
    return null;
  },
  version: () => debianVersion("rabbitmq-server"),
  async start(): Promise<InteropBroker> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fabmqtt-rabbitmq-"));
    removeOnExit(dir);
    const [amqpPort, mqttPort, distPort, epmdPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
    const node = `fabmqtt-interop-${process.pid}@localhost`;
    writeNodeFiles(dir, amqpPort, mqttPort);
    fs.writeFileSync(path.join(dir, "rabbitmq-env.conf"), "");
    const env = nodeEnv(dir, node, distPort, epmdPort);
    const logFile = path.join(dir, "log", `${node}.log`);
    const out = fs.openSync(path.join(dir, "stdout.log"), "a");

    const epmd = spawnTracked(epmdBinary()!, ["-port", String(epmdPort)], { env, stdio: "ignore" });
    let server: ChildProcess | null = null;
    const stopAll = async () => {
      if (server) await stopTracked(server, 30000);
      await stopTracked(epmd, 2000);
    };
    const launch = async () => {
      const child = spawnTracked(SERVER, [], { env, cwd: dir, stdio: ["ignore", out, out] });
      server = child;
      const up = await waitForPort(mqttPort, START_MS, () => child.exitCode !== null || child.signalCode !== null);
      if (!up) {
        const why = `RabbitMQ did not open MQTT on 127.0.0.1:${mqttPort} within ${START_MS / 1000} s:\n${fileTail(logFile)}\n${fileTail(path.join(dir, "stdout.log"))}`;
        await stopAll();
        throw new Error(why);
      }
    };
    try {
      if (!(await waitForPort(epmdPort, 10000, () => epmd.exitCode !== null))) throw new Error(`epmd did not listen on 127.0.0.1:${epmdPort}`);
      await launch();
    } catch (e) {
      await stopAll();
      fs.rmSync(dir, { recursive: true, force: true });
      throw e;
    }
    let stopped = false;
    return {
      port: mqttPort,
      username: INTEROP_USER,
      password: INTEROP_PASSWORD,
      async restart() {
        if (server) await stopTracked(server, 30000);
        await launch();
      },
      async stop() {
        if (stopped) return;
        stopped = true;
        await stopAll();
        fs.rmSync(dir, { recursive: true, force: true });
      },
      pids: () => [...(server?.pid ? familyOf(server.pid) : []), ...(epmd.pid ? familyOf(epmd.pid) : [])],
      logTail: () => fileTail(logFile),
    };
  },
  deviations: {
    "subscribe-qos2-granted-1": {
      what: "RabbitMQ does not support QoS 2: a QoS 2 subscription is treated as QoS 1 (its SUBACK says 1)",
      source: "rabbitmq.com/docs/mqtt, Limitations, QoS 2; the 3.10 guide: Subscription Durability",
    },
    "publish-qos2-downgraded": {
      what: "a QoS 2 PUBLISH from an MQTT 3.1.1 client is downgraded to QoS 1 (so it is answered with PUBACK)",
      source: "rabbitmq.com/docs/mqtt, Limitations, QoS 2",
    },
    "retained-wildcard-missing": {
      what: "if the topic filter contains a wildcard (# or +), no retained messages are sent",
      source: "rabbitmq.com/docs/mqtt, Limitations, Retained Message Stores",
    },
    "dot-in-topic": {
      what: "topic levels are mapped to AMQP routing-key words separated by '.', so MQTT topics with dots in them do not work as expected",
      source: "rabbitmq.com/docs/mqtt, Topic level separator and wildcards",
    },
  },
};
