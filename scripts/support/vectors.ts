/**
 * Hand-written MQTT 3.1.1 packets, bytes commented, shared by the codec,
 * framer, fuzz and benchmark code. Each has the bytes, mqtt-packet's view of
 * the same packet (the independent oracle), and what fabmqtt encodes from
 * (packets a client sends) and/or decodes to (packets a client receives).
 */
import * as C from "../../firmware/mqtt/constants";
import * as enc from "../../firmware/mqtt/encode";
import type { Packet } from "../../firmware/mqtt/packet";
import { E_SUBACK_FAILURE } from "../../base/errors";
import { allBytes, str, u16, utf8 } from "./bytes";

export interface Decoded {
  fields: Partial<Packet>;
  topic?: string;
  payload?: number[];
  codes?: number[];
  /** What decodePacket returns: 0 unless said. */
  result?: number;
}

export interface Vector {
  name: string;
  bytes: number[];
  /** mqtt-packet's object for this packet (generate() gives `bytes`, parse() gives it back). */
  oracle: Record<string, unknown>;
  /** Encodes the packet with fabmqtt (packets a client sends). */
  encode?: (buf: Uint8Array, off: number) => number;
  /** What fabmqtt decodes from `bytes` (packets a client receives). */
  decoded?: Decoded;
}

const BINARY = allBytes(256);
const BIG = allBytes(20000);

export const VECTORS: Vector[] = [
  {
    name: "CONNECT, minimal: client id, clean session, keepalive 60",
    bytes: [
      0x10,
      15, // CONNECT, remaining length 15
      ...str("MQTT"), // protocol name
      4, // protocol level 3.1.1
      0x02, // flags: clean session
      ...u16(60), // keepalive
      ...str("fab"), // client id
    ],
    oracle: { cmd: "connect", protocolId: "MQTT", protocolVersion: 4, clean: true, clientId: "fab", keepalive: 60 },
    encode: (b, o) => enc.encodeConnect(b, o, { clientId: "fab", cleanSession: true, keepalive: 60 }),
  },
  {
    name: "CONNECT, full: will QoS 1 retained, user name, password, persistent session",
    bytes: [
      0x10,
      59, // CONNECT, remaining length 59
      ...str("MQTT"),
      4, // protocol name and level
      0xec, // flags: user name 0x80, password 0x40, will retain 0x20, will QoS 1 0x08, will 0x04
      ...u16(30), // keepalive
      ...str("dev-1"), // client id
      ...str("fab/dev-1/status"), // will topic
      ...str("offline"), // will payload
      ...str("maker"), // user name
      ...str("s3cret"), // password
    ],
    oracle: {
      cmd: "connect",
      protocolId: "MQTT",
      protocolVersion: 4,
      clean: false,
      clientId: "dev-1",
      keepalive: 30,
      will: { topic: "fab/dev-1/status", payload: Buffer.from("offline"), qos: 1, retain: true },
      username: "maker",
      password: Buffer.from("s3cret"),
    },
    encode: (b, o) =>
      enc.encodeConnect(b, o, {
        clientId: "dev-1",
        cleanSession: false,
        keepalive: 30,
        willTopic: "fab/dev-1/status",
        willPayload: "offline",
        willQos: 1,
        willRetain: true,
        username: "maker",
        password: "s3cret",
      }),
  },
  {
    name: "CONNECT, will QoS 2 with a binary payload, keepalive 0, user name only",
    bytes: [
      0x10,
      38, // CONNECT, remaining length 38
      ...str("MQTT"),
      4, // protocol name and level
      0x96, // flags: user name 0x80, will QoS 2 0x10, will 0x04, clean session 0x02
      ...u16(0), // keepalive off
      ...str("c"), // client id
      ...str("w/t"), // will topic
      ...u16(4),
      0x00,
      0xff,
      0x10,
      0x80, // will payload, binary
      ...str("user-name-12"), // user name
    ],
    oracle: {
      cmd: "connect",
      protocolId: "MQTT",
      protocolVersion: 4,
      clean: true,
      clientId: "c",
      keepalive: 0,
      will: { topic: "w/t", payload: Buffer.from([0x00, 0xff, 0x10, 0x80]), qos: 2, retain: false },
      username: "user-name-12",
    },
    encode: (b, o) =>
      enc.encodeConnect(b, o, {
        clientId: "c",
        cleanSession: true,
        keepalive: 0,
        willTopic: "w/t",
        willPayload: new Uint8Array([0x00, 0xff, 0x10, 0x80]),
        willQos: 2,
        username: "user-name-12",
      }),
  },
  {
    name: "CONNACK accepted, no session",
    bytes: [0x20, 2, 0x00, 0x00], // CONNACK, length 2, ack flags 0, return code 0
    oracle: { cmd: "connack", returnCode: 0, sessionPresent: false },
    decoded: { fields: { type: C.CONNACK, sessionPresent: false, returnCode: 0 } },
  },
  {
    name: "CONNACK accepted, session present",
    bytes: [0x20, 2, 0x01, 0x00], // ack flags: session present
    oracle: { cmd: "connack", returnCode: 0, sessionPresent: true },
    decoded: { fields: { type: C.CONNACK, sessionPresent: true, returnCode: 0 } },
  },
  {
    name: "CONNACK refused: not authorized (5)",
    bytes: [0x20, 2, 0x00, 0x05],
    oracle: { cmd: "connack", returnCode: 5, sessionPresent: false },
    decoded: { fields: { type: C.CONNACK, sessionPresent: false, returnCode: 5 } },
  },
  {
    name: "PUBLISH QoS 0, text payload",
    bytes: [
      0x30,
      11, // PUBLISH, QoS 0, remaining length 11
      ...str("fab/t"), // topic
      ...utf8("21.5"), // payload
    ],
    oracle: { cmd: "publish", topic: "fab/t", payload: Buffer.from("21.5"), qos: 0, retain: false, dup: false },
    encode: (b, o) => enc.encodePublish(b, o, "fab/t", "21.5", 0, false, false, 0),
    decoded: { fields: { type: C.PUBLISH, qos: 0, retain: false, dup: false, packetId: 0 }, topic: "fab/t", payload: utf8("21.5") },
  },
  {
    name: "PUBLISH QoS 1, retained, packet id 10, binary payload 0x00-0xFF",
    bytes: [
      0x33,
      0x8b,
      0x02, // PUBLISH, QoS 1 (0x02), retain (0x01), remaining length 267 (0x8b 0x02)
      ...str("fab/bin"), // topic
      ...u16(10), // packet id
      ...BINARY, // 256 bytes 0x00..0xFF
    ],
    oracle: { cmd: "publish", topic: "fab/bin", payload: Buffer.from(BINARY), qos: 1, retain: true, dup: false, messageId: 10 },
    encode: (b, o) => enc.encodePublish(b, o, "fab/bin", new Uint8Array(BINARY), 1, true, false, 10),
    decoded: { fields: { type: C.PUBLISH, qos: 1, retain: true, dup: false, packetId: 10 }, topic: "fab/bin", payload: BINARY },
  },
  {
    name: "PUBLISH QoS 2, DUP, packet id 65535, empty payload",
    bytes: [
      0x3c,
      7, // PUBLISH, DUP (0x08), QoS 2 (0x04), remaining length 7
      ...str("a/b"), // topic
      ...u16(65535), // packet id
    ],
    oracle: { cmd: "publish", topic: "a/b", payload: Buffer.alloc(0), qos: 2, retain: false, dup: true, messageId: 65535 },
    encode: (b, o) => enc.encodePublish(b, o, "a/b", "", 2, false, true, 65535),
    decoded: { fields: { type: C.PUBLISH, qos: 2, retain: false, dup: true, packetId: 65535, payloadLength: 0 }, topic: "a/b", payload: [] },
  },
  {
    name: "PUBLISH QoS 1, UTF-8 topic and payload outside ASCII",
    bytes: [
      0x32,
      34, // PUBLISH, QoS 1, remaining length 34
      ...str("fab/café/☺/😀"), // topic: 2-, 3- and 4-byte sequences (18 bytes)
      ...u16(7), // packet id
      ...utf8("température"), // payload (12 bytes)
    ],
    oracle: { cmd: "publish", topic: "fab/café/☺/😀", payload: Buffer.from("température"), qos: 1, retain: false, dup: false, messageId: 7 },
    encode: (b, o) => enc.encodePublish(b, o, "fab/café/☺/😀", "température", 1, false, false, 7),
    decoded: {
      fields: { type: C.PUBLISH, qos: 1, packetId: 7 },
      topic: "fab/café/☺/😀",
      payload: utf8("température"),
    },
  },
  {
    name: "PUBLISH QoS 0, 20,000-byte payload (3-byte remaining length)",
    bytes: [
      0x30,
      0xa5,
      0x9c,
      0x01, // PUBLISH, remaining length 20005 = 0x25 + 0x1c*128 + 1*16384
      ...str("big"), // topic
      ...BIG,
    ],
    oracle: { cmd: "publish", topic: "big", payload: Buffer.from(BIG), qos: 0, retain: false, dup: false },
    encode: (b, o) => enc.encodePublish(b, o, "big", new Uint8Array(BIG), 0, false, false, 0),
    decoded: { fields: { type: C.PUBLISH, qos: 0, payloadLength: 20000 }, topic: "big", payload: BIG },
  },
  {
    name: "PUBACK id 10",
    bytes: [0x40, 2, ...u16(10)],
    oracle: { cmd: "puback", messageId: 10 },
    encode: (b, o) => enc.encodePuback(b, o, 10),
    decoded: { fields: { type: C.PUBACK, packetId: 10 } },
  },
  {
    name: "PUBREC id 1",
    bytes: [0x50, 2, ...u16(1)],
    oracle: { cmd: "pubrec", messageId: 1 },
    encode: (b, o) => enc.encodePubrec(b, o, 1),
    decoded: { fields: { type: C.PUBREC, packetId: 1 } },
  },
  {
    name: "PUBREL id 300 (flags 0010)",
    bytes: [0x62, 2, ...u16(300)],
    oracle: { cmd: "pubrel", messageId: 300 },
    encode: (b, o) => enc.encodePubrel(b, o, 300),
    decoded: { fields: { type: C.PUBREL, packetId: 300 } },
  },
  {
    name: "PUBCOMP id 65535",
    bytes: [0x70, 2, ...u16(65535)],
    oracle: { cmd: "pubcomp", messageId: 65535 },
    encode: (b, o) => enc.encodePubcomp(b, o, 65535),
    decoded: { fields: { type: C.PUBCOMP, packetId: 65535 } },
  },
  {
    name: "SUBSCRIBE two filters, QoS 1 and 2",
    bytes: [
      0x82,
      20, // SUBSCRIBE (flags 0010), remaining length 20
      ...u16(1), // packet id
      ...str("fab/cmd"),
      1, // filter, requested QoS 1
      ...str("fab/#"),
      2, // filter, requested QoS 2
    ],
    oracle: {
      cmd: "subscribe",
      messageId: 1,
      subscriptions: [
        { topic: "fab/cmd", qos: 1 },
        { topic: "fab/#", qos: 2 },
      ],
    },
    encode: (b, o) => enc.encodeSubscribe(b, o, 1, ["fab/cmd", "fab/#"], [1, 2], 2),
  },
  {
    name: "SUBSCRIBE one filter with +",
    bytes: [0x82, 10, ...u16(2), ...str("+/b/#"), 0], // packet id 2, filter "+/b/#" at QoS 0
    oracle: { cmd: "subscribe", messageId: 2, subscriptions: [{ topic: "+/b/#", qos: 0 }] },
    encode: (b, o) => enc.encodeSubscribe(b, o, 2, ["+/b/#"], [0], 1),
  },
  {
    name: "SUBACK granted 0, 1, 2",
    bytes: [0x90, 5, ...u16(1), 0x00, 0x01, 0x02], // SUBACK, packet id 1, three return codes
    oracle: { cmd: "suback", messageId: 1, granted: [0, 1, 2] },
    decoded: { fields: { type: C.SUBACK, packetId: 1, codesCount: 3 }, codes: [0, 1, 2] },
  },
  {
    name: "SUBACK with a refused filter (0x80)",
    bytes: [0x90, 4, ...u16(2), 0x01, 0x80], // SUBACK, packet id 2, granted 1, failure 0x80
    oracle: { cmd: "suback", messageId: 2, granted: [1, 0x80] },
    decoded: { fields: { type: C.SUBACK, packetId: 2, codesCount: 2 }, codes: [1, 0x80], result: E_SUBACK_FAILURE },
  },
  {
    name: "UNSUBSCRIBE two filters",
    bytes: [0xa2, 16, ...u16(3), ...str("fab/cmd"), ...str("a/+")], // UNSUBSCRIBE (flags 0010), id 3
    oracle: { cmd: "unsubscribe", messageId: 3, unsubscriptions: ["fab/cmd", "a/+"] },
    encode: (b, o) => enc.encodeUnsubscribe(b, o, 3, ["fab/cmd", "a/+"], 2),
  },
  {
    name: "UNSUBACK id 3",
    bytes: [0xb0, 2, ...u16(3)],
    oracle: { cmd: "unsuback", messageId: 3 },
    decoded: { fields: { type: C.UNSUBACK, packetId: 3 } },
  },
  {
    name: "PINGREQ",
    bytes: [0xc0, 0],
    oracle: { cmd: "pingreq" },
    encode: (b, o) => enc.encodePingreq(b, o),
  },
  {
    name: "PINGRESP",
    bytes: [0xd0, 0],
    oracle: { cmd: "pingresp" },
    decoded: { fields: { type: C.PINGRESP } },
  },
  {
    name: "DISCONNECT",
    bytes: [0xe0, 0],
    oracle: { cmd: "disconnect" },
    encode: (b, o) => enc.encodeDisconnect(b, o),
  },
];

/** The vectors a client receives (those with `decoded`). */
export const RECEIVED = VECTORS.filter((v) => v.decoded !== undefined);
