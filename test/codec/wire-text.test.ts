/**
 * The Espruino byte layer (firmware/wire/text.ts) on Node: the same packets
 * as the Node byte layer (firmware/wire/bytes.ts), byte for byte, both ways;
 * its framer on Strings cut and glued anyhow; an oversized PUBLISH skipped
 * with its packet id read on the way.
 */
import { strict as assert } from "node:assert";
import * as E from "../../base/errors";
import * as C from "../../firmware/mqtt/constants";
import type { Packet, ReceivedPacket } from "../../firmware/mqtt/packet";
import * as B from "../../firmware/wire/bytes";
import * as T from "../../firmware/wire/text";
import { fromWire, toWire } from "../../firmware/wire/text-codec";
import { byteString } from "../../scripts/support/bytes";
import { createRandom, runSeed } from "../../scripts/support/prng";
import { RECEIVED } from "../../scripts/support/vectors";

/** Espruino's E.toString and E.CRC32, which the Espruino byte layer calls. */
function crc32(s: string): number {
  let c = ~0;
  for (let i = 0; i < s.length; i++) {
    c ^= s.charCodeAt(i) & 0xff;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return ~c;
}
(globalThis as unknown as { E: unknown }).E = {
  toString: (u: Uint8Array) => Buffer.from(u.buffer, u.byteOffset, u.length).toString("latin1"),
  CRC32: crc32,
};

const latin1 = (u: Uint8Array) => Buffer.from(u.buffer, u.byteOffset, u.length).toString("latin1");

/** What the Node byte layer writes for an out-packet. */
function bytesOf(tx: Uint8Array, out: B.OutPacket): string | number {
  if (typeof out === "number") return out < 0 ? out : latin1(tx.subarray(0, out));
  return typeof out === "string" ? out : latin1(out);
}

const FIELDS: (keyof ReceivedPacket)[] = [
  "type",
  "qos",
  "retain",
  "dup",
  "packetId",
  "topicStart",
  "topicLength",
  "payloadStart",
  "payloadLength",
  "sessionPresent",
  "returnCode",
];

function pick(p: ReceivedPacket, type: number): Partial<ReceivedPacket> {
  const out: Partial<ReceivedPacket> = {};
  for (const f of FIELDS) {
    if (type !== C.PUBLISH && (f === "qos" || f === "retain" || f === "dup" || f.startsWith("topic") || f.startsWith("payload"))) continue;
    if (type !== C.CONNACK && type !== C.SUBACK && (f === "returnCode" || f === "sessionPresent")) continue;
    if (type === C.SUBACK && f === "sessionPresent") continue;
    (out as Record<string, unknown>)[f] = p[f];
  }
  return out;
}

describe("Espruino byte layer (8-bit Strings) against the Node one", () => {
  const tx = new Uint8Array(70000);

  it("encodes every packet a client sends byte for byte as the Uint8Array codec does", () => {
    const big = "x".repeat(20000);
    const bin = new Uint8Array(300).map((_, i) => i & 0xff);
    const cases: [string, (w: typeof B | typeof T) => B.OutPacket][] = [
      ["CONNECT minimal", (w) => w.connectPacket(tx, { clientId: "dev-1", cleanSession: true, keepalive: 60 })],
      [
        "CONNECT full",
        (w) =>
          w.connectPacket(tx, {
            clientId: "dev-1",
            cleanSession: false,
            keepalive: 30,
            username: "u",
            password: "p w",
            willTopic: "lab/dev-1/status",
            willPayload: "offline",
            willQos: 1,
            willRetain: true,
          }),
      ],
      ["CONNECT empty id without clean session", (w) => w.connectPacket(tx, { clientId: "", cleanSession: false, keepalive: 60 })],
      ["CONNECT password without user", (w) => w.connectPacket(tx, { clientId: "a", cleanSession: true, keepalive: 60, password: "p" })],
      ["PUBLISH QoS 0", (w) => w.publishPacket(tx, "lab/t", "21.5", 0, false, false, 0)],
      ["PUBLISH QoS 1 retained DUP", (w) => w.publishPacket(tx, "lab/t", "on", 1, true, true, 513)],
      ["PUBLISH QoS 2 binary payload", (w) => w.publishPacket(tx, "lab/b", bin, 2, false, false, 65535)],
      ["PUBLISH 20,000 bytes", (w) => w.publishPacket(tx, "lab/big", big, 1, false, false, 7)],
      ["PUBLISH empty payload", (w) => w.publishPacket(tx, "lab/e", "", 0, true, false, 0)],
      ["PUBLISH wildcard topic", (w) => w.publishPacket(tx, "lab/+", "x", 0, false, false, 0)],
      ["PUBLISH empty topic", (w) => w.publishPacket(tx, "", "x", 0, false, false, 0)],
      ["PUBLISH QoS 3", (w) => w.publishPacket(tx, "a", "x", 3, false, false, 1)],
      ["PUBLISH QoS 1 id 0", (w) => w.publishPacket(tx, "a", "x", 1, false, false, 0)],
      ["PUBLISH QoS 0 DUP", (w) => w.publishPacket(tx, "a", "x", 0, false, true, 0)],
      ["PUBACK", (w) => w.ackPacket(tx, C.PUBACK, 1)],
      ["PUBREC", (w) => w.ackPacket(tx, C.PUBREC, 258)],
      ["PUBREL", (w) => w.ackPacket(tx, C.PUBREL, 65535)],
      ["PUBCOMP", (w) => w.ackPacket(tx, C.PUBCOMP, 9)],
      ["ack of another type", (w) => w.ackPacket(tx, C.CONNACK, 9)],
      ["SUBSCRIBE", (w) => w.subscriptionPacket(tx, 10, "lab/+/set/#", 2)],
      ["UNSUBSCRIBE", (w) => w.subscriptionPacket(tx, 11, "lab/#", -1)],
      ["SUBSCRIBE bad filter", (w) => w.subscriptionPacket(tx, 12, "lab/#/x", 0)],
      ["PINGREQ", (w) => w.barePacket(tx, C.PINGREQ)],
      ["DISCONNECT", (w) => w.barePacket(tx, C.DISCONNECT)],
    ];
    for (const [name, make] of cases) {
      const want = bytesOf(tx, make(B));
      const got = make(T);
      assert.deepEqual(typeof got === "string" ? got : got, want, name);
    }
  });

  it("sends the same topic twice the same way, and a new topic after it (the kept topic field)", () => {
    const a = T.publishPacket(null, "lab/a", "1", 0, false, false, 0);
    const b = T.publishPacket(null, "lab/b", "1", 0, false, false, 0);
    assert.equal(T.publishPacket(null, "lab/a", "1", 0, false, false, 0), a);
    assert.notEqual(a, b);
    assert.equal(T.publishPacket(null, "lab/#", "1", 0, false, false, 0), E.E_INVALID_TOPIC, "a bad topic after a good one");
  });

  it("makes long packets on a new topic and on the kept one as the Node layer does (remaining lengths of 1 and 2 bytes)", () => {
    // "lab/t" is a 7-byte field: a QoS 1 packet's remaining length is the payload's + 9, QoS 0's + 7.
    for (const qos of [0, 1]) {
      for (const size of [118, 119, 120, 300, 16374, 16375, 16376, 16377]) {
        const payload = "p".repeat(size);
        const want = bytesOf(tx, B.publishPacket(tx, "lab/t", payload, qos, false, false, qos ? 300 : 0));
        T.publishPacket(null, "lab/other", "x", 0, false, false, 0);
        const first = T.publishPacket(null, "lab/t", payload, qos, false, false, qos ? 300 : 0);
        const again = T.publishPacket(null, "lab/t", payload, qos, false, false, qos ? 300 : 0);
        assert.deepEqual(first, want, "QoS " + qos + ", " + size + " bytes, a new topic");
        assert.deepEqual(again, want, "QoS " + qos + ", " + size + " bytes, the kept topic");
      }
    }
  });

  it("decodes every packet a client receives into the fields the Node layer gives", () => {
    let compared = 0;
    for (const v of RECEIVED) {
      const bytes = Uint8Array.from(v.bytes);
      const full = B.createReceived() as Packet;
      const rb = B.decodeReceived(full, bytes, 0, bytes.length);
      const p = T.createReceived();
      const rt = T.decodeReceived(p, byteString(bytes), 0, bytes.length);
      // Known and documented differences: the client sends one filter per SUBSCRIBE, so a
      // SUBACK has one code; topics are bytes on Espruino, not checked as UTF-8.
      if (full.type === C.SUBACK && full.codesCount !== 1) {
        assert.equal(rt, E.E_MALFORMED, v.name);
        continue;
      }
      if (rb === E.E_INVALID_UTF8) {
        assert.equal(rt, 0, v.name);
        continue;
      }
      assert.equal(rt, rb, v.name);
      if (rb === 0 || rb === E.E_SUBACK_FAILURE) {
        assert.deepEqual(pick(p, full.type), pick(full, full.type), v.name);
        if (full.type === C.PUBLISH) {
          assert.equal(T.receivedText(byteString(bytes), p.topicStart, p.topicLength), B.receivedText(bytes, full.topicStart, full.topicLength), v.name);
          assert.equal(
            T.receivedPayload(byteString(bytes), p.payloadStart, p.payloadLength),
            latin1(B.receivedPayload(bytes, full.payloadStart, full.payloadLength) as Uint8Array),
            v.name,
          );
        }
      }
      compared++;
    }
    assert.ok(compared > 10, "only " + compared + " vectors compared");
  });

  it("writes text as UTF-8 where strings are Unicode and reads it back the same", () => {
    const text = "21.5 °C ✓ 𝄞";
    const wire = toWire(text);
    assert.equal(wire, Buffer.from(text, "utf8").toString("latin1"));
    assert.equal(fromWire(wire), text);
    assert.equal(T.payloadText(wire), text);
    assert.equal(B.payloadText(new Uint8Array(Buffer.from(text, "utf8"))), text);
  });
});

describe("Espruino framer (8-bit Strings)", () => {
  interface Seen {
    packets: string[];
    oversized: [number, number][];
    /** How many packets came through onAck_ (type and id, written back as the packet's four bytes in `packets`). */
    acks: number;
  }
  function framer(max: number): { f: T.Framer; seen: Seen } {
    const seen: Seen = { packets: [], oversized: [], acks: 0 };
    const f = T.createFramer(max, {
      onPacket: (text: string, start: number, length: number) => seen.packets.push(text.substr(start, length)),
      onAck_: (type: number, id: number) => {
        seen.acks++;
        seen.packets.push(String.fromCharCode(type << 4, 2, id >> 8, id & 255));
      },
      onOversized: (first: number, id: number) => seen.oversized.push([first, id]),
    });
    return { f, seen };
  }
  const stream = RECEIVED.map((v) => byteString(Uint8Array.from(v.bytes)));
  const all = stream.join("");

  it("yields every received vector, all of them glued, cut in two at 400 places spread over the stream", function () {
    this.timeout(60000);
    const max = Math.max(...stream.map((s) => s.length));
    for (let cut = 0; cut <= all.length; cut += Math.max(1, Math.floor(all.length / 400))) {
      const { f, seen } = framer(max);
      assert.equal(T.pushReceived(f, all.slice(0, cut)), 0);
      assert.equal(T.pushReceived(f, all.slice(cut)), 0);
      assert.deepEqual(seen.packets, stream, "cut at " + cut);
    }
  });

  it("yields the same packets from chunks of random sizes (seeded)", function () {
    {
      const seed = runSeed();
      const rnd = createRandom(seed);
      const max = Math.max(...stream.map((s) => s.length));
      const { f, seen } = framer(max);
      for (let at = 0; at < all.length;) {
        const n = 1 + Math.floor(rnd() * 600);
        assert.equal(T.pushReceived(f, all.slice(at, at + n)), 0);
        at += n;
      }
      assert.deepEqual(seen.packets, stream, "seed " + seed);
    }
  });

  it("skips a PUBLISH over the limit with a 2,000-byte topic, reads its packet id on the way, and frames what follows", function () {
    {
      const seed = runSeed();
      const rnd = createRandom(seed);
      const topic = "fabmqtt/sim-1/set/" + "t".repeat(1982);
      const big = B.publishPacket(new Uint8Array(4), topic, "ON", 1, true, false, 4242) as Uint8Array;
      const ack = "\x40\x02\x00\x07";
      const text = latin1(big) + ack;
      const { f, seen } = framer(160);
      for (let at = 0; at < text.length;) {
        const n = 1 + Math.floor(rnd() * 300);
        assert.equal(T.pushReceived(f, text.slice(at, at + n)), 0);
        at += n;
      }
      assert.deepEqual(seen.oversized, [[0x33, 4242]], "seed " + seed);
      assert.deepEqual(seen.packets, [ack], "seed " + seed);
    }
  });

  it("hands PUBACK, PUBREC and PUBCOMP to onAck_ with their ids, and every other packet of four bytes to onPacket", () => {
    const { f, seen } = framer(100);
    const acks: [number, number][] = [];
    const g = T.createFramer(100, {
      onPacket: (text: string, start: number, length: number) => seen.packets.push(text.substr(start, length)),
      onAck_: (type: number, id: number) => acks.push([type, id]),
      onOversized: () => assert.fail("nothing here is oversized"),
    });
    // PUBACK 7, PUBREC 258, PUBCOMP 65535, then PUBREL, UNSUBACK and CONNACK (four bytes each), then a PUBACK with an id of 0.
    const text =
      "\x40\x02\x00\x07" + "\x50\x02\x01\x02" + "\x70\x02\xff\xff" + "\x62\x02\x00\x09" + "\xb0\x02\x00\x0a" + "\x20\x02\x00\x00" + "\x40\x02\x00\x00";
    for (let at = 0; at < text.length; at += 3) assert.equal(T.pushReceived(g, text.slice(at, at + 3)), 0);
    assert.deepEqual(acks, [
      [4, 7],
      [5, 258],
      [7, 65535],
      [4, 0],
    ]);
    assert.deepEqual(seen.packets, ["\x62\x02\x00\x09", "\xb0\x02\x00\x0a", "\x20\x02\x00\x00"]);
    assert.equal(T.pushReceived(f, "\x40\x02\x00\x07"), 0);
    assert.equal(seen.acks, 1);
  });

  it("reports a reserved type and a remaining length over 4 bytes, and keeps failing until reset", () => {
    const { f } = framer(100);
    assert.equal(T.pushReceived(f, "\xf0\x00"), E.E_UNKNOWN_TYPE);
    assert.equal(T.pushReceived(f, "\x40\x02\x00\x01"), E.E_UNKNOWN_TYPE);
    T.resetReceived(f);
    assert.equal(T.pushReceived(f, "\x30\xff\xff\xff\xff\x01"), E.E_BAD_REMAINING_LENGTH);
    T.resetReceived(f);
    const ok = framer(100);
    assert.equal(T.pushReceived(ok.f, "\xd0\x00"), 0);
    assert.deepEqual(ok.seen.packets, ["\xd0\x00"]);
  });
});
