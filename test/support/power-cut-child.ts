/**
 * A fabmqtt sender in its own process, for the power-cut test: a persistent
 * session kept in the Storage directory <dir>, publishing numbered messages
 * from <first> on (even numbers at QoS 1 to pc/1, odd ones at QoS 2 to pc/2)
 * until it is killed. It prints "durable <n>" whenever every message up to
 * number n is safe from a power cut (stats().durableSeq), and with "drain" as
 * <first> it publishes nothing, sends what the session kept and prints
 * "drained" when nothing is left.
 *   tsx test/support/power-cut-child.ts <port> <dir> <first|drain>
 */
import { createFileStorage } from "../../hal/node/storage";
import { startLiveClient } from "../../scripts/support/live-client";

const [port, dir, first] = process.argv.slice(2);
const drain = first === "drain";
const live = startLiveClient(Number(port), {
  clientId: "power-cut-sender",
  cleanSession: false,
  inflightWindow: 4,
  queueSize: 64,
  persistSession: { storage: createFileStorage(dir), name: "session", intervalMs: 100 },
});
const client = live.client;
/** [sequence number, message number] of what this process published, in order. */
const sent: [number, number][] = [];
let next = drain ? 0 : Number(first);
let durable = -1;
setInterval(() => {
  const st = client.stats();
  if (!drain && st.inFlight + st.queued < 48) {
    const qos = next % 2 === 0 ? 1 : 2;
    const seq = client.publish("pc/" + qos, String(next), qos, false);
    if (seq > 0) sent.push([seq, next++]);
  }
  let n = durable;
  while (sent.length && sent[0][0] <= st.durableSeq) n = sent.shift()![1];
  if (n !== durable) {
    durable = n;
    process.stdout.write("durable " + n + "\n");
  }
  if (drain && st.connects > 0 && st.inFlight + st.queued === 0) process.stdout.write("drained\n");
}, 3);
