/**
 * `npm run soak -- --short` as CI runs it: QoS 1 and 2 messages between two
 * fabmqtt clients through the fault proxy and a mosquitto SIGKILLed twice.
 * The script's own verdict must pass, and the figures must show the faults
 * really happened. Needs mosquitto (fails without it). FABMQTT_SEED replays a
 * run's fault decisions.
 */
import { strict as assert } from "node:assert";
import { spawn } from "node:child_process";
import path from "node:path";
import { mosquittoBinary } from "../../scripts/support/mosquitto";

const ROOT = path.join(import.meta.dirname, "..", "..");

/** Runs the soak with `args`; resolves with its exit code, stdout and stderr. */
function runSoakScript(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", path.join(ROOT, "scripts", "soak", "index.ts"), ...args], { cwd: ROOT });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.on("close", (code) => resolve({ code, out, err }));
  });
}

describe("npm run soak -- --short", function () {
  this.timeout(180000);

  it("loses no message the broker had not acknowledged, delivers no QoS 2 message twice under one id, through resets and two SIGKILLs", async () => {
    mosquittoBinary(); // throws with the install command when mosquitto is missing
    const args = ["--short", "--json"];
    if (process.env.FABMQTT_SEED) args.push("--seed", process.env.FABMQTT_SEED);
    const { code, out, err } = await runSoakScript(args);
    const lines = out.trim().split("\n");
    let r;
    try {
      r = JSON.parse(lines[lines.length - 1]);
    } catch {
      assert.fail(`the soak printed no JSON last (exit ${code}):\n${out}\n${err}`);
    }
    const table = lines.slice(0, -1).join("\n");
    const { qos1, qos2 } = r.verdict;
    console.log(
      `      seed ${r.seed}: ${qos1.received}+${qos2.received} received of ${qos1.sent}+${qos2.sent}; broker-side losses ${qos1.lostBrokerAcked + qos1.lostBrokerRunning}+${qos2.lostBrokerAcked + qos2.lostBrokerRunning}; QoS 1 duplicates ${qos1.duplicates}; ${r.proxy.resets} resets; ${(r.durationMs / 1000).toFixed(1)} s`,
    );
    assert.equal(code, r.passed ? 0 : 1, "the exit code follows the verdict");
    assert.deepEqual(r.verdict.failures, [], `seed ${r.seed} failed:\n${table}`);
    assert.equal(code, 0);
    for (const q of [qos1, qos2]) {
      assert.equal(q.sent, r.options.perQos, "every message acknowledged to the sender");
      assert.equal(q.lostClientSide, 0);
      assert.equal(q.corrupted, 0);
      assert.equal(q.received + q.lost, q.published);
    }
    assert.equal(qos2.duplicatesSameId, 0);
    // The faults happened: two SIGKILLs, resets (mid-frame ones too) near the asked rate, reconnects on both sides.
    assert.equal(r.kills, 2);
    assert.ok(r.proxy.resetsMidFrame > 0, "no reset fell inside a packet");
    const perReset = r.packetsUnderFaults / r.proxy.resets;
    assert.ok(perReset > 100 && perReset < 400, `one reset per ${perReset} packets`);
    assert.ok(r.reconnects.sender > 10 && r.reconnects.receiver > 10, `reconnects ${JSON.stringify(r.reconnects)}`);
    assert.ok(r.completed);
  });

  it("rejects an unknown argument with exit code 2", async () => {
    const { code, err } = await runSoakScript(["--nonsense"]);
    assert.equal(code, 2);
    assert.match(err, /unknown argument --nonsense/);
  });
});
