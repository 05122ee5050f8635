/**
 * Power cuts: a sender with a persistent session (persistSession, file
 * Storage) runs in its own process and is killed with SIGKILL at random
 * moments, then started again on the same Storage directory, against a real
 * mosquitto; a receiver stays up. Every message the sender had reported safe
 * ("durable") must arrive: QoS 1 at least once, QoS 2 exactly once; no QoS 2
 * message may arrive twice, durable or not. FABMQTT_POWER_CUTS sets the number
 * of kill points (default 10), FABMQTT_SEED replays the kill times.
 */
import { strict as assert } from "node:assert";
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ST_CONNECTED } from "../../firmware/session/client";
import { closeLiveClients, startLiveClient, waitFor } from "../../scripts/support/live-client";
import { startMosquitto, type Mosquitto } from "../../scripts/support/mosquitto";
import { createRandom, runSeed } from "../../scripts/support/prng";

const CHILD = path.join(import.meta.dirname, "..", "support", "power-cut-child.ts");
const ROUND = 1_000_000;

function startSender(port: number, dir: string, first: string, lines: string[]): ChildProcess {
  const child = spawn(process.execPath, ["--import", "tsx", CHILD, String(port), dir, first], { stdio: ["ignore", "pipe", "inherit"] });
  let rest = "";
  child.stdout!.on("data", (d) => {
    const parts = (rest + String(d)).split("\n");
    rest = parts.pop()!;
    lines.push(...parts);
  });
  return child;
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.on("exit", () => resolve())));
}

describe("power cuts with a persistent session", function () {
  this.timeout(180000);
  let broker: Mosquitto;
  let dir: string;
  before(async () => {
    broker = await startMosquitto();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "fabmqtt-power-"));
  });
  after(async () => {
    closeLiveClients();
    await broker.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("loses no durable message and duplicates no QoS 2 message at any kill point", async () => {
    const cuts = Number(process.env.FABMQTT_POWER_CUTS || 10);
    const seed = runSeed();
    const random = createRandom(seed);
    const got = new Map<number, number>();
    const receiver = startLiveClient(broker.port, {
      clientId: "power-cut-receiver",
      onMessage: (m) => {
        const n = Number(Buffer.from(m.payload).toString());
        got.set(n, (got.get(n) || 0) + 1);
      },
    });
    receiver.client.subscribe("pc/#", 2);
    await waitFor(() => receiver.client.state() === ST_CONNECTED && receiver.subacks.length === 1, "receiver subscribed");

    const durable: number[] = [];
    const killedAfter: number[] = [];
    for (let k = 0; k < cuts; k++) {
      const lines: string[] = [];
      const child = startSender(broker.port, dir, String((k + 1) * ROUND), lines);
      // Kill at a random moment once the process runs (its first line shows it is up).
      await waitFor(() => lines.length > 0 || child.exitCode !== null, "sender " + k + " running", 20000);
      const wait = Math.floor(50 + random() * 700);
      await new Promise((r) => setTimeout(r, wait));
      child.kill("SIGKILL");
      await exited(child);
      killedAfter.push(wait);
      let last = -1;
      for (const l of lines) if (l.startsWith("durable ")) last = Number(l.slice(8));
      durable.push(last);
    }
    const lines: string[] = [];
    const drainer = startSender(broker.port, dir, "drain", lines);
    await waitFor(() => lines.includes("drained"), "the last sender drained its session", 30000);
    drainer.kill("SIGKILL");
    await exited(drainer);
    await new Promise((r) => setTimeout(r, 500));

    const lost: number[] = [];
    let safe = 0;
    for (let k = 0; k < cuts; k++) {
      for (let n = (k + 1) * ROUND; n <= durable[k]; n++) {
        safe++;
        if (!got.has(n)) lost.push(n);
      }
    }
    const qos2Twice = [...got].filter(([n, c]) => n % 2 === 1 && c > 1).map(([n]) => n);
    const qos1Again = [...got].filter(([n, c]) => n % 2 === 0 && c > 1).length;
    console.log(
      `      seed ${seed}: ${cuts} kill points (ms after start: ${killedAfter.join(", ")}); ` +
        `${safe} messages durable before a kill, ${got.size} received, ${lost.length} lost, ` +
        `${qos2Twice.length} QoS 2 duplicates, ${qos1Again} QoS 1 received again`,
    );
    assert.ok(safe > 0, "some messages were durable before a kill");
    assert.deepEqual(lost, [], "durable messages lost (seed " + seed + ")");
    assert.deepEqual(qos2Twice, [], "QoS 2 messages received twice (seed " + seed + ")");
  });
});
