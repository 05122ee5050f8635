/**
 * Half-open detection on real sockets: a fabmqtt client publishes through the
 * fault proxy to a real mosquitto; the proxy turns the connection into a black
 * hole (both directions dropped, nothing closed, as when the access point
 * vanishes). The client must notice within 1.5x its keepalive plus a stated
 * margin, and reconnect.
 */
import { strict as assert } from "node:assert";
import * as E from "../../base/errors";
import { ST_CONNECTED } from "../../firmware/session/client";
import { NO_FAULTS, startFaultProxy, type FaultProxy } from "../../scripts/support/fault-proxy";
import { closeLiveClients, startLiveClient, waitFor } from "../../scripts/support/live-client";
import { startMosquitto, type Mosquitto } from "../../scripts/support/mosquitto";

const KEEPALIVE_S = 1;
/**
 * What detection may take beyond 1.5x the keepalive: the live client ticks
 * every 20 ms, and timers on this shared 2-core machine run late by up to
 * ~100 ms under load. 250 ms covers both.
 */
const DETECTION_MARGIN_MS = 250;
/** Reconnecting after detection: the first backoff (at most backoffBaseMs = 100 ms) plus connect and CONNACK. */
const RECONNECT_MARGIN_MS = 600;

describe("half-open connection through a black hole", function () {
  this.timeout(30000);
  let broker: Mosquitto;
  let proxy: FaultProxy;

  before(async () => {
    broker = await startMosquitto();
    proxy = await startFaultProxy(broker.port, NO_FAULTS, 1);
  });
  after(async () => {
    closeLiveClients();
    if (proxy) await proxy.close();
    if (broker) await broker.stop();
  });

  it(`is noticed within 1.5x the keepalive + ${DETECTION_MARGIN_MS} ms, then the client reconnects`, async () => {
    const times: { at: number; event: string }[] = [];
    const c = startLiveClient(proxy.port, {
      keepalive: KEEPALIVE_S,
      onConnect: () => times.push({ at: performance.now(), event: "connect" }),
      onDisconnect: (code) => times.push({ at: performance.now(), event: `disconnect:${code}` }),
    });
    await waitFor(() => c.client.state() === ST_CONNECTED, "connected");
    // Traffic right up to the black hole, so the last packet from the broker is recent.
    let n = 0;
    const traffic = setInterval(() => c.client.publish("half-open/t", `m${n++}`, 1, false), 20);
    try {
      await waitFor(() => c.published.length >= 10, "acknowledged publishes");
      const holedAt = performance.now();
      assert.equal(proxy.blackHoleOpen(), 1);
      await waitFor(() => times.length >= 3, "a disconnect and a reconnect", 10000);
      const down = times[1];
      const up = times[2];
      assert.equal(down.event, `disconnect:${E.E_KEEPALIVE_TIMEOUT}`);
      assert.equal(up.event, "connect");
      const detected = down.at - holedAt;
      const reconnected = up.at - holedAt;
      console.log(
        `      half-open noticed after ${detected.toFixed(0)} ms (keepalive ${KEEPALIVE_S * 1000} ms), reconnected after ${reconnected.toFixed(0)} ms`,
      );
      assert.ok(detected <= 1.5 * KEEPALIVE_S * 1000 + DETECTION_MARGIN_MS, `noticed after ${detected} ms`);
      // Not a reset in disguise: packets were acknowledged until the black hole, so the silence itself was timed.
      assert.ok(detected >= 1.5 * KEEPALIVE_S * 1000 - 200, `noticed too early: ${detected} ms`);
      assert.ok(reconnected - detected <= RECONNECT_MARGIN_MS, `reconnected ${reconnected - detected} ms after noticing`);
      // Messages published into the black hole are resent and acknowledged on the new connection.
      const sent = n;
      await waitFor(() => c.published.length >= sent, "every publish acknowledged after the reconnect");
    } finally {
      clearInterval(traffic);
    }
  });
});
