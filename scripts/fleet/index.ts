/**
 * `npm run fleet`: N virtual boards in one process (the device program on the
 * Node HAL, each with its own client id, an analog sensor and a relay) on one
 * broker. It reports the boards online, the telemetry rate at the broker,
 * command round trips (p50, p99) and memory per board; with
 * --restart-broker, two restarts of its own mosquitto (jitter on, then off),
 * each with the time until all boards are back and the most connection
 * attempts in one second. Exits 1 when a board was left behind, 2 on bad
 * arguments.
 */
import { execFileSync } from "node:child_process";
import { parseArgs } from "node:util";
import { startMosquitto, mosquittoBinary, type Mosquitto } from "../support/mosquitto";
import { parseBrokerUrl, type BrokerTarget } from "../simulator/broker-url";
import { FLEET_BOARD } from "./boards";
import { runFleet } from "./run";

const USAGE = `usage: npm run fleet -- [--boards 100] [--broker mqtt://user:pass@host:port] [--duration 20]
                        [--restart-broker] [--down 5] [--period 5] [--json]
Without --broker, a mosquitto is started for the run on 127.0.0.1 (Debian's mosquitto).
--restart-broker (own broker only): stops it for --down seconds and starts it again, twice:
with the firmware's backoff jitter, then without.`;

function fail(text: string): never {
  process.stderr.write(text + "\n" + USAGE + "\n");
  process.exit(2);
}

function whole(text: string, name: string, min: number, max: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max) fail(`--${name}: a whole number ${min}..${max}`);
  return n;
}

function mosquittoVersion(): string {
  try {
    execFileSync(mosquittoBinary(), ["-h"], { stdio: ["ignore", "pipe", "pipe"] });
  } catch (e) {
    const m = /version (\S+)/.exec(String((e as { stdout?: Buffer }).stdout ?? ""));
    if (m) return m[1];
  }
  return "?";
}

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs({
      options: {
        boards: { type: "string", default: "100" },
        broker: { type: "string" },
        duration: { type: "string", default: "20" },
        "restart-broker": { type: "boolean" },
        down: { type: "string", default: "5" },
        period: { type: "string", default: "5" },
        json: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    }).values;
  } catch (e) {
    fail((e as Error).message);
  }
  if (args.help) {
    process.stdout.write(USAGE + "\n");
    return 0;
  }
  const boards = whole(args.boards!, "boards", 1, 5000);
  const duration = whole(args.duration!, "duration", 1, 3600);
  const down = whole(args.down!, "down", 1, 600);
  const period = whole(args.period!, "period", 1, 3600);
  if (args.broker && args["restart-broker"]) fail("--restart-broker: only with the fleet's own broker (no --broker)");
  let target: BrokerTarget;
  let mosquitto: Mosquitto | null = null;
  if (args.broker) {
    const parsed = parseBrokerUrl(args.broker);
    if (typeof parsed === "string") fail(parsed);
    if (parsed.tls) fail("--broker: the fleet connects over plain TCP (mqtt://)");
    target = parsed;
  } else {
    try {
      mosquitto = await startMosquitto({ noDelay: true });
    } catch (e) {
      process.stderr.write(`fleet: ${(e as Error).message}\n`);
      return 1;
    }
    target = { host: "127.0.0.1", port: mosquitto.port, tls: false };
  }
  const log = (line: string) => process.stdout.write(line + "\n");
  const tag = `f${process.pid.toString(36)}`;
  log(
    `fleet: ${boards} boards (the device program on the Node HAL, ${FLEET_BOARD} pins, an analog sensor every ${period} s and a relay), ` +
      `broker ${mosquitto ? `mosquitto ${mosquittoVersion()} started for this run on` : ""} ${target.host}:${target.port}, Node ${process.version}`,
  );
  let stopped = false;
  const cleanup = async () => {
    if (mosquitto && !stopped) {
      stopped = true;
      await mosquitto.stop();
    }
  };
  process.on("SIGINT", () => void cleanup().finally(() => process.exit(130)));
  try {
    const report = await runFleet({
      fleet: {
        boards,
        hostsOf: () => [target.host + ":" + target.port],
        username: target.username,
        password: target.password,
        base: "fleet-" + tag,
        prefix: "b",
        period,
      },
      monitorBrokers: [{ host: target.host, port: target.port }],
      duration,
      broker: mosquitto && args["restart-broker"] ? { stop: () => mosquitto!.terminate(), start: () => mosquitto!.restart() } : null,
      downSeconds: down,
      log,
    });
    log(report.ok ? "result: every board online at the end" : "result: some boards were left behind");
    if (args.json) log(JSON.stringify({ command: process.argv.slice(2).join(" "), node: process.version, ...report }));
    return report.ok ? 0 : 1;
  } finally {
    await cleanup();
  }
}

main().then(
  (code) => process.exit(code),
  (e) => {
    process.stderr.write(`fleet: ${(e as Error).stack ?? e}\n`);
    process.exit(1);
  },
);
