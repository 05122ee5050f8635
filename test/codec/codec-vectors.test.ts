/**
 * Every hand-written vector checked four ways: fabmqtt's encoder gives the
 * bytes, fabmqtt's decoder gives the packet, a round trip keeps it, and
 * mqtt-packet (an independent codec) agrees on both sides.
 */
import { strict as assert } from "node:assert";
import mqtt from "mqtt-packet";
import { decodePacket } from "../../firmware/mqtt/decode";
import { encodeAck, encodePublish } from "../../firmware/mqtt/encode";
import { publishPayloadBytes, publishTopic, subackCode } from "../../firmware/mqtt/fields";
import { createPacket, type Packet } from "../../firmware/mqtt/packet";
import * as C from "../../firmware/mqtt/constants";
import { hex } from "../../scripts/support/bytes";
import { VECTORS, type Vector } from "../../scripts/support/vectors";

/** mqtt-packet's parse of one buffer: the packets it emitted, or the error. */
function oracleParse(bytes: Uint8Array): Record<string, unknown>[] {
  const parser = mqtt.parser({ protocolVersion: 4 });
  const out: Record<string, unknown>[] = [];
  let error: Error | undefined;
  parser.on("packet", (p) => out.push(p as unknown as Record<string, unknown>));
  parser.on("error", (e: Error) => (error = e));
  parser.parse(Buffer.from(bytes));
  if (error) throw error;
  return out;
}

/** Checks that every field of `expected` is in `actual` (Buffers compared by content). */
function assertSubset(actual: Record<string, unknown>, expected: Record<string, unknown>, where: string): void {
  for (const key of Object.keys(expected)) {
    const e = expected[key];
    const a = actual[key];
    if (Buffer.isBuffer(e)) assert.ok(Buffer.isBuffer(a) && a.equals(e), `${where}: ${key} differs`);
    else if (e !== null && typeof e === "object") assertSubset(a as Record<string, unknown>, e as Record<string, unknown>, `${where}.${key}`);
    else assert.deepEqual(a, e, `${where}: ${key}`);
  }
}

function encodeVector(v: Vector, off = 0): Uint8Array {
  const buf = new Uint8Array(off + v.bytes.length + 64).fill(0xee);
  const end = v.encode!(buf, off);
  assert.ok(end >= 0, `${v.name}: encoder returned ${end}`);
  return buf.subarray(off, end);
}

function checkDecoded(v: Vector, p: Packet, buf: Uint8Array, result: number): void {
  const d = v.decoded!;
  assert.equal(result, d.result ?? 0, `${v.name}: decode result`);
  for (const key of Object.keys(d.fields) as (keyof Packet)[]) assert.equal(p[key], d.fields[key], `${v.name}: ${key}`);
  if (d.topic !== undefined) assert.equal(publishTopic(p, buf), d.topic);
  if (d.payload !== undefined) assert.deepEqual(Array.from(publishPayloadBytes(p, buf)), d.payload);
  if (d.codes !== undefined) {
    const codes = [];
    for (let i = 0; i < p.codesCount; i++) codes.push(subackCode(p, buf, i));
    assert.deepEqual(codes, d.codes);
  }
}

describe("codec vectors, four ways", () => {
  for (const v of VECTORS) {
    describe(v.name, () => {
      if (v.encode) {
        it("encodes to the hand-written bytes", () => {
          assert.equal(hex(encodeVector(v)), hex(v.bytes));
        });
        it("encodes at an offset inside a larger buffer", () => {
          assert.equal(hex(encodeVector(v, 7)), hex(v.bytes));
        });
        it("refuses a buffer one byte too short, for every shorter size", () => {
          for (const size of [0, 1, v.bytes.length - 1]) {
            const buf = new Uint8Array(Math.max(size, 0));
            assert.equal(v.encode!(buf, 0), -101, `size ${size}`);
          }
        });
      }
      if (v.decoded) {
        it("decodes to the packet", () => {
          const p = createPacket();
          const buf = Uint8Array.from(v.bytes);
          checkDecoded(v, p, buf, decodePacket(p, buf, 0, buf.length));
        });
        it("decodes at an offset inside a larger buffer", () => {
          const buf = new Uint8Array(v.bytes.length + 10).fill(0x30);
          buf.set(v.bytes, 5);
          const p = createPacket();
          checkDecoded(v, p, buf, decodePacket(p, buf, 5, v.bytes.length));
        });
        it("refuses every truncation of the packet", () => {
          const buf = Uint8Array.from(v.bytes);
          const p = createPacket();
          for (let n = 0; n < buf.length; n++) assert.ok(decodePacket(p, buf, 0, n) < 0, `length ${n} accepted`);
        });
      }
      it("round trips", () => {
        if (v.encode && v.decoded) {
          // Encode, decode, encode again from the decoded record.
          const bytes = encodeVector(v);
          const p = createPacket();
          checkDecoded(v, p, bytes, decodePacket(p, bytes, 0, bytes.length));
          const again = new Uint8Array(bytes.length);
          const end =
            p.type === C.PUBLISH
              ? encodePublish(again, 0, publishTopic(p, bytes), publishPayloadBytes(p, bytes), p.qos, p.retain, p.dup, p.packetId)
              : encodeAck(again, 0, p.type, p.packetId);
          assert.equal(hex(again.subarray(0, end)), hex(bytes));
        } else if (v.encode) {
          // Only a server decodes these: mqtt-packet reads back what fabmqtt wrote.
          const parsed = oracleParse(encodeVector(v));
          assert.equal(parsed.length, 1);
          assertSubset(parsed[0], v.oracle, v.name);
        } else {
          // Only a server encodes these: fabmqtt reads what mqtt-packet wrote.
          const bytes = new Uint8Array(mqtt.generate(v.oracle as never));
          const p = createPacket();
          checkDecoded(v, p, bytes, decodePacket(p, bytes, 0, bytes.length));
        }
      });
      it("agrees with mqtt-packet", () => {
        const generated = mqtt.generate(v.oracle as never);
        assert.equal(hex(generated), hex(v.bytes), "mqtt-packet generate()");
        const parsed = oracleParse(Uint8Array.from(v.bytes));
        assert.equal(parsed.length, 1, "mqtt-packet parse()");
        assertSubset(parsed[0], v.oracle, v.name);
      });
    });
  }
});
