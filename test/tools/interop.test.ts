/**
 * The interop suite of `npm run interop` (scripts/interop) against the two
 * brokers that start in a second: aedes in this process and Debian's
 * mosquitto (missing mosquitto fails the suite, it does not skip). RabbitMQ,
 * ActiveMQ and the three-node RabbitMQ cluster run in `npm run interop` only
 * (.ci/run does it after the tests). Also: the runner's own rules (a deviation counts only when the
 * broker documents it, a time limit ends a scenario, missing brokers fail the
 * run) and that a stopped broker leaves no process behind.
 */
import { strict as assert } from "node:assert";
import { aedesLauncher } from "../../scripts/interop/aedes-broker";
import type { BrokerLauncher, InteropBroker } from "../../scripts/interop/broker";
import { failures, formatMatrix, type Matrix } from "../../scripts/interop/matrix";
import { mosquittoLauncher } from "../../scripts/interop/mosquitto-broker";
import { waitForPort } from "../../scripts/interop/host";
import { familyOf, isAlive, spawnTracked, stopTracked } from "../../scripts/interop/processes";
import { runScenario, scenarioApplies, type Outcome, type Scenario } from "../../scripts/interop/scenario-context";
import { CLUSTER_SCENARIO } from "../../scripts/interop/scenario-cluster";
import { rabbitmqClusterLauncher } from "../../scripts/interop/rabbitmq-cluster";
import { SCENARIOS } from "../../scripts/interop/scenarios";

describe("interop suite (scripts/interop)", function () {
  this.timeout(120000);

  // Both brokers run the suite side by side (as npm run interop does); the tests read the outcomes.
  const launchers = [aedesLauncher, mosquittoLauncher];
  const brokers = new Map<string, InteropBroker>();
  const outcomes = new Map<string, Outcome>();
  before(async () => {
    await Promise.all(
      launchers.map(async (launcher) => {
        const broker = await launcher.start();
        brokers.set(launcher.name, broker);
        for (const s of SCENARIOS) outcomes.set(`${launcher.name} ${s.id}`, await runScenario(s, launcher, broker));
      }),
    );
  });
  after(async () => {
    await Promise.all([...brokers.values()].map((b) => b.stop()));
  });

  for (const launcher of launchers) {
    describe(`against ${launcher.name}`, () => {
      for (const s of SCENARIOS) {
        it(`${s.title}: pass`, () => {
          const o = outcomes.get(`${launcher.name} ${s.id}`)!;
          assert.equal(o.status, "pass", o.note);
        });
      }
      it("stops: its port refuses connections and no process of it is left", async () => {
        const broker = brokers.get(launcher.name)!;
        const pids = broker.pids();
        if (launcher === mosquittoLauncher) assert.ok(pids.length === 1 && pids.every(isAlive), "mosquitto runs as one process");
        await broker.stop();
        assert.deepEqual(pids.filter(isAlive), []);
        assert.equal(await waitForPort(broker.port, 0), false, `127.0.0.1:${broker.port} still accepts connections`);
      });
    });
  }

  describe("the runner's rules", () => {
    let broker: InteropBroker;
    const launcher: BrokerLauncher = { ...aedesLauncher, deviations: { "documented-key": { what: "a documented quirk", source: "its manual" } } };
    before(async () => {
      broker = await aedesLauncher.start();
    });
    after(() => broker.stop());

    const scenario = (run: Scenario["run"], limitMs = 5000): Scenario => ({ id: "rule", title: "rule", limitMs, run });

    it("records a deviation the broker documents as differs, with the documentation", async () => {
      const o = await runScenario(
        scenario(async (ctx) => ctx.differ("documented-key", "seen on the wire")),
        launcher,
        broker,
      );
      assert.equal(o.status, "differs");
      assert.match(o.note, /seen on the wire: a documented quirk \(its manual\)/);
    });
    it("fails on a deviation the broker does not document", async () => {
      const o = await runScenario(
        scenario(async (ctx) => ctx.differ("other-key", "seen on the wire")),
        launcher,
        broker,
      );
      assert.equal(o.status, "fail");
      assert.match(o.note, /not a deviation aedes documents/);
    });
    it("fails a scenario that runs past its limit, and closes its clients", async () => {
      let client: ReturnType<Parameters<Scenario["run"]>[0]["client"]> | null = null;
      const o = await runScenario(
        scenario(async (ctx) => {
          client = ctx.client();
          await new Promise(() => undefined);
        }, 300),
        launcher,
        broker,
      );
      assert.equal(o.status, "fail");
      assert.match(o.note, /limit/);
      assert.ok(o.ms < 2000);
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(client!.client.state(), 0, "the client was stopped");
    });
    it("runs the cluster scenario only against the cluster, and the cluster only for it", () => {
      assert.equal(scenarioApplies(CLUSTER_SCENARIO, rabbitmqClusterLauncher), true);
      assert.equal(scenarioApplies(CLUSTER_SCENARIO, mosquittoLauncher), false);
      assert.equal(scenarioApplies(SCENARIOS[0], rabbitmqClusterLauncher), false);
      assert.equal(scenarioApplies(SCENARIOS[0], mosquittoLauncher), true);
      assert.match(CLUSTER_SCENARIO.title, /RabbitMQ 3-node cluster/);
      assert.equal(rabbitmqClusterLauncher.alone, true);
    });
    it("counts failing and missing cells as failures", () => {
      const m: Matrix = {
        date: "",
        node: "",
        seconds: 1,
        scenarios: [SCENARIOS[0], SCENARIOS[1]],
        brokers: [
          {
            name: "a",
            version: "1",
            problem: null,
            startSeconds: 0,
            cells: { [SCENARIOS[0].id]: { status: "pass", note: "", ms: 1 }, [SCENARIOS[1].id]: { status: "differs", note: "why", ms: 1 } },
          },
          {
            name: "b",
            version: "?",
            problem: "not installed",
            startSeconds: null,
            cells: { [SCENARIOS[0].id]: { status: "missing", note: "x", ms: 0 }, [SCENARIOS[1].id]: { status: "fail", note: "y", ms: 0 } },
          },
        ],
      };
      assert.equal(failures(m), 2);
      const text = formatMatrix(m);
      assert.match(text, /differs \[1\]/);
      assert.match(text, /FAIL \[2\]/);
      assert.match(text, /b: not installed/);
    });
  });

  describe("processes", () => {
    it("stops a process, its group and a descendant in a group of its own, by PID", async () => {
      // A shell (the leader), a sleep in its group, and one that setsid moved to a new session.
      const child = spawnTracked("sh", ["-c", "sleep 30 & setsid sleep 30 & wait"], { stdio: "ignore" });
      const deadline = Date.now() + 5000;
      while (familyOf(child.pid!).length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      const family = familyOf(child.pid!);
      assert.equal(family.length, 3, `family: ${family.join(" ")}`);
      await stopTracked(child, 500);
      assert.deepEqual(family.filter(isAlive), []);
    });
  });
});
