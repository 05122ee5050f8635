/**
 * The benchmark's counting subscriber (bench/counting-subscriber.ts) against a
 * real mosquitto configured as the benchmark runs it: it counts every message
 * published at each QoS exactly once, and reports when the first and the last
 * arrived.
 */
import { strict as assert } from "node:assert";
import { startCountingSubscriber } from "../../bench/counting-subscriber";
import { closeLiveClients, startLiveClient, waitFor } from "../../scripts/support/live-client";
import { startMosquitto } from "../../scripts/support/mosquitto";
import { ST_CONNECTED } from "../../firmware/session/client";

describe("bench: the counting subscriber", function () {
  this.timeout(30000);
  let broker: Awaited<ReturnType<typeof startMosquitto>>;
  before(async () => {
    // As the benchmark runs it: no in-flight limit, a queue above the load.
    broker = await startMosquitto({ maxQueued: 10000, maxInflight: 0 });
  });
  after(async () => {
    closeLiveClients();
    if (broker) await broker.stop();
  });

  for (const qos of [0, 1, 2]) {
    it(`counts 500 messages published at QoS ${qos}, each once`, async () => {
      const topic = "bench/test/" + qos;
      const sub = await startCountingSubscriber(broker.port, topic, qos, "bench-sub-test-" + qos);
      const pub = startLiveClient(broker.port, { clientId: "bench-pub-test-" + qos, inflightWindow: 16, queueSize: 600 });
      await waitFor(() => pub.client.state() === ST_CONNECTED, "publisher connected");
      for (let i = 0; i < 500; i++) assert.ok(pub.client.publish(topic, "m" + i, qos, false) > 0 || qos === 0);
      await sub.arrivals.arrived(500);
      // Nothing more arrives: QoS 1 and 2 were acknowledged, so the broker does not send them again.
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(sub.arrivals.received, 500);
      assert.ok(sub.arrivals.last >= sub.arrivals.first && sub.arrivals.first > 0);
      sub.close();
    });
  }
});
