/** Bad input to the codec: a specific negative code each time, never an exception. */
import { strict as assert } from "node:assert";
import * as E from "../../base/errors";
import { errorMessage, errorName } from "../../base/error-text";
import { errorNameOf } from "../../base/error-names";
import { decodeAck, decodeConnack, decodeOversizedPublish, decodePacket, decodePublish } from "../../firmware/mqtt/decode";
import * as enc from "../../firmware/mqtt/encode";
import { createPacket } from "../../firmware/mqtt/packet";
import { checkTopicFilter, checkTopicName } from "../../firmware/mqtt/topic-check";
import { checkUtf8 } from "../../firmware/mqtt/utf8";
import * as C from "../../firmware/mqtt/constants";
import { str, u16 } from "../../scripts/support/bytes";

function decode(bytes: number[]): number {
  const buf = Uint8Array.from(bytes);
  return decodePacket(createPacket(), buf, 0, buf.length);
}

/** [description, bytes, expected code] for what a broker might send. */
const BAD_PACKETS: [string, number[], number][] = [
  ["reserved flags on PUBACK", [0x41, 2, 0, 1], E.E_RESERVED_FLAGS],
  ["PUBREL without its 0010 flags", [0x60, 2, 0, 1], E.E_RESERVED_FLAGS],
  ["reserved flags on CONNACK", [0x21, 2, 0, 0], E.E_RESERVED_FLAGS],
  ["reserved flags on SUBACK", [0x98, 3, 0, 1, 0], E.E_RESERVED_FLAGS],
  ["reserved flags on PINGRESP", [0xd1, 0], E.E_RESERVED_FLAGS],
  ["PUBLISH at QoS 3", [0x36, 7, ...str("a/b"), 0, 1], E.E_INVALID_QOS],
  ["remaining length over 4 bytes", [0x30, 0xff, 0xff, 0xff, 0xff, 0x01], E.E_BAD_REMAINING_LENGTH],
  ["topic length beyond the packet", [0x30, 3, 0, 5, 0x61], E.E_TRUNCATED],
  ["packet id cut off", [0x32, 4, ...str("ab")], E.E_TRUNCATED],
  ["invalid UTF-8 in the topic (lone continuation)", [0x30, 5, 0, 3, 0x61, 0x80, 0x61], E.E_INVALID_UTF8],
  ["invalid UTF-8 in the topic (overlong /)", [0x30, 4, 0, 2, 0xc0, 0xaf], E.E_INVALID_UTF8],
  ["invalid UTF-8 in the topic (surrogate)", [0x30, 5, 0, 3, 0xed, 0xa0, 0x80], E.E_INVALID_UTF8],
  ["invalid UTF-8 in the topic (cut sequence)", [0x30, 4, 0, 2, 0x61, 0xe2], E.E_INVALID_UTF8],
  ["U+0000 in the topic", [0x30, 5, 0, 3, 0x61, 0x00, 0x62], E.E_INVALID_UTF8],
  ["wildcard in a PUBLISH topic", [0x30, 5, ...str("a/#")], E.E_INVALID_TOPIC],
  ["empty PUBLISH topic", [0x30, 3, 0, 0, 0x41], E.E_INVALID_TOPIC],
  ["PUBLISH with packet id 0", [0x32, 5, ...str("a"), 0, 0], E.E_MALFORMED],
  ["SUBACK failure 0x80", [0x90, 3, 0, 1, 0x80], E.E_SUBACK_FAILURE],
  ["SUBACK with an undefined code", [0x90, 3, 0, 1, 0x03], E.E_MALFORMED],
  ["SUBACK without codes", [0x90, 2, 0, 1], E.E_MALFORMED],
  ["CONNACK with code 6", [0x20, 2, 0, 6], E.E_MALFORMED],
  ["CONNACK with reserved ack flags", [0x20, 2, 0x02, 0], E.E_MALFORMED],
  ["CONNACK session present on a refusal [MQTT-3.2.2-4]", [0x20, 2, 0x01, 5], E.E_MALFORMED],
  ["CONNACK of length 3", [0x20, 3, 0, 0, 0], E.E_MALFORMED],
  ["PUBACK with packet id 0", [0x40, 2, 0, 0], E.E_MALFORMED],
  ["PINGRESP with a body", [0xd0, 1, 0], E.E_MALFORMED],
  ["unknown packet type 0", [0x00, 0], E.E_UNKNOWN_TYPE],
  ["unknown packet type 15", [0xf0, 0], E.E_UNKNOWN_TYPE],
  ["CONNECT sent to a client", [0x10, 0], E.E_UNEXPECTED_TYPE],
  ["SUBSCRIBE sent to a client", [0x82, 0], E.E_UNEXPECTED_TYPE],
  ["empty input", [], E.E_TRUNCATED],
];

describe("codec: bad input from a broker", () => {
  for (const [what, bytes, code] of BAD_PACKETS) {
    it(`${what} -> ${errorName(code)}`, () => {
      assert.equal(decode(bytes), code);
    });
  }

  it("reports trailing bytes after a complete packet as malformed", () => {
    const buf = Uint8Array.from([0x40, 2, 0, 1, 0xaa]);
    assert.equal(decodeAck(createPacket(), buf, 0, 5, C.PUBACK), E.E_MALFORMED);
    assert.equal(decodePublish(createPacket(), Uint8Array.from([0x30, 3, ...str("a"), 9]), 0, 6), E.E_MALFORMED);
  });

  it("answers E_UNEXPECTED_TYPE when a decoder is handed another type", () => {
    assert.equal(decodeConnack(createPacket(), Uint8Array.from([0x40, 2, 0, 1]), 0, 4), E.E_UNEXPECTED_TYPE);
  });

  it("reads the topic and id of an oversized PUBLISH from its kept prefix", () => {
    const p = createPacket();
    // PUBLISH QoS 1, remaining length 5000, topic "t/x", id 42, then payload bytes; only 20 kept.
    const prefix = Uint8Array.from([0x32, 0x88, 0x27, ...str("t/x"), ...u16(42), 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    assert.equal(decodeOversizedPublish(p, prefix, 0, prefix.length), E.E_PACKET_TOO_LARGE);
    assert.equal(p.packetId, 42);
    assert.equal(p.qos, 1);
    assert.equal(p.topicLength, 3);
    // Topic cut short: the id cannot be known.
    assert.equal(decodeOversizedPublish(p, prefix, 0, 5), E.E_TRUNCATED);
    // Not a PUBLISH.
    assert.equal(decodeOversizedPublish(p, Uint8Array.from([0x90, 0x88, 0x27, 0, 1]), 0, 5), E.E_UNEXPECTED_TYPE);
  });

  it("gives every code a name and a message on the host", () => {
    for (const [, , code] of BAD_PACKETS) {
      assert.match(errorName(code), /^E_[A-Z0-9_]+$/);
      assert.ok(!errorMessage(code).startsWith("unknown"), errorName(code));
    }
    assert.equal(errorName(-999), "E_UNKNOWN(-999)");
  });

  it("names every code of errors.ts on the device too (errorNameOf), and nothing else", () => {
    const codes = Object.entries(E).filter(([k, v]) => /^E_/.test(k) && typeof v === "number") as [string, number][];
    assert.ok(codes.length > 50);
    for (const [name, code] of codes) assert.equal(errorNameOf(code), name);
    assert.equal(errorNameOf(-999), "");
    assert.equal(errorNameOf(1), "");
  });
});

describe("codec: bad arguments to the encoders", () => {
  const buf = new Uint8Array(256);
  const connect = { clientId: "c", cleanSession: true, keepalive: 60 };

  it("refuses invalid topic names for PUBLISH", () => {
    for (const topic of ["", "a/+", "a/#", "#", "a\u0000b"]) {
      assert.equal(enc.encodePublish(buf, 0, topic, "x", 0, false, false, 0), E.E_INVALID_TOPIC, JSON.stringify(topic));
    }
  });

  it("refuses QoS 3 and out-of-range packet ids", () => {
    assert.equal(enc.encodePublish(buf, 0, "a", "x", 3, false, false, 1), E.E_INVALID_QOS);
    assert.equal(enc.encodePublish(buf, 0, "a", "x", 1, false, false, 0), E.E_INVALID_ARGUMENT);
    assert.equal(enc.encodePublish(buf, 0, "a", "x", 2, false, false, 65536), E.E_INVALID_ARGUMENT);
    assert.equal(enc.encodePublish(buf, 0, "a", "x", 1, false, false, 1.5), E.E_INVALID_ARGUMENT);
    assert.equal(enc.encodePuback(buf, 0, 0), E.E_INVALID_ARGUMENT);
    assert.equal(enc.encodeAck(buf, 0, C.PUBLISH, 1), E.E_INVALID_ARGUMENT);
  });

  it("refuses DUP at QoS 0 [MQTT-3.3.1-2]", () => {
    assert.equal(enc.encodePublish(buf, 0, "a", "x", 0, false, true, 0), E.E_INVALID_ARGUMENT);
  });

  it("refuses text with a lone surrogate", () => {
    assert.equal(enc.encodePublish(buf, 0, "a/\ud800", "x", 0, false, false, 0), E.E_INVALID_UTF8);
    assert.equal(enc.encodePublish(buf, 0, "a", "x\udc00", 0, false, false, 0), E.E_INVALID_UTF8);
    assert.equal(enc.encodeConnect(buf, 0, { ...connect, clientId: "\ud83d" }), E.E_INVALID_UTF8);
  });

  it("refuses fields over 65,535 bytes", () => {
    const long = "x".repeat(65536);
    const big = new Uint8Array(200000);
    assert.equal(enc.encodeConnect(big, 0, { ...connect, clientId: long }), E.E_FIELD_TOO_LONG);
    assert.equal(enc.encodeConnect(big, 0, { ...connect, username: "u", password: long }), E.E_FIELD_TOO_LONG);
    assert.equal(enc.encodePublish(big, 0, long, "x", 0, false, false, 0), E.E_FIELD_TOO_LONG);
    // 65,535 is still fine.
    assert.ok(enc.encodePublish(big, 0, "x".repeat(65535), "x", 0, false, false, 0) > 0);
  });

  it("refuses a packet over 268,435,455 bytes", () => {
    assert.equal(enc.encodePublishHeader(buf, 0, "a", 268435455, 0, false, false, 0), E.E_FIELD_TOO_LONG);
    assert.ok(enc.encodePublishHeader(buf, 0, "a", 268435452, 0, false, false, 0) > 0);
  });

  it("checks CONNECT's rules", () => {
    assert.equal(enc.encodeConnect(buf, 0, { ...connect, keepalive: 65536 }), E.E_INVALID_ARGUMENT);
    assert.equal(enc.encodeConnect(buf, 0, { ...connect, keepalive: -1 }), E.E_INVALID_ARGUMENT);
    assert.equal(enc.encodeConnect(buf, 0, { clientId: "", cleanSession: false, keepalive: 1 }), E.E_INVALID_ARGUMENT);
    assert.ok(enc.encodeConnect(buf, 0, { clientId: "", cleanSession: true, keepalive: 1 }) > 0);
    assert.equal(enc.encodeConnect(buf, 0, { ...connect, password: "p" }), E.E_INVALID_ARGUMENT);
    assert.equal(enc.encodeConnect(buf, 0, { ...connect, willTopic: "a/#" }), E.E_INVALID_TOPIC);
    assert.equal(enc.encodeConnect(buf, 0, { ...connect, willTopic: "a", willQos: 3 }), E.E_INVALID_QOS);
  });

  it("checks SUBSCRIBE and UNSUBSCRIBE arguments", () => {
    assert.equal(enc.encodeSubscribe(buf, 0, 1, [], [], 0), E.E_INVALID_ARGUMENT);
    assert.equal(enc.encodeSubscribe(buf, 0, 1, ["a"], [0], 2), E.E_INVALID_ARGUMENT);
    assert.equal(enc.encodeSubscribe(buf, 0, 0, ["a"], [0], 1), E.E_INVALID_ARGUMENT);
    assert.equal(enc.encodeSubscribe(buf, 0, 1, ["a/#/b"], [0], 1), E.E_INVALID_TOPIC);
    assert.equal(enc.encodeSubscribe(buf, 0, 1, ["a"], [3], 1), E.E_INVALID_QOS);
    assert.equal(enc.encodeUnsubscribe(buf, 0, 1, ["a+"], 1), E.E_INVALID_TOPIC);
    assert.equal(enc.encodeUnsubscribe(buf, 0, 1, ["a"], 0), E.E_INVALID_ARGUMENT);
  });

  it("writes a PUBLISH header for a payload sent separately, needing room for the header only", () => {
    const small = new Uint8Array(10);
    const end = enc.encodePublishHeader(small, 0, "a/b", 1000, 1, false, false, 5);
    // 0x32, remaining length 1007 (0xef 0x07), topic "a/b", id 5
    assert.deepEqual(Array.from(small.subarray(0, end)), [0x32, 0xef, 0x07, 0, 3, 0x61, 0x2f, 0x62, 0, 5]);
    assert.equal(enc.encodePublishHeader(new Uint8Array(9), 0, "a/b", 1000, 1, false, false, 5), E.E_BUFFER_TOO_SHORT);
  });
});

describe("codec: topic rules", () => {
  it("accepts valid filters and refuses invalid ones [MQTT-4.7.1-2] [MQTT-4.7.1-3]", () => {
    for (const ok of ["a", "#", "+", "a/#", "+/+", "/", "a//b", "+/b/#", "sport/+/player1", "/+"]) assert.equal(checkTopicFilter(ok), 0, ok);
    for (const bad of ["", "a#", "a/#/b", "a+", "+a", "a/b+", "##", "a\u0000"]) assert.equal(checkTopicFilter(bad), E.E_INVALID_TOPIC, bad);
  });
  it("accepts valid names and refuses wildcards", () => {
    assert.equal(checkTopicName("a/b c/€"), 0);
    assert.equal(checkTopicName("/"), 0);
    assert.equal(checkTopicName("a/+/b"), E.E_INVALID_TOPIC);
  });
  it("checks UTF-8 without reading past the range", () => {
    const buf = Uint8Array.from([0x61, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80]);
    assert.equal(checkUtf8(buf, 0, 8), 0);
    assert.equal(checkUtf8(buf, 0, 3), E.E_INVALID_UTF8); // € cut after 2 of 3 bytes
    assert.equal(checkUtf8(Uint8Array.from([0xf4, 0x90, 0x80, 0x80]), 0, 4), E.E_INVALID_UTF8); // above U+10FFFF
    assert.equal(checkUtf8(Uint8Array.from([0xe0, 0x80, 0x80]), 0, 3), E.E_INVALID_UTF8); // overlong
  });
});
