/**
 * A retained message larger than the client takes in, with a topic longer than
 * anything it keeps, on a real mosquitto: the client skips it, acknowledges it
 * and reports E_PACKET_TOO_LARGE, and stays connected. (It used to drop the
 * connection with E_TRUNCATED at every connect, for as long as the message
 * was retained.)
 */
import { strict as assert } from "node:assert";
import * as E from "../firmware/errors";
import { closeLiveClients, startLiveClient, waitFor } from "./support/live-client";
import { mosquittoPub, startMosquitto } from "./support/mosquitto";

type Broker = Awaited<ReturnType<typeof startMosquitto>>;

describe("an oversized retained message (real mosquitto)", function () {
  this.timeout(30000);
  let broker: Broker;
  before(async () => {
    broker = await startMosquitto();
  });
  after(async () => {
    closeLiveClients();
    await broker.stop();
  });

  for (const qos of [0, 1, 2]) {
    it(`at QoS ${qos} with a 2,000-byte topic: skipped, acknowledged, reported, and the connection stays`, async () => {
      const topic = `big/q${qos}/` + "t".repeat(2000);
      // Retained by the broker's own tool, as a neighbour on the lab's network would.
      await mosquittoPub(["-p", String(broker.port), "-t", topic, "-m", "ON", "-q", String(qos), "-r"]);
      const publisher = startLiveClient(broker.port, { clientId: `big-pub-${qos}` });
      const errors: number[] = [];
      const small = startLiveClient(broker.port, { clientId: `big-sub-${qos}`, maxPacketSize: 160, onError: (c) => errors.push(c) });
      small.client.subscribe(`big/q${qos}/#`, 2);
      small.client.subscribe("after/#", 1);
      await waitFor(() => errors.includes(E.E_PACKET_TOO_LARGE), "E_PACKET_TOO_LARGE");
      // A message after it still arrives, on the same connection.
      publisher.client.publish("after/x", "next", 1, false);
      await waitFor(() => small.messages.some((m) => m.topic === "after/x"), "the message after the oversized one");
      await new Promise((r) => setTimeout(r, 1500));
      assert.deepEqual(small.events.filter((e) => e.startsWith("disconnect")), [], "no disconnect");
      assert.equal(small.events.filter((e) => e.startsWith("connect")).length, 1, "one connect");
      assert.ok(!small.messages.some((m) => m.topic.startsWith(`big/q${qos}/`)), "the oversized message is not delivered");
      // Cleared for the next run.
      await mosquittoPub(["-p", String(broker.port), "-t", topic, "-n", "-r"]);
    });
  }
});
