/**
 * `npm run fleet` (scripts/fleet): the boards' configuration, the figures'
 * arithmetic, a small fleet through a broker restart on a real mosquitto,
 * and the command line with its JSON object last.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { findBoard } from "../../boards/index";
import { toDeviceBoard } from "../../boards/device-view";
import { checkConfig } from "../../firmware/app/config";
import { fleetConfig, FLEET_BOARD, peakPerSecond, perSecond, type FleetOptions } from "../../scripts/fleet/boards";
import { percentile } from "../../scripts/fleet/monitor";
import { runFleet } from "../../scripts/fleet/run";
import { startMosquitto, type Mosquitto } from "../../scripts/support/mosquitto";

const options = (hosts: string[]): FleetOptions => ({ boards: 3, hostsOf: () => hosts, base: "fleet", prefix: "b", period: 5 });

describe("fleet: configuration and figures", () => {
  it("gives each board a configuration the firmware accepts: one broker, or several as broker.hosts", () => {
    const board = toDeviceBoard(findBoard(FLEET_BOARD)!);
    const one = fleetConfig(options(["127.0.0.1:1883"]), 2);
    assert.equal(checkConfig(one, board), "");
    assert.deepEqual([one.device, one.broker.host, one.broker.port, one.broker.hosts], ["b2", "127.0.0.1", 1883, undefined]);
    const three = fleetConfig(options(["127.0.0.1:1", "127.0.0.1:2", "127.0.0.1:3"]), 0);
    assert.equal(checkConfig(three, board), "");
    assert.deepEqual(three.broker.hosts, ["127.0.0.1:1", "127.0.0.1:2", "127.0.0.1:3"]);
    assert.equal(three.broker.host, undefined);
  });

  it("counts the most events within any one second, and events per second", () => {
    assert.equal(peakPerSecond([]), 0);
    // 0.9 s apart counts together; 1.0 s apart does not.
    assert.equal(peakPerSecond([1000, 1900, 2000, 2500, 2899]), 4);
    assert.equal(peakPerSecond([0, 1000, 2000]), 1);
    assert.equal(peakPerSecond([100, 200, 5000], 4000), 1);
    assert.deepEqual(perSecond([1000, 1500, 2999, 3000, 9000], 1000, 3), [2, 1, 1]);
  });

  it("takes percentiles by nearest rank", () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i);
    assert.equal(percentile(values, 50), 50);
    assert.equal(percentile(values, 99), 99);
    assert.equal(percentile([7], 99), 7);
    assert.ok(Number.isNaN(percentile([], 50)));
  });
});

describe("fleet: boards on a real mosquitto", function () {
  this.timeout(60000);
  let broker: Mosquitto;
  before(async () => {
    broker = await startMosquitto({ noDelay: true });
  });
  after(async () => {
    await broker.stop();
  });

  it("brings 20 boards online, answers commands, and has them all back after a broker restart", async () => {
    const lines: string[] = [];
    const report = await runFleet({
      fleet: { boards: 20, hostsOf: () => ["127.0.0.1:" + broker.port], base: "fleet-test", prefix: "t", period: 1 },
      monitorBrokers: [{ host: "127.0.0.1", port: broker.port }],
      duration: 5,
      broker: { stop: () => broker.terminate(), start: () => broker.restart() },
      downSeconds: 1,
      rounds: [true],
      log: (line) => lines.push(line),
    });
    assert.equal(report.ok, true, lines.join("\n"));
    assert.ok(report.secondsUntilAllOnline !== null);
    assert.equal(report.steady.online, 20);
    // 20 boards, one reading a second each.
    assert.ok(report.steady.telemetryPerSecond >= 14 && report.steady.telemetryPerSecond <= 24, String(report.steady.telemetryPerSecond));
    assert.ok(report.steady.commandsSent > 0);
    assert.equal(report.steady.commandsAnswered, report.steady.commandsSent);
    // Measured in this shared test process, the heap can shrink while the boards start (earlier tests'
    // sockets are freed): the figure is taken and printed; its size is npm run fleet's, in a process of its own.
    assert.ok(Number.isFinite(report.memoryPerBoard.heapBytes));
    assert.ok(
      lines.some((l) => l.startsWith("memory per board in Node: ")),
      lines.join("\n"),
    );
    assert.equal(report.restarts.length, 1);
    const r = report.restarts[0];
    assert.equal(r.leftBehind, 0);
    assert.ok(r.secondsUntilAllBack! >= 1, "not back before the broker was");
    // Every board tried at least once while the broker was down, and connected once after.
    assert.ok(r.peakAttemptsPerSecond >= 1 && r.attemptsPerSecond.reduce((a, b) => a + b, 0) >= 20);
    assert.ok(r.peakConnectsPerSecond >= 1 && r.peakConnectsPerSecond <= 20);
    assert.equal(report.onlineAfterRestart, 20);
  });
});

describe("fleet: npm run fleet", function () {
  this.timeout(60000);

  function run(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
    return new Promise((resolve) => {
      const c = spawn(process.execPath, ["--import", "tsx", "scripts/fleet/index.ts", ...args], { stdio: ["ignore", "pipe", "pipe"] });
      let out = "";
      let err = "";
      c.stdout!.on("data", (d) => (out += d));
      c.stderr!.on("data", (d) => (err += d));
      c.on("exit", (code) => resolve({ code, out, err }));
    });
  }

  it("runs its own mosquitto and prints one JSON object last", async () => {
    const r = await run(["--boards", "5", "--duration", "2", "--json"]);
    assert.equal(r.code, 0, r.out + r.err);
    const lines = r.out.trim().split("\n");
    assert.match(lines[0], /^fleet: 5 boards .* mosquitto/);
    const json = JSON.parse(lines[lines.length - 1]);
    assert.equal(json.boards, 5);
    assert.equal(json.steady.online, 5);
    assert.deepEqual(json.restarts, []);
    assert.equal(json.ok, true);
    // In a process of its own, what the boards hold is heap the run took.
    assert.ok(json.memoryPerBoard.heapBytes > 0, JSON.stringify(json.memoryPerBoard));
  });

  it("refuses --restart-broker with a broker of someone else's, and a bad number", async () => {
    const a = await run(["--broker", "mqtt://127.0.0.1:1883", "--restart-broker"]);
    assert.equal(a.code, 2);
    assert.match(a.err, /--restart-broker: only with the fleet's own broker/);
    const b = await run(["--boards", "0"]);
    assert.equal(b.code, 2);
    assert.match(b.err, /--boards: a whole number 1\.\.5000/);
  });
});
