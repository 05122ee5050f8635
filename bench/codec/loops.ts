/** The codec benchmark's loops: each returns run(n), the number of iterations that went wrong. */
import mqtt from "mqtt-packet";
import type { Codec } from "../codec.bench";
import { BUF_SIZE } from "./settings";
import { TOPIC, plain, type PublishCase, CONNECT_FIELDS, MQTT_CONNECT, type AckCase, MQTT_OPTS } from "./cases";

// ---------------------------------------------------------------------------
// Loop builders. Each returns run(n): the number of iterations that went wrong
// (an error code, a wrong field, a packet not delivered), 0 when all is well.

export type Run = (n: number) => number;

/** Keeps what the hand-over produced reachable, so that nothing can be optimised away. */
export const handed: { topic: string; payload: Uint8Array } = { topic: "", payload: new Uint8Array(0) };

export function fabPublishDirect(k: Codec, c: PublishCase): Run {
  const { createPacket, decodePacket, encodePublish } = k;
  const buf = new Uint8Array(BUF_SIZE);
  const p = createPacket();
  const topic = TOPIC;
  const payload = c.payload;
  const qos = c.qos;
  const id = c.packetId;
  const size = payload.length;
  return function run(n: number): number {
    let bad = 0;
    for (let i = 0; i < n; i++) {
      const end = encodePublish(buf, 0, topic, payload, qos, false, false, id);
      const r = decodePacket(p, buf, 0, end);
      if (end < 0 || r !== 0 || p.payloadLength !== size || p.packetId !== id) bad++;
    }
    return bad;
  };
}

export function fabPublishHandOver(k: Codec, c: PublishCase): Run {
  const { createPacket, decodePacket, encodePublish, publishPayloadBytes, publishTopic } = k;
  const buf = new Uint8Array(BUF_SIZE);
  const p = createPacket();
  const topic = TOPIC;
  const payload = c.payload;
  const qos = c.qos;
  const id = c.packetId;
  const size = payload.length;
  const out = handed;
  return function run(n: number): number {
    let bad = 0;
    for (let i = 0; i < n; i++) {
      const end = encodePublish(buf, 0, topic, payload, qos, false, false, id);
      const r = decodePacket(p, buf, 0, end);
      if (end < 0 || r !== 0) bad++;
      out.topic = publishTopic(p, buf);
      out.payload = publishPayloadBytes(p, buf);
      if (out.topic.length !== 16 || out.payload.length !== size) bad++;
    }
    return bad;
  };
}

/** Shared by the framer loops: what onPacket saw. */
export interface FramerTally {
  delivered: number;
  bad: number;
}

export function fabPublishFramer(k: Codec, c: PublishCase, wireLength: number): Run {
  const { createFramer, createPacket, decodePacket, encodePublish, framerPush } = k;
  const buf = new Uint8Array(BUF_SIZE);
  // The view is made once: framerPush reads wireLength bytes from the buffer
  // that encodePublish writes into.
  const view = buf.subarray(0, wireLength);
  const p = createPacket();
  const topic = TOPIC;
  const payload = c.payload;
  const qos = c.qos;
  const id = c.packetId;
  const size = payload.length;
  const tally: FramerTally = { delivered: 0, bad: 0 };
  const onPacket = (b: Uint8Array, start: number, length: number, total: number): void => {
    if (length < total) {
      tally.bad++;
      return;
    }
    const r = decodePacket(p, b, start, length);
    if (r !== 0 || p.payloadLength !== size || p.packetId !== id) tally.bad++;
    tally.delivered++;
  };
  const framer = createFramer(BUF_SIZE, { onPacket: onPacket });
  return function run(n: number): number {
    tally.delivered = 0;
    tally.bad = 0;
    let bad = 0;
    for (let i = 0; i < n; i++) {
      const end = encodePublish(buf, 0, topic, payload, qos, false, false, id);
      if (end !== wireLength) bad++;
      if (framerPush(framer, view) !== 0) bad++;
    }
    return bad + tally.bad + (tally.delivered === n ? 0 : 1);
  };
}

/** What the mqtt-packet parser's 'packet' listener saw. */
export interface ParserTally {
  delivered: number;
  errors: number;
  last: mqtt.Packet | null;
}

export function mqttParser(): { parser: mqtt.Parser; tally: ParserTally } {
  const parser = mqtt.parser(MQTT_OPTS);
  const tally: ParserTally = { delivered: 0, errors: 0, last: null };
  parser.on("packet", (pkt: mqtt.Packet) => {
    tally.last = pkt;
    tally.delivered++;
  });
  parser.on("error", () => {
    tally.errors++;
  });
  return { parser, tally };
}

export function mqttGenerateParse(pkt: mqtt.Packet): Run {
  const { parser, tally } = mqttParser();
  const opts = MQTT_OPTS;
  return function run(n: number): number {
    tally.delivered = 0;
    tally.errors = 0;
    for (let i = 0; i < n; i++) parser.parse(mqtt.generate(pkt, opts));
    return tally.errors + (tally.delivered === n ? 0 : 1);
  };
}

export function fabConnectEncode(k: Codec, expectedLength: number): Run {
  const { encodeConnect } = k;
  const buf = new Uint8Array(BUF_SIZE);
  const fields = CONNECT_FIELDS;
  return function run(n: number): number {
    let bad = 0;
    for (let i = 0; i < n; i++) if (encodeConnect(buf, 0, fields) !== expectedLength) bad++;
    return bad;
  };
}

export function mqttConnectGenerate(expectedLength: number): Run {
  const pkt = MQTT_CONNECT;
  const opts = MQTT_OPTS;
  return function run(n: number): number {
    let bad = 0;
    for (let i = 0; i < n; i++) if (mqtt.generate(pkt, opts).length !== expectedLength) bad++;
    return bad;
  };
}

export function fabConnackDecode(k: Codec, wire: Uint8Array): Run {
  const { createPacket, decodePacket } = k;
  const buf = plain(wire);
  const p = createPacket();
  const length = buf.length;
  return function run(n: number): number {
    let bad = 0;
    for (let i = 0; i < n; i++) {
      const r = decodePacket(p, buf, 0, length);
      if (r !== 0 || !p.sessionPresent) bad++;
    }
    return bad;
  };
}

export function mqttConnackParse(wire: Buffer): Run {
  const { parser, tally } = mqttParser();
  return function run(n: number): number {
    tally.delivered = 0;
    tally.errors = 0;
    for (let i = 0; i < n; i++) parser.parse(wire);
    return tally.errors + (tally.delivered === n ? 0 : 1);
  };
}

export function fabAck(k: Codec, c: AckCase): Run {
  const { createPacket, decodePacket, encodeAck } = k;
  const buf = new Uint8Array(BUF_SIZE);
  const p = createPacket();
  const type = c.type;
  const id = c.packetId;
  return function run(n: number): number {
    let bad = 0;
    for (let i = 0; i < n; i++) {
      const end = encodeAck(buf, 0, type, id);
      const r = decodePacket(p, buf, 0, end);
      if (end !== 4 || r !== 0 || p.packetId !== id) bad++;
    }
    return bad;
  };
}
