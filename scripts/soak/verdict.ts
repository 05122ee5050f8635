/**
 * Turns the soak's ledger into figures per QoS and a pass or fail, pinning
 * each loss and duplicate on the broker or on the client:
 *
 * - A lost message (never delivered to the receiver's handler) is the
 *   broker's when the broker had acknowledged it to the sender (PUBACK or
 *   PUBREC on the sender's wire: from then on it is the broker's to deliver)
 *   and the receiver never acknowledged it. Such losses are split: those
 *   acknowledged at most BROKER_SAVE_WINDOW_MS before a SIGKILL (mosquitto
 *   acknowledges before it saves, once a second here, so a SIGKILL loses what
 *   it took since its last save), and the others, which the running broker
 *   dropped. A loss is the client's when the broker never acknowledged the
 *   message (the sender gave up on it) or the receiver acknowledged it without
 *   delivering it.
 * - A QoS 2 message delivered twice under a new packet id was sent again by
 *   the broker as a new message (its state rolled back). Under the same id,
 *   it is the broker's when PUBREL for that id reached the receiver between
 *   the two deliveries with a SIGKILL after it (the broker completed the
 *   exchange, then was restored from a save made before); otherwise the
 *   client delivered twice a message it should have recognised.
 *
 * Requirements: no client-side loss, no client-side QoS 2 duplicate, no
 * corrupted payload, every message acknowledged to the sender.
 */
import type { Ledger } from "./ledger";
import { messageKey } from "./payload";

export interface QosFigures {
  published: number;
  /** Acknowledged to the sender (onPublished). */
  sent: number;
  /** Distinct messages delivered to the receiver's handler. */
  received: number;
  lost: number;
  /** Lost, acknowledged by the broker shortly before a SIGKILL, never acknowledged by the receiver. */
  lostBrokerAcked: number;
  /** Lost, acknowledged by the broker at another time, never acknowledged by the receiver. */
  lostBrokerRunning: number;
  /** Of lostBrokerRunning: never seen on the receiver's wire at all. */
  lostBrokerNeverSent: number;
  /** Lost otherwise: must be 0. */
  lostClientSide: number;
  /** Missing when the run ended unfinished (the receiver never caught up): not attributed. */
  lostUnattributed: number;
  /** Extra deliveries to the handler, all causes. */
  duplicates: number;
  /** Extra deliveries under the first packet id (QoS 2: client-side, must be 0). */
  duplicatesSameId: number;
  /** QoS 2 extra deliveries under the first id after PUBREL and a SIGKILL (broker-side). */
  duplicatesAfterPubrel: number;
  /** Extra deliveries under another packet id (sent again as a new message). */
  duplicatesNewId: number;
  corrupted: number;
  /** Up to 10 client-side losses and QoS 2 duplicates, for the report. */
  examples: string[];
}

export interface Verdict {
  qos1: QosFigures;
  qos2: QosFigures;
  /** Longest time between the broker's acknowledgement and the SIGKILL that lost a message, ms (0: none lost). */
  brokerLossWindowMs: number;
  failures: string[];
  passed: boolean;
}

/**
 * How long before a SIGKILL an acknowledged message may still be missing from
 * mosquitto's save: its autosave interval (1 s) with room for a loaded
 * machine. A message acknowledged earlier and never delivered was lost after
 * the broker had saved it.
 */
export const BROKER_SAVE_WINDOW_MS = 3000;

/**
 * An acknowledgement the sender saw this long after a SIGKILL was sent can
 * still be the dead broker's: it was on its way through the proxy (delays up
 * to 20 ms, merges, the reset grace).
 */
const ACK_TRANSIT_MS = 100;

function firstKillAfter(kills: number[], at: number): number {
  for (const k of kills) if (k > at - ACK_TRANSIT_MS) return k;
  return -1;
}

function qosFigures(ledger: Ledger, qos: number, published: number, sent: number, kills: number[], window: { ms: number }, finished: boolean): QosFigures {
  const f: QosFigures = {
    published,
    sent,
    received: 0,
    lost: 0,
    lostBrokerAcked: 0,
    lostBrokerRunning: 0,
    lostBrokerNeverSent: 0,
    lostClientSide: 0,
    lostUnattributed: 0,
    duplicates: 0,
    duplicatesSameId: 0,
    duplicatesAfterPubrel: 0,
    duplicatesNewId: 0,
    corrupted: ledger.corruptedByQos[qos] || 0,
    examples: [],
  };
  for (let n = 0; n < published; n++) {
    const key = messageKey(qos, n);
    const list = ledger.deliveries.get(key);
    if (!list || list.length === 0) {
      f.lost++;
      if (!finished) {
        // The broker may still hold it: only a finished run (its end markers delivered) shows what was lost.
        f.lostUnattributed++;
        continue;
      }
      const ackedAt = ledger.brokerAcked.get(key);
      const kill = ackedAt === undefined ? -1 : firstKillAfter(kills, ackedAt);
      if (ackedAt !== undefined && !ledger.receiverAcked.has(key)) {
        if (kill >= 0 && kill - ackedAt <= BROKER_SAVE_WINDOW_MS) {
          f.lostBrokerAcked++;
          window.ms = Math.max(window.ms, Math.max(0, kill - ackedAt));
        } else {
          f.lostBrokerRunning++;
          if (!ledger.receiverSaw.has(key)) f.lostBrokerNeverSent++;
        }
      } else {
        f.lostClientSide++;
        if (f.examples.length < 10)
          f.examples.push(
            `${key} lost: broker ack ${ackedAt === undefined ? "none" : `at ${ackedAt.toFixed(0)} ms`}, receiver acked ${ledger.receiverAcked.has(key)}`,
          );
      }
      continue;
    }
    f.received++;
    const first = list[0];
    for (let i = 1; i < list.length; i++) {
      const again = list[i];
      f.duplicates++;
      if (again.packetId !== first.packetId) {
        f.duplicatesNewId++;
        continue;
      }
      if (qos === 2) {
        const pubrel = (ledger.pubrels.get(first.packetId) || []).find((t) => t > first.at && t < again.at);
        const kill = pubrel === undefined ? -1 : firstKillAfter(kills, pubrel);
        if (kill >= 0 && kill < again.at) {
          f.duplicatesAfterPubrel++;
          continue;
        }
        if (f.examples.length < 10)
          f.examples.push(
            `${key} delivered again under id ${again.packetId} (dup ${again.dup}) at ${again.at.toFixed(0)} ms, first at ${first.at.toFixed(0)} ms (dup ${first.dup}), PUBREL ${pubrel === undefined ? "not seen" : `at ${pubrel.toFixed(0)} ms`}`,
          );
      }
      f.duplicatesSameId++;
    }
  }
  return f;
}

/**
 * The figures and the pass/fail of a run; `finished` says whether the
 * receiver caught up (the end markers arrived). Never fails.
 */
export function judge(ledger: Ledger, published: [number, number], sent: [number, number], kills: number[], finished: boolean): Verdict {
  const window = { ms: 0 };
  const qos1 = qosFigures(ledger, 1, published[0], sent[0], kills, window, finished);
  const qos2 = qosFigures(ledger, 2, published[1], sent[1], kills, window, finished);
  const failures: string[] = [];
  for (const [name, f] of [
    ["QoS 1", qos1],
    ["QoS 2", qos2],
  ] as const) {
    if (f.sent < f.published) failures.push(`${name}: ${f.published - f.sent} message(s) never acknowledged to the sender`);
    if (f.lostClientSide > 0)
      failures.push(`${name}: ${f.lostClientSide} message(s) lost that the broker had not acknowledged (or that the receiver acknowledged without delivering)`);
    if (f.corrupted > 0) failures.push(`${name}: ${f.corrupted} corrupted payload(s)`);
  }
  if (!finished) failures.push(`the receiver never caught up: ${qos1.lostUnattributed + qos2.lostUnattributed} message(s) missing at the end, not attributed`);
  if (qos2.duplicatesSameId > 0) failures.push(`QoS 2: ${qos2.duplicatesSameId} duplicate(s) delivered to the handler under one packet id`);
  return { qos1, qos2, brokerLossWindowMs: window.ms, failures, passed: failures.length === 0 };
}
