/**
 * Unsubscribing from a filter and subscribing to it again before the UNSUBACK,
 * on a real mosquitto: the UNSUBACK still finds its request, the connection
 * stays, and the filter takes messages again. (The subscription used to take
 * back the leaving slot, whose UNSUBACK then named an unknown packet id:
 * E_UNKNOWN_PACKET_ID and a reconnect.)
 */
import { strict as assert } from "node:assert";
import { closeLiveClients, startLiveClient, waitFor } from "./support/live-client";
import { startMosquitto } from "./support/mosquitto";

type Broker = Awaited<ReturnType<typeof startMosquitto>>;

describe("subscribe again before the UNSUBACK (real mosquitto)", function () {
  this.timeout(20000);
  let broker: Broker;
  before(async () => {
    broker = await startMosquitto();
  });
  after(async () => {
    closeLiveClients();
    await broker.stop();
  });

  it("keeps the connection, and the filter takes messages again", async () => {
    const c = startLiveClient(broker.port, { clientId: "resub" });
    await waitFor(() => c.events.some((e) => e.startsWith("connect")), "the connect");
    assert.equal(c.client.subscribe("re/#", 1), 0);
    await waitFor(() => c.subacks.length === 1, "the SUBACK");
    assert.equal(c.client.unsubscribe("re/#"), 0);
    assert.equal(c.client.subscribe("re/#", 1), 0, "subscribed again at once");
    await waitFor(() => c.subacks.length === 2, "the second SUBACK");
    const p = startLiveClient(broker.port, { clientId: "resub-pub" });
    await waitFor(() => p.events.some((e) => e.startsWith("connect")), "the publisher's connect");
    p.client.publish("re/x", "again", 1, false);
    await waitFor(() => c.messages.some((m) => m.topic === "re/x"), "a message on the filter");
    await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual(c.events.filter((e) => e.startsWith("disconnect")), [], "no disconnect");
  });
});
