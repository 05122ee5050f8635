/** The session's pure parts: topic matching, backoff, the outbox. */
import { strict as assert } from "node:assert";
import { E_QUEUE_FULL } from "../../base/errors";
import { backoffDelay } from "../../firmware/session/backoff";
import * as O from "../../firmware/session/outbox";
import { topicMatches } from "../../firmware/session/topic";

describe("topicMatches", () => {
  const cases: [string, string, boolean][] = [
    ["a/b", "a/b", true],
    ["a/b", "a/bc", false],
    ["a/b", "a", false],
    ["a/+", "a/b", true],
    ["a/+", "a/", true],
    ["a/+", "a/b/c", false],
    ["+/+", "/x", true],
    ["a/+/c", "a/b/c", true],
    ["a/+/c", "a/b/d", false],
    ["#", "a/b/c", true],
    ["a/#", "a", true],
    ["a/#", "a/b/c", true],
    ["a/#", "ab", false],
    ["+/#", "a", true],
    ["sport/tennis/+", "sport/tennis/player1", true],
    ["sport/+", "sport", false],
    ["#", "$SYS/broker", false],
    ["+/broker", "$SYS/broker", false],
    ["$SYS/#", "$SYS/broker", true],
  ];
  for (const [filter, topic, expected] of cases) {
    it(`${filter} ${expected ? "matches" : "does not match"} ${topic}`, () => assert.equal(topicMatches(filter, topic), expected));
  }
});

describe("backoffDelay", () => {
  it("doubles from the base up to the cap, with jitter between half and all of it", () => {
    const lows = [0, 1, 2, 3, 4, 5, 10].map((a) => backoffDelay(a, 1000, 16000, 0));
    const highs = [0, 1, 2, 3, 4, 5, 10].map((a) => backoffDelay(a, 1000, 16000, 0.999999));
    assert.deepEqual(lows, [500, 1000, 2000, 4000, 8000, 8000, 8000]);
    assert.deepEqual(highs, [999, 1999, 3999, 7999, 15999, 15999, 15999]);
  });
});

describe("outbox", () => {
  it("holds at most its capacity and finds the oldest in publish order", () => {
    const o = O.createOutbox(3);
    const seqs = [O.outboxAdd(o, "a", "1", 1, false), O.outboxAdd(o, "b", "2", 2, false), O.outboxAdd(o, "c", "3", 1, true)];
    assert.deepEqual(seqs, [1, 2, 3]);
    assert.equal(O.outboxAdd(o, "d", "4", 1, false), E_QUEUE_FULL);
    O.outboxFree(o, 0);
    assert.equal(O.outboxAdd(o, "d", "4", 1, false), 4); // takes slot 0
    assert.equal(o.topicOf[O.outboxOldest(o, false)], "b");
    assert.equal(o.slots[2] & O.F_RETAIN, O.F_RETAIN);
    assert.equal(o.slots[0] & O.F_RETAIN, 0);
    assert.equal((o.slots[1] >> O.QOS_SHIFT) & 3, 2, "the QoS is kept with the state");
    o.slots[1] = (o.slots[1] & ~O.M_STATE) | O.SLOT_AWAIT_PUBREC;
    // The counters the client keeps with each change of state (outboxOldest trusts them).
    o.inFlightCount = 1;
    o.unsent = 1;
    assert.equal(o.topicOf[O.outboxOldest(o, false)], "c", "a slot in flight is no longer queued");
    assert.equal(o.topicOf[O.outboxOldest(o, true)], "b", "in flight and not sent on this connection");
    o.slots[1] |= O.F_SENT;
    o.unsent = 0;
    assert.equal(O.outboxOldest(o, true), -1);
  });
  it("orders by sequence number across its wrap", () => {
    const o = O.createOutbox(2);
    o.nextSeq = 0x7fffffff;
    assert.equal(O.outboxAdd(o, "old", "1", 1, false), 0x7fffffff);
    assert.equal(O.outboxAdd(o, "new", "2", 1, false), 1);
    assert.equal(o.topicOf[O.outboxOldest(o, false)], "old");
  });
  it("starts messages in publish order however slots free up, and after a restore", () => {
    const o = O.createOutbox(4);
    const started: string[] = [];
    const startOldest = () => {
      const slot = O.outboxOldest(o, false);
      started.push(o.topicOf[slot]);
      O.outboxStart(o, slot);
      return slot;
    };
    for (const t of ["a", "b", "c"]) O.outboxAdd(o, t, "x", 1, false);
    const a = startOldest();
    const b = startOldest();
    O.outboxFree(o, b); // acked out of order: a free slot before the queued "c"
    O.outboxAdd(o, "d", "x", 1, false); // takes b's slot, a lower index than c's
    startOldest();
    O.outboxFree(o, a);
    O.outboxAdd(o, "e", "x", 1, false);
    startOldest();
    startOldest();
    assert.deepEqual(started, ["a", "b", "c", "d", "e"]);
    // Slots written directly, as a saved session is read back: the oldest queued starts first.
    const r = O.createOutbox(3);
    const slots = O.outboxSlots(r);
    for (const [i, seq] of [
      [0, 9],
      [1, 7],
      [2, 8],
    ]) {
      slots[i] = O.SLOT_QUEUED | (1 << O.QOS_SHIFT);
      slots[O.AT_SEQ * r.size + i] = seq;
      r.topicOf[i] = "s" + seq;
    }
    r.usedCount = 3;
    r.nextSeq = 10;
    O.outboxRestored(r);
    assert.equal(r.topicOf[O.outboxOldest(r, false)], "s7");
  });
  it("finds the slots in flight by id and keeps the counters when freed", () => {
    const o = O.createOutbox(4);
    O.outboxAdd(o, "a", "1", 1, false);
    O.outboxAdd(o, "b", "2", 2, false);
    o.slots[0] = (o.slots[0] & ~O.M_STATE) | O.SLOT_AWAIT_PUBACK;
    o.slots[O.AT_ID * o.size + 0] = 7;
    o.slots[1] = (o.slots[1] & ~O.M_STATE) | O.SLOT_AWAIT_PUBREC;
    o.slots[O.AT_ID * o.size + 1] = 8;
    o.inFlightCount = 2;
    o.unsent = 2;
    assert.equal(O.outboxFindId(o, 8), 1);
    assert.equal(O.outboxFindId(o, 9), -1);
    O.outboxFree(o, 1);
    assert.equal(o.inFlightCount, 1);
    assert.equal(o.unsent, 1);
    assert.equal(o.usedCount, 1);
    assert.equal(O.outboxFindId(o, 8), -1);
    assert.equal(o.topicOf[1], undefined, "a freed slot keeps no text");
  });
});
