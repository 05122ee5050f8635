import * as E from "../../base/errors";
import * as C from "../mqtt/constants";
import * as W from "../wire/index";
import * as O from "./outbox";
import * as S from "./subscriptions";
import { ST_CONNECTED } from "./client-types";
import { MqttClient } from "./mqtt-client";

/**
 * What the client sends: every packet through send_(), packet ids, the
 * outbox's messages and the subscription requests, in the order pump_() gives
 * them. Methods of MqttClient (mqtt-client.ts declares them).
 */

/**
 * Writes a packet from the byte layer (a negative code from its encoder is
 * returned as it is). A hard socket error fails the connection; so does a
 * full send queue for a control packet, which cannot wait. Returns 0 or the
 * code.
 */
MqttClient.prototype.send_ = function (this: MqttClient, packet: W.OutPacket, control: boolean): number {
  const s = this.sock_;
  if (typeof packet === "number" && packet < 0) return packet;
  if (!s) return E.E_NOT_CONNECTED;
  // A number is the packet's length in tx (Node); otherwise the packet itself.
  const r = typeof packet === "number" ? s.write(this.tx_ as Uint8Array, 0, packet) : s.write(packet, 0, packet.length);
  if (r === 0) this.sent_ = true;
  else if (control || r !== E.E_SOCKET_QUEUE_FULL) this.fail_(r);
  return r;
};

/**
 * The next packet id after the last one (1..65535, wrapping), skipping ids
 * in use by messages in flight and by subscription requests; 0 when all
 * are taken.
 */
MqttClient.prototype.nextId_ = function (this: MqttClient): number {
  let id = this.lastId_;
  for (let tries = 0; tries < 65535; tries++) {
    id = id >= 65535 ? 1 : id + 1;
    if (O.outboxFindId(this.out_, id) < 0 && S.subscriptionOfRequest(this.subs_, id) < 0) return (this.lastId_ = id);
  }
  return 0;
};

/** Sends what outbox slot `slot` needs next (PUBLISH, or PUBREL once PUBREC came) and marks it sent; it gets a packet id first if it has none. */
MqttClient.prototype.sendMessage_ = function (this: MqttClient, slot: number): void {
  const o = this.out_;
  let id = O.outboxId(o, slot);
  if (id === 0) {
    id = this.nextId_();
    O.outboxSetId(o, slot, id);
  }
  const r =
    O.outboxState(o, slot) === O.SLOT_AWAIT_PUBCOMP
      ? this.send_(W.ackPacket(this.tx_, C.PUBREL, id), true)
      : this.send_(
          W.publishPacket(this.tx_, o.topicOf[slot], o.payloadOf[slot], O.outboxQos(o, slot), O.outboxRetained(o, slot), O.outboxDup(o, slot), id),
          false,
        );
  if (r === 0 && !O.outboxSent(o, slot)) O.outboxMarkSent(o, slot);
};

/**
 * Sends subscription `i`'s SUBSCRIBE, or UNSUBSCRIBE when it is leaving, under
 * a new packet id. Returns whether it went; a full send queue leaves it
 * waiting (no request out).
 */
MqttClient.prototype.sendSubscription_ = function (this: MqttClient, i: number): boolean {
  const t = this.subs_;
  const id = this.nextId_();
  const sent = this.send_(W.subscriptionPacket(this.tx_, id, t.filterOf[i], S.subscriptionRequestQos(t, i)), false) === 0;
  S.subscriptionSetRequest(t, i, sent ? id : 0);
  return sent;
};

/**
 * Sends the SUBSCRIBEs and UNSUBSCRIBEs that wait. Returns false when one
 * could not go (a full send queue, or the connection failed): the next
 * pump_() tries again.
 */
MqttClient.prototype.sendDueSubscriptions_ = function (this: MqttClient): boolean {
  const t = this.subs_;
  for (let i = 0; i < t.size; i++) {
    if (S.subscriptionWaits(t, i) && (!this.sendSubscription_(i) || this.state_ !== ST_CONNECTED)) return false;
  }
  this.subsDue_ = false;
  return true;
};

/**
 * Sends the SUBSCRIBEs and UNSUBSCRIBEs that wait (subsDue_), then the
 * packets in flight that have not gone out on this connection (in
 * publish order: after a reconnect, or after a full send queue), then starts
 * queued messages while the window has room (called while a chunk is
 * handled, it does this once the chunk is done). Stops at a full send queue;
 * the next tick() tries again. In batches (publish, ack), a window of 8 or
 * more is refilled a quarter of it at a time so that many messages leave in
 * one write.
 */
MqttClient.prototype.pump_ = function (this: MqttClient, batch: boolean): void {
  if (this.busy_) {
    this.pumpDue_ = Math.max(this.pumpDue_, batch ? 1 : 2);
    return;
  }
  if (this.subsDue_ && !this.sendDueSubscriptions_()) return;
  const o = this.out_;
  while (o.unsent > 0 && this.state_ === ST_CONNECTED) {
    const slot = O.outboxOldest(o, true);
    this.sendMessage_(slot);
    if (!O.outboxSent(o, slot)) return;
  }
  if (batch && o.inFlightCount > 0 && this.window_ - o.inFlightCount < this.refill_) return;
  // Queued messages (usedCount over inFlightCount) are looked for only while there are some.
  while (this.state_ === ST_CONNECTED && o.inFlightCount < this.window_ && o.usedCount > o.inFlightCount) {
    const slot = O.outboxOldest(o, false);
    if (slot < 0) return;
    O.outboxStart(o, slot);
    this.sendMessage_(slot);
    if (!O.outboxSent(o, slot)) return;
  }
};
