/**
 * Persistent sessions (persistSession): what is written to Storage, when, and
 * what a client created again from it (after a power cut) sends. Network-free:
 * a scripted broker on a fake net, a manual clock, Storage in memory.
 */
import { strict as assert } from "node:assert";
import * as E from "../../base/errors";
import { ST_CONNECTED } from "../../firmware/session/client";
import { createMemoryStorage } from "../../hal/node/storage";
import type { Storage } from "../../hal/types";
import { createRig } from "../support/client-rig";

function countingStorage() {
  const inner = createMemoryStorage();
  let writes = 0;
  const storage: Storage = {
    read: (name) => inner.read(name),
    write: (name, text) => {
      writes++;
      return inner.write(name, text);
    },
    erase: (name) => inner.erase(name),
  };
  return { storage, files: inner.files, writes: () => writes };
}

const FILE = "session";

function persistentRig(storage: Storage, over: Parameters<typeof createRig>[0] = {}) {
  return createRig({ cleanSession: false, queueSize: 16, inflightWindow: 4, persistSession: { storage, name: FILE, intervalMs: 2000 }, ...over });
}

describe("client: persistent session", () => {
  it("writes at most once per interval while messages wait, not once per message", () => {
    const s = countingStorage();
    const rig = persistentRig(s.storage);
    rig.broker.script.ackPublishes = false;
    rig.connect();
    for (let i = 0; i < 12; i++) assert.ok(rig.client.publish("t/1", "m" + i, 1, false) > 0);
    rig.advance(1500);
    assert.equal(s.writes(), 0, "nothing written before the interval");
    assert.equal(rig.client.stats().durableSeq, 0);
    rig.advance(1000);
    assert.equal(s.writes(), 1, "one write for twelve messages");
    assert.equal(rig.client.stats().durableSeq, 12);
    rig.advance(10000);
    assert.equal(s.writes(), 1, "no write while nothing changes");
  });

  it("sends again, with DUP and the same ids, what was in flight when the power went, and what was queued", () => {
    const s = countingStorage();
    const rig = persistentRig(s.storage);
    rig.broker.script.ackPublishes = false;
    rig.connect();
    for (let i = 0; i < 6; i++) rig.client.publish("t/" + (i % 2 ? 2 : 1), "m" + i, i % 2 ? 2 : 1, i === 0);
    rig.run();
    const first = rig.net.last.packets("publish");
    assert.equal(first.length, 4, "the window");
    rig.advance(2100);
    assert.equal(s.writes(), 1);

    // Power cut: a new client on the same Storage, nothing else kept.
    const after = persistentRig(s.storage);
    after.broker.script.sessionPresent = true;
    after.connect();
    after.run();
    const again = after.net.last.packets("publish");
    assert.deepEqual(
      again.map((p) => [String(p.payload), p.qos, p.dup, p.retain]),
      [
        ["m0", 1, true, true],
        ["m1", 2, true, false],
        ["m2", 1, true, false],
        ["m3", 2, true, false],
        ["m4", 1, false, false],
        ["m5", 2, false, false],
      ],
    );
    assert.deepEqual(
      again.slice(0, 4).map((p) => p.messageId),
      first.map((p) => p.messageId),
      "same packet ids",
    );
    after.advance(300); // QoS 2: PUBREL goes once "PUBREC received" is written
    assert.equal(after.client.stats().inFlight + after.client.stats().queued, 0, "all acknowledged");
  });

  it("holds PUBREL until the state past PUBREC is written, then resends PUBREL (not PUBLISH) after a power cut", () => {
    const s = countingStorage();
    const rig = persistentRig(s.storage);
    rig.connect();
    rig.broker.script.ackPublishes = false;
    rig.client.publish("t/2", "two", 2, false);
    rig.net.flush();
    const c = rig.net.last;
    const id = c.packets("publish")[0].messageId;
    c.send({ cmd: "pubrec", messageId: id });
    rig.net.flush();
    assert.equal(c.packets("pubrel").length, 0, "held");
    assert.equal(s.writes(), 0);
    rig.advance(100);
    assert.equal(s.writes(), 1, "written at the next tick, not after the interval");
    assert.deepEqual(
      c.packets("pubrel").map((p) => p.messageId),
      [id],
      "then sent",
    );

    const after = persistentRig(s.storage);
    after.broker.script.sessionPresent = true;
    after.connect();
    after.run();
    const d = after.net.last;
    assert.equal(d.packets("publish").length, 0, "no PUBLISH: the broker has it");
    assert.deepEqual(
      d.packets("pubrel").map((p) => p.messageId),
      [id],
    );
    assert.equal(after.client.state(), ST_CONNECTED);
  });

  it("writes an inbound QoS 2 id before its PUBREC, so a resend after a power cut is not delivered again", () => {
    const s = countingStorage();
    const rig = persistentRig(s.storage);
    rig.connect();
    rig.net.last.send({ cmd: "publish", topic: "in/2", payload: Buffer.from("once"), qos: 2, messageId: 31 });
    rig.net.flush();
    assert.equal(rig.messages.length, 1);
    assert.equal(s.writes(), 1, "written before PUBREC");
    assert.deepEqual(
      rig.net.last.packets("pubrec").map((p) => p.messageId),
      [31],
    );

    const after = persistentRig(s.storage);
    after.broker.script.sessionPresent = true;
    after.connect();
    after.net.last.send({ cmd: "publish", topic: "in/2", payload: Buffer.from("once"), qos: 2, messageId: 31, dup: true });
    after.net.last.send({ cmd: "pubrel", messageId: 31 });
    after.run();
    assert.equal(after.messages.length, 0, "not delivered twice");
    assert.deepEqual(
      after.net.last.packets("pubrec").map((p) => p.messageId),
      [31],
    );
    assert.deepEqual(
      after.net.last.packets("pubcomp").map((p) => p.messageId),
      [31],
    );
  });

  it("keeps binary payloads byte for byte and the sequence numbers going", () => {
    const s = countingStorage();
    const rig = persistentRig(s.storage);
    const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);
    assert.equal(rig.client.publish("t/bin", bytes, 1, false), 1);
    assert.equal(rig.client.publish("t/text", "h\u00e9\u4e16", 1, false), 2);
    rig.client.stop();
    assert.equal(s.writes(), 1, "stop() writes what changed");
    const after = persistentRig(s.storage);
    after.connect();
    after.run();
    const sent = after.net.last.packets("publish");
    assert.deepEqual([...sent[0].payload], [...bytes]);
    assert.equal(Buffer.from(sent[1].payload).toString("utf8"), "h\u00e9\u4e16");
    assert.equal(after.client.publish("t/x", "next", 1, false), 3, "sequence numbers continue");
  });

  it("writes ASCII only, so Storage that keeps bytes (8-bit files, flash) keeps every character", () => {
    const s = countingStorage();
    const rig = persistentRig(s.storage);
    rig.client.publish("t/\u00e9", "h\u00e9\u4e16\ud83d\ude00", 1, false);
    rig.client.stop();
    const text = s.files.get(FILE) as string;
    assert.ok(
      [...text].every((ch) => ch.charCodeAt(0) < 0x7f),
      text,
    );
    const latin1 = createMemoryStorage();
    latin1.write(FILE, Buffer.from(text, "latin1").toString("latin1"));
    const after = persistentRig(latin1);
    after.connect();
    after.run();
    const p = after.net.last.packets("publish")[0];
    assert.equal(p.topic, "t/\u00e9");
    assert.equal(Buffer.from(p.payload).toString("utf8"), "h\u00e9\u4e16\ud83d\ude00");
  });

  it("reports a file that is not a saved session and starts empty", () => {
    const s = countingStorage();
    s.storage.write(FILE, "{not json");
    const rig = persistentRig(s.storage);
    assert.deepEqual(rig.errors, [E.E_STORAGE_FAILED]);
    assert.equal(rig.client.stats().queued, 0);
  });
});
