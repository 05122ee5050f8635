/**
 * What the soak saw happen to each message, from three places: the sender's
 * wire (which packet id carried it, when the broker acknowledged it with
 * PUBACK or PUBREC), the receiver's wire (PUBREL per packet id), and the
 * receiver's handler (every delivery, with its id and DUP flag). Times are
 * milliseconds since the run started.
 */
import type { TappedPacket, Direction } from "./wire-tap";
import { checkPayload } from "./payload";

export interface Delivery {
  packetId: number;
  dup: boolean;
  at: number;
}

export interface Ledger {
  /** Key -> when the broker first acknowledged it to the sender (PUBACK/PUBREC). */
  brokerAcked: Map<string, number>;
  /** Key -> the packet id it was first sent with. */
  sentId: Map<string, number>;
  /** Key -> every delivery to the receiver's handler, in order. */
  deliveries: Map<string, Delivery[]>;
  /** Packet id -> times the receiver got PUBREL for it. */
  pubrels: Map<number, number[]>;
  /** Keys the receiver acknowledged on its wire (PUBACK or PUBREC). */
  receiverAcked: Set<string>;
  /** Keys that arrived whole on the receiver's wire at least once. */
  receiverSaw: Set<string>;
  /** Deliveries whose payload was not an intact soak payload. */
  corrupted: number;
  /** Corrupted deliveries per QoS. */
  corruptedByQos: [number, number, number];
  /** The sender's wire: packet id -> the message last written under it. */
  senderIds: Map<number, string>;
  /** The receiver's wire: "connection/packet id" -> the message last received under it. */
  receiverIds: Map<string, string>;
}

/** An empty ledger. Never fails. */
export function createLedger(): Ledger {
  return {
    brokerAcked: new Map(),
    sentId: new Map(),
    deliveries: new Map(),
    pubrels: new Map(),
    receiverAcked: new Set(),
    receiverSaw: new Set(),
    corrupted: 0,
    corruptedByQos: [0, 0, 0],
    senderIds: new Map(),
    receiverIds: new Map(),
  };
}

/**
 * A tap listener for the sender's wire. Packet ids are the client's and
 * outlive connections, so an acknowledgement belongs to the message last
 * written under that id.
 */
export function senderTap(ledger: Ledger, now: () => number, onFirstAck: (key: string) => void) {
  const keyOfId = ledger.senderIds;
  return (direction: Direction, p: TappedPacket) => {
    if (direction === "out" && p.cmd === "publish" && (p.qos ?? 0) > 0 && p.messageId !== undefined) {
      const key = checkPayload(String(p.payload ?? ""));
      if (key === null) return;
      keyOfId.set(p.messageId, key);
      if (!ledger.sentId.has(key)) ledger.sentId.set(key, p.messageId);
    } else if (direction === "in" && (p.cmd === "puback" || p.cmd === "pubrec") && p.messageId !== undefined) {
      const key = keyOfId.get(p.messageId);
      if (key !== undefined && !ledger.brokerAcked.has(key)) {
        ledger.brokerAcked.set(key, now());
        onFirstAck(key);
      }
    }
  };
}

/**
 * A tap listener for the receiver's wire: PUBREL times per packet id, and
 * which messages the receiver acknowledged (per connection, an ack answers the
 * last PUBLISH that arrived under its id).
 */
export function receiverTap(ledger: Ledger, now: () => number) {
  const keyOfId = ledger.receiverIds;
  return (direction: Direction, p: TappedPacket, connection: number) => {
    if (p.messageId === undefined) return;
    if (direction === "in" && p.cmd === "publish") {
      const key = checkPayload(String(p.payload ?? ""));
      if (key !== null) {
        keyOfId.set(`${connection}/${p.messageId}`, key);
        ledger.receiverSaw.add(key);
      }
    } else if (direction === "out" && (p.cmd === "puback" || p.cmd === "pubrec")) {
      const key = keyOfId.get(`${connection}/${p.messageId}`);
      if (key !== undefined) ledger.receiverAcked.add(key);
    } else if (direction === "in" && p.cmd === "pubrel") {
      let list = ledger.pubrels.get(p.messageId);
      if (!list) ledger.pubrels.set(p.messageId, (list = []));
      list.push(now());
    }
  };
}

/** Records one delivery to the receiver's handler; returns the message's key when it is its first delivery, else null. */
export function recordDelivery(ledger: Ledger, payload: string, qos: number, packetId: number, dup: boolean, at: number): string | null {
  const key = checkPayload(payload);
  if (key === null) {
    ledger.corrupted++;
    ledger.corruptedByQos[qos] = (ledger.corruptedByQos[qos] || 0) + 1;
    return null;
  }
  let list = ledger.deliveries.get(key);
  const first = !list;
  if (!list) ledger.deliveries.set(key, (list = []));
  list.push({ packetId, dup, at });
  return first ? key : null;
}
