/** The codec benchmark's sanity checks: both codecs agree on every benchmarked packet, before any timing. */
import mqtt from "mqtt-packet";
import { CONNACK, PUBLISH } from "../../firmware/mqtt/index";
import type { Codec } from "../codec.bench";
import { BUF_SIZE } from "./settings";
import {
  TOPIC,
  plain,
  type PublishCase,
  mqttPublishPacket,
  CONNECT_PASSWORD,
  CONNECT_WILL_PAYLOAD,
  CONNECT_FIELDS,
  MQTT_CONNECT,
  type AckCase,
  MQTT_OPTS,
} from "./cases";
import { mqttParser } from "./loops";

// ---------------------------------------------------------------------------
// Sanity: both codecs agree on every benchmarked packet, before any timing

export const sanityFailures: string[] = [];
export let sanityChecks = 0;
/** The codec form being checked, for the failure messages. */
export let sanityForm = "";

/** Names the codec form the next checks are about, for their failure messages. */
export function setSanityForm(form: string): void {
  sanityForm = form;
}

export function check(ok: boolean, what: string): void {
  sanityChecks++;
  if (!ok) sanityFailures.push(`[${sanityForm}] ${what}`);
}

export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString("hex");
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** mqtt-packet's parse of one buffer, on a fresh parser: the packets, or null on error. */
export function oracleParse(bytes: Uint8Array): mqtt.Packet[] | null {
  const { parser, tally } = mqttParser();
  const out: mqtt.Packet[] = [];
  parser.on("packet", (pkt: mqtt.Packet) => out.push(pkt));
  parser.parse(Buffer.from(bytes));
  return tally.errors > 0 ? null : out;
}

export function checkBytes(name: string, fab: Uint8Array, ref: Uint8Array): void {
  check(sameBytes(fab, ref), `${name}: fabmqtt bytes ${hex(fab)} differ from mqtt-packet's ${hex(ref)}`);
}

/** Encodes with fabmqtt; the bytes as a plain array (empty, and a failure noted, on an error code). */
export function fabBytes(name: string, encode: (buf: Uint8Array) => number): Uint8Array {
  const buf = new Uint8Array(BUF_SIZE);
  const end = encode(buf);
  check(end > 0, `${name}: fabmqtt encoder returned ${end}`);
  return end > 0 ? buf.slice(0, end) : new Uint8Array(0);
}

export function sanityPublish(k: Codec, c: PublishCase): number {
  const { createFramer, createPacket, decodePacket, encodePublish, framerPush, publishPayloadBytes, publishTopic } = k;
  const fab = fabBytes(c.name, (buf) => encodePublish(buf, 0, TOPIC, c.payload, c.qos, false, false, c.packetId));
  checkBytes(c.name, fab, mqtt.generate(mqttPublishPacket(c), MQTT_OPTS));

  // fabmqtt decodes its own bytes (which are mqtt-packet's) to the same fields.
  const p = createPacket();
  const r = decodePacket(p, fab, 0, fab.length);
  check(r === 0, `${c.name}: decodePacket returned ${r}`);
  check(p.type === PUBLISH && p.qos === c.qos && !p.retain && !p.dup, `${c.name}: decoded type/qos/retain/dup`);
  check(p.packetId === c.packetId, `${c.name}: decoded packet id ${p.packetId}`);
  check(publishTopic(p, fab) === TOPIC, `${c.name}: decoded topic`);
  check(sameBytes(publishPayloadBytes(p, fab), c.payload), `${c.name}: decoded payload`);

  // mqtt-packet decodes fabmqtt's bytes to the same fields.
  const parsed = oracleParse(fab);
  const q = parsed && parsed.length === 1 ? parsed[0] : null;
  check(
    q !== null &&
      q.cmd === "publish" &&
      q.topic === TOPIC &&
      q.qos === c.qos &&
      (c.qos === 0 || q.messageId === c.packetId) &&
      Buffer.isBuffer(q.payload) &&
      sameBytes(q.payload, c.payload),
    `${c.name}: mqtt-packet's parse of fabmqtt's bytes`,
  );

  // Through the framer, split in two chunks as well as whole.
  const fp = createPacket();
  let got = 0;
  const framer = createFramer(BUF_SIZE, {
    onPacket: (b: Uint8Array, s: number, l: number, total: number) => {
      check(l === total, `${c.name}: framer delivered an oversized packet`);
      const fr = decodePacket(fp, b, s, l);
      check(fr === 0 && fp.packetId === c.packetId && publishTopic(fp, b) === TOPIC, `${c.name}: framer delivery`);
      check(sameBytes(publishPayloadBytes(fp, b), c.payload), `${c.name}: framer payload`);
      got++;
    },
  });
  framerPush(framer, fab);
  framerPush(framer, fab.subarray(0, 7));
  framerPush(framer, fab.subarray(7));
  check(got === 2, `${c.name}: framer delivered ${got} packets, expected 2`);
  return fab.length;
}

export function sanityConnect(k: Codec): number {
  const name = "CONNECT";
  const fab = fabBytes(name, (buf) => k.encodeConnect(buf, 0, CONNECT_FIELDS));
  checkBytes(name, fab, mqtt.generate(MQTT_CONNECT, MQTT_OPTS));
  const parsed = oracleParse(fab);
  const q = parsed && parsed.length === 1 ? parsed[0] : null;
  const f = CONNECT_FIELDS;
  check(
    q !== null &&
      q.cmd === "connect" &&
      q.protocolId === "MQTT" &&
      q.protocolVersion === 4 &&
      q.clientId === f.clientId &&
      q.clean === f.cleanSession &&
      q.keepalive === f.keepalive &&
      q.username === f.username &&
      Buffer.isBuffer(q.password) &&
      sameBytes(q.password, CONNECT_PASSWORD) &&
      q.will !== undefined &&
      q.will.topic === f.willTopic &&
      Buffer.isBuffer(q.will.payload) &&
      sameBytes(q.will.payload, CONNECT_WILL_PAYLOAD) &&
      q.will.qos === f.willQos &&
      q.will.retain === f.willRetain,
    `${name}: mqtt-packet's parse of fabmqtt's bytes`,
  );
  return fab.length;
}

export function sanityConnack(k: Codec, wire: Uint8Array): void {
  const { createPacket, decodeConnack, decodePacket } = k;
  const p = createPacket();
  const buf = plain(wire);
  const r = decodeConnack(p, buf, 0, buf.length);
  check(r === 0 && p.type === CONNACK && p.sessionPresent && p.returnCode === 0, `CONNACK: fabmqtt decode of ${hex(buf)}`);
  const r2 = decodePacket(p, buf, 0, buf.length);
  check(r2 === 0 && p.type === CONNACK && p.sessionPresent && p.returnCode === 0, `CONNACK: decodePacket`);
}

export function sanityAck(k: Codec, c: AckCase): void {
  const { createPacket, decodePacket, encodeAck } = k;
  const fab = fabBytes(c.name, (buf) => encodeAck(buf, 0, c.type, c.packetId));
  checkBytes(c.name, fab, mqtt.generate({ cmd: c.cmd, messageId: c.packetId }, MQTT_OPTS));
  const p = createPacket();
  const r = decodePacket(p, fab, 0, fab.length);
  check(r === 0 && p.type === c.type && p.packetId === c.packetId, `${c.name}: fabmqtt decode`);
  const parsed = oracleParse(fab);
  const q = parsed && parsed.length === 1 ? parsed[0] : null;
  check(q !== null && q.cmd === c.cmd && q.messageId === c.packetId, `${c.name}: mqtt-packet's parse of fabmqtt's bytes`);
}
