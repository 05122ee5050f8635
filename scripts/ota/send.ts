import mqtt from "mqtt";
import { E_OTA_ROLLED_BACK } from "../../base/errors";
import type { UpdateOffer } from "../../firmware/app/ota";
import type { BrokerTarget } from "../simulator/broker-url";
import { otaClientOptions } from "./retained";

/** What sendUpdate needs: where the device listens, and what to send it. */
export interface SendOptions {
  broker: BrokerTarget;
  /** CA certificate (PEM) for mqtts://, when the broker's is not publicly trusted. */
  ca?: string;
  /** "<base>/<device>/". */
  root: string;
  /** The image's bytes, one char code each. */
  bytes: string;
  offer: UpdateOffer;
  /** After each chunk the device took: bytes it has, of the whole. */
  onProgress?: (done: number, total: number) => void;
  /** Also told: "connected", "asked again", "checked", ... for the terminal. */
  onEvent?: (text: string) => void;
  /** With no word from the device for this long, the offer is sent again (the device answers with where it is). Default 5 s. */
  quietMs?: number;
  /** How long the image checked has to come back running (or rolled back). Default 150 s. */
  trialMs?: number;
  /** How long it all may take. Default 30 min. */
  timeoutMs?: number;
}

/** How an update ended. */
export interface SendResult {
  /** The new image came back running. */
  ok: boolean;
  /** "running", "refused" (ota/result said no, a rollback included), "timeout" or "broker" (it could not be reached). */
  end: "running" | "refused" | "timeout" | "broker";
  code?: number;
  error?: string;
  /** The version the device says it runs ("running"). */
  version?: string;
  /** Times the offer went again after a silence: a resumed update. */
  resumes: number;
  ms: number;
}

/**
 * Sends an image to a device over its broker (docs/updates.md): cmd/ota/begin
 * with the offer, then each chunk the device asks for on ota/next
 * (cmd/ota/chunk/<offset>), at QoS 1,
 * until ota/result says it is checked, then waits for the device to come
 * back running it. After a silence (a connection lost on either side) the
 * offer goes again and the device answers with where it is: the update
 * resumes. Never throws: every end is a SendResult.
 */
export function sendUpdate(o: SendOptions): Promise<SendResult> {
  const started = Date.now();
  const quietMs = o.quietMs ?? 5000;
  const tell = o.onEvent ?? (() => {});
  const b = o.broker;
  const client = mqtt.connect(otaClientOptions(o.broker, o.ca, 1000, 10000));
  return new Promise<SendResult>((resolve) => {
    let heard = Date.now();
    let checkedAt = 0;
    let resumes = 0;
    let lastSent = -1;
    let lastSentAt = 0;
    let connectedOnce = false;
    const finish = (r: Omit<SendResult, "resumes" | "ms">) => {
      clearInterval(watch);
      client.end(true);
      resolve({ ...r, resumes, ms: Date.now() - started });
    };
    const begin = () => client.publish(o.root + "cmd/ota/begin", JSON.stringify(o.offer), { qos: 1 });
    client.on("connect", () => {
      tell(connectedOnce ? "connected again" : "connected to " + b.host + ":" + b.port);
      connectedOnce = true;
      client.subscribe([o.root + "ota/next", o.root + "ota/result"], { qos: 1 }, () => {
        heard = Date.now();
        if (!checkedAt) begin();
      });
    });
    client.on("error", (e) => {
      if (!connectedOnce) finish({ ok: false, end: "broker", error: e.message });
    });
    client.on("message", (topic, payload) => {
      let m: { offset?: number; chunk?: number; ok?: boolean; checked?: boolean; running?: string; code?: number; error?: string };
      try {
        m = JSON.parse(payload.toString("latin1"));
      } catch {
        return;
      }
      heard = Date.now();
      if (topic === o.root + "ota/next" && !checkedAt && typeof m.offset === "number" && typeof m.chunk === "number" && m.chunk > 0) {
        // The same ask twice in a short while is one answered already (a chunk and a resent offer crossed).
        if (m.offset === lastSent && Date.now() - lastSentAt < quietMs) return;
        lastSent = m.offset;
        lastSentAt = Date.now();
        o.onProgress?.(m.offset, o.bytes.length);
        client.publish(o.root + "cmd/ota/chunk/" + m.offset, Buffer.from(o.bytes.substr(m.offset, m.chunk), "latin1"), { qos: 1 });
      } else if (topic === o.root + "ota/result") {
        if (m.ok && m.checked && !checkedAt) {
          checkedAt = Date.now();
          o.onProgress?.(o.bytes.length, o.bytes.length);
          tell("checked by the device; it restarts into " + o.offer.v);
        } else if (m.ok && typeof m.running === "string") {
          // After the restart into the image, or the answer to an offer of the version running already.
          if (checkedAt || m.running === o.offer.v) finish({ ok: m.running === o.offer.v, end: "running", version: m.running });
        } else if (m.ok === false && (checkedAt || m.code !== E_OTA_ROLLED_BACK)) {
          finish({ ok: false, end: "refused", code: m.code, error: m.error });
        }
      }
    });
    const watch = setInterval(() => {
      const now = Date.now();
      if (now - started > (o.timeoutMs ?? 30 * 60000)) return finish({ ok: false, end: "timeout", error: "the update did not end in time" });
      if (checkedAt) {
        if (now - checkedAt > (o.trialMs ?? 150000)) finish({ ok: false, end: "timeout", error: "the device did not come back after the update" });
        return;
      }
      if (client.connected && now - heard > quietMs) {
        heard = now;
        resumes++;
        tell("no word from the device for " + quietMs / 1000 + " s: offering again");
        begin();
      }
    }, 200);
  });
}
