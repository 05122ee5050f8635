/**
 * Broker failover: the client's `brokers` list (firmware/session/client.ts)
 * on a scripted broker and a manual clock, the configuration's
 * `broker.hosts` (firmware/app/config.ts), and the device program moving
 * from one real broker (aedes, in this process) to another.
 */
import assert from "node:assert/strict";
import net from "node:net";
import { Aedes } from "aedes";
import { findBoard } from "../../boards/index";
import { toDeviceBoard } from "../../boards/device-view";
import { boot } from "../../firmware/app/boot";
import { checkConfig, CONFIG_FILE, type Config } from "../../firmware/app/config";
import type { Device } from "../../firmware/app/device";
import { createClient, ST_CONNECTED } from "../../firmware/session/client";
import { createNodeHal } from "../../hal/node/index";
import { createRig } from "../support/client-rig";
import { FakeNet } from "../../scripts/support/fake-net";
import { closeLiveClients, startLiveClient, waitFor } from "../../scripts/support/live-client";
import { createManualClock } from "../../hal/node/clock";
import { createView } from "../../scripts/simulator/view";

const A = { host: "10.0.0.2", port: 1883 };
const B = { host: "10.0.0.3", port: 1884 };
const C = { host: "10.0.0.4", port: 1883 };

/** A rig whose client has three brokers; `down` says which hosts refuse (the connection resets before CONNACK). */
function failoverRig(down: Set<string>) {
  const rig = createRig({ brokers: [A, B, C] });
  rig.net.onConnection = (c) => (down.has(c.target.host) ? c.reset() : c.accept());
  return rig;
}

const targets = (rig: ReturnType<typeof createRig>) => rig.net.connections.map((c) => c.target.host + ":" + c.target.port);

describe("client failover: a list of brokers", () => {
  it("connects to the first broker, and stats() says which", () => {
    const rig = failoverRig(new Set()).connect();
    assert.equal(rig.client.state(), ST_CONNECTED);
    assert.deepEqual(targets(rig), ["10.0.0.2:1883"]);
    assert.equal(rig.client.stats().broker, 0);
  });

  it("moves to the next broker after a failed connect, after the backoff", () => {
    const rig = failoverRig(new Set([A.host])).connect();
    assert.notEqual(rig.client.state(), ST_CONNECTED);
    assert.equal(rig.client.stats().broker, 1, "the next attempt goes to the second");
    // random 0.5, base 1000: the first delay is 750 ms; nothing is tried before it.
    rig.advance(700);
    assert.deepEqual(targets(rig), ["10.0.0.2:1883"]);
    rig.advance(100);
    assert.deepEqual(targets(rig), ["10.0.0.2:1883", "10.0.0.3:1884"]);
    assert.equal(rig.client.state(), ST_CONNECTED);
    assert.equal(rig.client.stats().broker, 1);
  });

  it("moves on after a lost connection and wraps from the last broker to the first", () => {
    const down = new Set<string>();
    const rig = failoverRig(down).connect();
    down.add(A.host);
    down.add(C.host);
    rig.net.last.reset();
    rig.run();
    assert.match(rig.events.join(" "), /disconnect:/);
    rig.advance(5000);
    assert.deepEqual(targets(rig), ["10.0.0.2:1883", "10.0.0.3:1884"]);
    assert.equal(rig.client.state(), ST_CONNECTED);
    // B goes too, A comes back: B, then C (down), then A.
    down.delete(A.host);
    down.add(B.host);
    rig.net.last.reset();
    rig.run();
    rig.advance(10000);
    assert.deepEqual(targets(rig), ["10.0.0.2:1883", "10.0.0.3:1884", "10.0.0.4:1883", "10.0.0.2:1883"]);
    assert.equal(rig.client.state(), ST_CONNECTED);
    assert.equal(rig.client.stats().broker, 0);
  });

  it("sends the QoS 1 and 2 messages in flight to the next broker: PUBLISH with DUP, and PUBREL after PUBREC", () => {
    const rig = failoverRig(new Set()).connect();
    rig.broker.script.ackPublishes = false;
    const first = rig.net.last;
    rig.client.publish("t/1", "one", 1, false);
    rig.client.publish("t/2", "two", 2, false);
    rig.run();
    assert.equal(first.packets("publish").length, 2);
    // PUBREC for the QoS 2 message by hand: it then awaits PUBCOMP.
    first.send({ cmd: "pubrec", messageId: first.packets("publish")[1].messageId });
    rig.run();
    assert.equal(first.packets("pubrel").length, 1);
    rig.broker.script.ackPublishes = true;
    first.reset();
    rig.run();
    rig.advance(2000);
    const second = rig.net.last;
    assert.equal(second.target.host, B.host);
    const resent = second.packets("publish");
    assert.deepEqual(
      resent.map((p) => [p.topic, p.qos, p.dup]),
      [["t/1", 1, true]],
    );
    assert.equal(second.packets("pubrel").length, 1, "PUBREL, not the PUBLISH again, for the QoS 2 message");
    assert.deepEqual(rig.publishedSeqs.sort(), [1, 2]);
    assert.equal(rig.client.stats().inFlight, 0);
  });

  it("without a list connects to host and port every time, and says broker 0", () => {
    const rig = createRig();
    rig.net.onConnection = (c) => c.reset();
    rig.connect();
    rig.advance(5000);
    assert.ok(rig.net.connections.length >= 2);
    assert.deepEqual([...new Set(targets(rig))], ["127.0.0.1:1883"]);
    assert.equal(rig.client.stats().broker, 0);
  });

  it("refuses an empty list when it is made", () => {
    assert.throws(() => createClient({ net: new FakeNet(), clock: createManualClock(0), host: "", port: 0, clientId: "x", brokers: [] }), /brokers is empty/);
  });
});

describe("the simulator's live view with several brokers", () => {
  it("says which broker the board is on, and which it tries next", () => {
    const hal = createNodeHal(findBoard("esp8266-nodemcu")!, { ssid: "fablab", password: "w" });
    let state = ST_CONNECTED;
    const device = { client: { state: () => state, stats: () => ({ broker: 1, lastError: -301 }) }, levels: [0] } as unknown as Device;
    const config = {
      wifi: { ssid: "fablab" },
      broker: { hosts: ["10.0.0.2", "10.0.0.3:1884"], port: 1883 },
      device: "v",
      actuators: [{ name: "relay", kind: "relay", pin: "D5" }],
    } as Config;
    let text = "";
    const out = { isTTY: true, write: (s: string) => ((text = s), true) } as unknown as NodeJS.WriteStream;
    const view = createView(hal, () => device, config, [], out);
    try {
      view.draw();
      assert.match(text, /MQTT +connected to 10\.0\.0\.3:1884 \(broker 2 of 2\)/);
      state = 1;
      view.draw();
      assert.match(text, /MQTT +waiting to reconnect \(last error -301\), broker 10\.0\.0\.3:1884 \(broker 2 of 2\)/);
    } finally {
      view.close();
    }
  });
});

const nodemcu = toDeviceBoard(findBoard("esp8266-nodemcu")!);

function hostsConfig(hosts: unknown, over: Record<string, unknown> = {}): Config {
  return { wifi: { ssid: "fablab", password: "w" }, broker: { hosts, port: 1883, ...over } as Config["broker"], device: "d1" };
}

describe("configuration: broker.hosts", () => {
  it("accepts 1 to 8 hosts, with or without a port", () => {
    assert.equal(checkConfig(hostsConfig(["10.0.0.2", "10.0.0.3:1884", "broker.lab:65535"]), nodemcu), "");
    assert.equal(checkConfig(hostsConfig(["a", "b", "c", "d", "e", "f", "g", "h"]), nodemcu), "");
  });
  const cases: [string, Config, string][] = [
    ["host and hosts both", hostsConfig(["a"], { host: "b" }), "broker.hosts: not with broker.host"],
    ["an empty list", hostsConfig([]), 'broker.hosts: 1 to 8 "host" or "host:port"'],
    ["nine hosts", hostsConfig(["a", "b", "c", "d", "e", "f", "g", "h", "i"]), 'broker.hosts: 1 to 8 "host" or "host:port"'],
    ["a string, not a list", hostsConfig("a,b"), 'broker.hosts: 1 to 8 "host" or "host:port"'],
    ["a port out of range", hostsConfig(["a", "b:70000"]), 'broker.hosts[1]: "host" or "host:port", port 1..65535'],
    ["a port that is not a number", hostsConfig(["a:x"]), 'broker.hosts[0]: "host" or "host:port", port 1..65535'],
    ["an empty host before the port", hostsConfig([":1883"]), 'broker.hosts[0]: "host" or "host:port", port 1..65535'],
    ["an IPv6 literal", hostsConfig(["::1"]), 'broker.hosts[0]: "host" or "host:port", port 1..65535'],
    ["a number", hostsConfig([1883]), 'broker.hosts[0]: "host" or "host:port", port 1..65535'],
    ["a colon and no port", hostsConfig(["a:"]), 'broker.hosts[0]: "host" or "host:port", port 1..65535'],
    ["neither host nor hosts", { wifi: { ssid: "fablab" }, broker: { port: 1883 }, device: "d1" } as Config, "broker.host: 1 to 253 characters"],
  ];
  for (const [what, c, message] of cases) {
    it(`names the field for ${what}`, () => {
      assert.equal(checkConfig(c, nodemcu), message);
    });
  }
});

/** An aedes broker on 127.0.0.1 that can be closed with its clients. */
async function startAedes(): Promise<{ port: number; close(): Promise<void> }> {
  const aedes = await Aedes.createBroker();
  const server = net.createServer(aedes.handle);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  let closed: Promise<void> | null = null;
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () => (closed ??= new Promise<void>((resolve) => aedes.close(() => server.close(() => resolve())))),
  };
}

describe("the device with broker.hosts, on two real brokers", function () {
  this.timeout(20000);
  let device: Device | null = null;
  afterEach(() => {
    if (device) device.stop();
    device = null;
    closeLiveClients();
  });

  it("goes to the second broker when the first is gone, and publishes its status and diagnostics there", async () => {
    const first = await startAedes();
    const second = await startAedes();
    try {
      const board = findBoard("esp8266-nodemcu")!;
      const hal = createNodeHal(board, { ssid: "fablab", password: "w" });
      const config: Config = {
        wifi: { ssid: "fablab", password: "w" },
        broker: { hosts: ["127.0.0.1:" + first.port, "127.0.0.1:" + second.port], port: 1, keepalive: 10 },
        device: "fo1",
        base: "failover",
        discovery: "",
        actuators: [{ name: "relay", kind: "relay", pin: "D5" }],
      };
      hal.storage.write(CONFIG_FILE, JSON.stringify(config));
      const d = boot(hal, toDeviceBoard(board), { random: () => 0 });
      assert.equal(typeof d, "object", hal.log.lines.join("\n"));
      device = d as Device;
      const watcher = startLiveClient(second.port, { clientId: "watch-fo" });
      watcher.client.subscribe("failover/fo1/#", 1);
      await waitFor(() => device!.client.state() === ST_CONNECTED, "connected to the first broker");
      assert.equal(device.client.stats().broker, 0);
      await first.close();
      await waitFor(
        () => watcher.messages.some((m) => m.topic === "failover/fo1/status" && m.payload.toString() === "online"),
        "online on the second broker",
        10000,
      );
      assert.equal(device.client.stats().broker, 1);
      // The diagnostics name the broker the board is on.
      await waitFor(() => watcher.messages.some((m) => m.topic === "failover/fo1/diag"), "diag on the second broker", 10000);
      const diag = JSON.parse(
        watcher.messages
          .filter((m) => m.topic === "failover/fo1/diag")
          .pop()!
          .payload.toString(),
      );
      assert.equal(diag.broker, "127.0.0.1:" + second.port);
    } finally {
      await first.close();
      await second.close();
    }
  });
});
