/** The session's pure parts: topic matching, backoff, packet ids, the outbox. */
import { strict as assert } from "node:assert";
import { E_QUEUE_FULL } from "../firmware/errors";
import { backoffDelay } from "../firmware/session/backoff";
import * as O from "../firmware/session/outbox";
import { nextPacketId } from "../firmware/session/packet-id";
import { topicMatches } from "../firmware/session/topic";
import { elapsed } from "../firmware/time";

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

describe("nextPacketId", () => {
  it("counts up, wraps 65535 to 1, never gives 0 and skips ids in use", () => {
    assert.equal(nextPacketId(0, () => false), 1);
    assert.equal(nextPacketId(65535, () => false), 1);
    assert.equal(nextPacketId(65534, (id) => id === 65535), 1);
    assert.equal(nextPacketId(65535, (id) => id === 1 || id === 2), 3);
    assert.equal(nextPacketId(5, () => true), 0);
  });
});

describe("elapsed", () => {
  it("never goes negative when the clock steps back", () => {
    assert.equal(elapsed(100, 250), 150);
    assert.equal(elapsed(250, 100), 0);
  });
});

describe("outbox", () => {
  it("holds at most its capacity and keeps publish order", () => {
    const o = O.createOutbox(3, 2);
    const seqs = [O.outboxAdd(o, "a", "1", 1, false), O.outboxAdd(o, "b", "2", 2, false), O.outboxAdd(o, "c", "3", 1, true)];
    assert.deepEqual(seqs, [1, 2, 3]);
    assert.equal(O.outboxAdd(o, "d", "4", 1, false), E_QUEUE_FULL);
    O.outboxFree(o, 0);
    assert.equal(O.outboxAdd(o, "d", "4", 1, false), 4); // takes slot 0
    const n = O.outboxOrder(o, -1);
    assert.deepEqual(o.order.slice(0, n).map((i) => o.topic[i]), ["b", "c", "d"]);
  });
  it("tracks the slots in flight and finds them by id", () => {
    const o = O.createOutbox(4, 2);
    O.outboxAdd(o, "a", "1", 1, false);
    O.outboxAdd(o, "b", "2", 2, false);
    O.outboxStart(o, 0, 7);
    O.outboxStart(o, 1, 8);
    assert.equal(o.inFlight, 2);
    assert.equal(o.state[0], O.SLOT_AWAIT_PUBACK);
    assert.equal(o.state[1], O.SLOT_AWAIT_PUBREC);
    assert.equal(O.outboxFind(o, 8), 1);
    assert.equal(O.outboxFind(o, 9), -1);
    O.outboxFree(o, 1);
    assert.equal(o.inFlight, 1);
    assert.equal(o.count, 1);
    assert.equal(O.outboxIdInUse(o, 8), false);
  });
});
