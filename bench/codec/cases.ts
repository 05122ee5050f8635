/** The codec benchmark's inputs, all made before anything is timed. */
import mqtt from "mqtt-packet";
import { PUBACK, PUBCOMP, PUBLISH, PUBREC, PUBREL, type ConnectFields } from "../../firmware/mqtt/index";

// ---------------------------------------------------------------------------
// Inputs, all made before anything is timed

export const TOPIC = "fab/dev42/temp/a";
if (TOPIC.length !== 16) throw new Error("the topic must be 16 bytes");

/** Deterministic binary bytes, every value 0x00-0xFF present for n >= 256. */
export function binary(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out[i] = i < 256 && n >= 256 ? (i * 167) & 0xff : x >>> 24;
  }
  return out;
}

/** A plain Uint8Array copy (never hand a Buffer to fabmqtt: another map, polymorphic code). */
export function plain(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length);
  out.set(bytes);
  return out;
}

export interface PublishCase {
  name: string;
  qos: 0 | 1;
  packetId: number;
  /** fabmqtt's input: a plain Uint8Array. */
  payload: Uint8Array;
  /** mqtt-packet's input: a Buffer holding the same bytes. */
  payloadBuffer: Buffer;
}

export function publishCase(qos: 0 | 1, size: number): PublishCase {
  const payload = binary(size, 0x5eed + size);
  return {
    name: `PUBLISH QoS ${qos}, 16 B topic, ${size.toLocaleString("en-US")} B payload`,
    qos,
    packetId: qos > 0 ? 4242 : 0,
    payload,
    payloadBuffer: Buffer.from(payload),
  };
}

export const PUBLISH_CASES: PublishCase[] = [publishCase(0, 32), publishCase(1, 32), publishCase(0, 1024), publishCase(1, 1024)];
/** The case of the GC measurement: QoS 1, 16-byte topic, 32-byte payload. */
export const GC_CASE = PUBLISH_CASES[1];

export function mqttPublishPacket(c: PublishCase): mqtt.IPublishPacket {
  const pkt: mqtt.IPublishPacket = { cmd: "publish", topic: TOPIC, payload: c.payloadBuffer, qos: c.qos, dup: false, retain: false };
  if (c.qos > 0) pkt.messageId = c.packetId;
  return pkt;
}

export const CONNECT_PASSWORD = binary(12, 77);
export const CONNECT_WILL_PAYLOAD = binary(24, 78);
export const CONNECT_FIELDS: ConnectFields = {
  clientId: "fabmqtt-bench-0001",
  cleanSession: true,
  keepalive: 60,
  username: "device-42",
  password: CONNECT_PASSWORD,
  willTopic: "fab/dev42/status",
  willPayload: CONNECT_WILL_PAYLOAD,
  willQos: 1,
  willRetain: true,
};
export const MQTT_CONNECT: mqtt.IConnectPacket = {
  cmd: "connect",
  protocolId: "MQTT",
  protocolVersion: 4,
  clientId: "fabmqtt-bench-0001",
  clean: true,
  keepalive: 60,
  username: "device-42",
  password: Buffer.from(CONNECT_PASSWORD),
  will: { topic: "fab/dev42/status", payload: Buffer.from(CONNECT_WILL_PAYLOAD), qos: 1, retain: true },
};
export const MQTT_CONNACK: mqtt.IConnackPacket = { cmd: "connack", returnCode: 0, sessionPresent: true };

export interface AckCase {
  name: string;
  type: number;
  cmd: "puback" | "pubrec" | "pubrel" | "pubcomp";
  packetId: number;
}
export const ACK_CASES: AckCase[] = [
  { name: "PUBACK", type: PUBACK, cmd: "puback", packetId: 4242 },
  { name: "PUBREC", type: PUBREC, cmd: "pubrec", packetId: 4242 },
  { name: "PUBREL", type: PUBREL, cmd: "pubrel", packetId: 4242 },
  { name: "PUBCOMP", type: PUBCOMP, cmd: "pubcomp", packetId: 4242 },
];

export const MQTT_OPTS = { protocolVersion: 4 };
