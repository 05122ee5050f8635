import * as E from "../../base/errors";
import * as C from "../mqtt/constants";
import type { ReceivedPacket } from "../mqtt/packet";
import * as W from "../wire/index";
import { inboundAwaitConfirmation, inboundForgetSession, inboundRecord, inboundRelease, inboundSeen } from "./inbound-qos2";
import * as O from "./outbox";
import * as S from "./subscriptions";
import { ST_CONNECTED, ST_CONNECTING, type ClientHandler } from "./client-types";
import { MqttClient } from "./mqtt-client";

/**
 * What the client receives: the framer's sinks (onPacket, onOversized) and a
 * method per packet kind. Methods of MqttClient (mqtt-client.ts declares them).
 */

/**
 * The framer's sink for a packet over maxPacketSize, which has streamed
 * past: a PUBLISH is not delivered but acknowledged (so that the broker
 * does not send it again at every connect) and reported with
 * E_PACKET_TOO_LARGE; the connection stays. Anything else that large breaks
 * the protocol.
 */
MqttClient.prototype.onOversized = function (this: MqttClient, first: number, id: number): void {
  const qos = (first >> 1) & 3;
  if (this.state_ !== ST_CONNECTED || first >> 4 !== C.PUBLISH || qos === 3 || (qos > 0 && id === 0)) return this.fail_(E.E_PACKET_TOO_LARGE);
  if (this.handler_.onError) this.handler_.onError(E.E_PACKET_TOO_LARGE);
  if (qos === 2 && inboundRecord(this.inbound_, id, 0) < 0) {
    this.refused_ = true;
    return;
  }
  if (qos > 0) this.send_(W.ackPacket(this.tx_, qos === 1 ? C.PUBACK : C.PUBREC, id), true);
};

/**
 * The framer's sink: one whole packet from the broker at data[start..],
 * decoded, then handled by the method for its kind. Acks come first, then
 * PUBLISH: they are what a device gets most (Espruino reads every test it
 * passes, and every character of the function, so the rest is in
 * onRarePacket_).
 */
MqttClient.prototype.onPacket = function (this: MqttClient, data: W.Received, start: number, length: number): void {
  const p = this.packet_;
  const r = W.decodeReceived(p, data, start, length);
  const type = p.type;
  if (r < 0 || this.state_ !== ST_CONNECTED) return this.onRarePacket_(r, type);
  if (type === C.PUBACK || type === C.PUBREC || type === C.PUBCOMP) return this.onAck_(type, p.packetId);
  if (type === C.PUBLISH) return this.onPublish_(p, data);
  this.onRarePacket_(0, type);
};

/**
 * onPacket() for what a publishing device gets seldom: CONNACK, PUBREL,
 * SUBACK, UNSUBACK, PINGRESP, a packet not allowed while connecting, and
 * decoding failures (`r`, the decoder's code; a refused filter's SUBACK
 * still has its packet).
 */
MqttClient.prototype.onRarePacket_ = function (this: MqttClient, r: number, type: number): void {
  const p = this.packet_;
  if (r < 0 && r !== E.E_SUBACK_FAILURE) return this.fail_(r);
  if (this.state_ === ST_CONNECTING) return type === C.CONNACK ? this.onConnack_(p) : this.fail_(E.E_PROTOCOL);
  if (type === C.PUBREL) return this.onPubrel_(p.packetId);
  if (type === C.SUBACK || type === C.UNSUBACK) return this.onSuback_(type, p.packetId, r === E.E_SUBACK_FAILURE ? r : p.returnCode);
  if (type !== C.PINGRESP) return this.fail_(E.E_PROTOCOL);
  this.pingAt_ = -1;
  if (this.handler_.onPingResponse) this.handler_.onPingResponse();
};

/** CONNACK: a refusal fails; accepted, the subscriptions and the messages in flight go out again. */
MqttClient.prototype.onConnack_ = function (this: MqttClient, p: ReceivedPacket): void {
  if (p.returnCode !== 0) return this.fail_(E.E_CONNACK_PROTOCOL + 1 - p.returnCode);
  const resumed = p.sessionPresent;
  const gen = this.generation_;
  this.state_ = ST_CONNECTED;
  this.connects_++;
  this.since_ = this.clock_.now();
  this.pingAt_ = -1;
  if (resumed) inboundAwaitConfirmation(this.inbound_);
  else {
    // No session on the broker: no PUBREL will come. Without a clean session the ids
    // stay, as released, for the resend rule (a broker may keep the session and still
    // say 0, ActiveMQ does); with one they go.
    inboundForgetSession(this.inbound_, this.cleanSession_ === false);
    if (this.persist_) this.persist_.dirty = true;
  }
  // Not resumed, the subscriptions are made again; each goes out from pump_(), which
  // runs once this chunk is handled: fewer calls in progress at the deepest point.
  S.subscriptionsAfterConnect(this.subs_, resumed);
  this.subsDue_ = true;
  this.pump_(false);
  if (gen === this.generation_ && this.handler_.onConnect) this.handler_.onConnect(resumed);
};

/** PUBLISH: delivered (QoS 2 once, see inbound-qos2.ts), then acknowledged: QoS 1 after the handlers. */
MqttClient.prototype.onPublish_ = function (this: MqttClient, p: ReceivedPacket, data: W.Received): void {
  const id = p.packetId;
  // QoS 2: 1 for a resend already delivered, -1 for no room to remember the id until PUBREL.
  const seen = p.qos === 2 ? inboundSeen(this.inbound_, id, W.receivedHash(data, p.topicStart, p.payloadStart + p.payloadLength), p.dup) : 0;
  if (seen < 0) {
    // Refused (no PUBREC, not delivered); once every id has its PUBREL, a reconnect has it sent again.
    this.refused_ = true;
    return;
  }
  if (seen === 0) this.deliver_(p, data);
  if (p.qos > 0 && this.state_ === ST_CONNECTED) this.send_(W.ackPacket(this.tx_, p.qos === 1 ? C.PUBACK : C.PUBREC, id), true);
};

/** Hands a message to its filters' handlers, or to onMessage when none took it; a handler that throws is reported. */
MqttClient.prototype.deliver_ = function (this: MqttClient, p: ReceivedPacket, data: W.Received): void {
  const m = this.msg_ || (this.msg_ = { topic: "", payload: "", qos: 0, retain: false, dup: false, packetId: 0 });
  const t = this.subs_;
  const n = t.size;
  const topic = W.receivedText(data, p.topicStart, p.topicLength);
  m.topic = topic;
  m.payload = W.receivedPayload(data, p.payloadStart, p.payloadLength);
  m.qos = p.qos;
  m.retain = p.retain;
  m.dup = p.dup;
  m.packetId = p.packetId;
  let handled = false;
  for (let i = 0; i <= n; i++) {
    const h = i < n ? t.handlerOf[i] : handled ? null : this.handler_.onMessage;
    if (!h) continue;
    if (i < n) {
      if (!S.subscriptionTakes(t, i, topic)) continue;
      handled = true;
    }
    try {
      // The catch-all is called as a method of the handler, like every callback.
      if (i < n) h(m);
      else (this.handler_ as Required<ClientHandler>).onMessage(m);
    } catch (e) {
      if (this.handler_.onError) this.handler_.onError(E.E_HANDLER_FAILED);
    }
  }
  // A QoS 2 id is written before PUBREC: after a power cut the broker's resend is known.
  if (p.qos === 2 && this.persist_) this.save_();
};

/**
 * PUBACK, PUBREC or PUBCOMP for a message of ours: from onPacket(), or on
 * Espruino straight from the framer, which reads an ack's four bytes itself
 * (text-framer.ts): no decoder has checked its id, nor the state. The common
 * one, a PUBACK for a QoS 1 message, is handled here; the QoS 2 flow in
 * onQos2Ack_() (Espruino reads all of a function's text at each call).
 */
MqttClient.prototype.onAck_ = function (this: MqttClient, type: number, id: number): void {
  if (id === 0 || this.state_ !== ST_CONNECTED) return this.fail_(id === 0 ? E.E_MALFORMED : E.E_PROTOCOL);
  const o = this.out_;
  const slot = O.outboxFindId(o, id);
  if (slot < 0) return this.fail_(E.E_UNKNOWN_PACKET_ID);
  const qos = type === C.PUBACK && O.outboxState(o, slot) === O.SLOT_AWAIT_PUBACK ? 1 : this.onQos2Ack_(type, slot);
  if (qos === 0) return;
  const seq = O.outboxSeq(o, slot);
  O.outboxFree(o, slot);
  if (this.persist_) this.persist_.dirty = true;
  if (this.handler_.onPublished) this.handler_.onPublished(seq, qos);
  // An ack is always part of a received chunk (onData): the window is refilled, in a batch, once the chunk is handled.
  if (!this.pumpDue_) this.pumpDue_ = 1;
};

/**
 * onAck_() for the QoS 2 flow, at outbox slot `slot`: a PUBREC sends PUBREL
 * (0: not complete yet); a PUBCOMP completes the message (2), and so does a
 * PUBACK for one the broker took at QoS 1 (1, counted and reported as
 * E_QOS_DOWNGRADED). An ack the slot's state does not await fails the
 * connection (0).
 */
MqttClient.prototype.onQos2Ack_ = function (this: MqttClient, type: number, slot: number): number {
  const o = this.out_;
  const st = O.outboxState(o, slot);
  const awaited = type === C.PUBREC || type === C.PUBACK ? O.SLOT_AWAIT_PUBREC : O.SLOT_AWAIT_PUBCOMP;
  if (st !== awaited) {
    this.fail_(E.E_PROTOCOL);
    return 0;
  }
  if (type === C.PUBCOMP) return 2;
  if (type === C.PUBACK) {
    this.downgraded_ = (this.downgraded_ || 0) + 1;
    if (this.handler_.onError) this.handler_.onError(E.E_QOS_DOWNGRADED);
    return 1;
  }
  // With a saved session, PUBREL waits until "PUBREC received" is written (docs/design.md, "The client's policies", power cuts).
  O.outboxPubrecReceived(o, slot, !!this.persist_);
  if (this.persist_) {
    this.persist_.held++;
    this.persist_.dirty = true;
  } else {
    o.unsent++;
    this.sendMessage_(slot);
  }
  return 0;
};

/** PUBREL: the id is released and PUBCOMP goes out, even for an id not known (section 4.3.3). */
MqttClient.prototype.onPubrel_ = function (this: MqttClient, id: number): void {
  const inb = this.inbound_;
  if (inboundRelease(inb, id) && this.persist_) this.persist_.dirty = true;
  this.send_(W.ackPacket(this.tx_, C.PUBCOMP, id), true);
  // Messages were refused for want of room: with every id released, get them again.
  if (this.refused_ && inb.openCount === 0) this.fail_(E.E_INBOUND_QOS2_FULL);
};

/** SUBACK (`result`: the granted QoS or E_SUBACK_FAILURE) or UNSUBACK for one of our requests, told to onSubscribe or onUnsubscribe. */
MqttClient.prototype.onSuback_ = function (this: MqttClient, type: number, id: number, result: number): void {
  const t = this.subs_;
  const slot = S.subscriptionOfRequest(t, id);
  if (slot < 0) return this.fail_(E.E_UNKNOWN_PACKET_ID);
  // The filter, read before an UNSUBACK frees its slot.
  const filter = t.filterOf[slot];
  const state = S.subscriptionAnswered(t, slot, type === C.UNSUBACK, result);
  if (type === C.UNSUBACK) {
    if (this.handler_.onUnsubscribe) this.handler_.onUnsubscribe(filter);
  } else if (state === S.SUB_ACTIVE || state === S.SUB_REFUSED) {
    if (this.handler_.onSubscribe) this.handler_.onSubscribe(filter, result);
  }
};
