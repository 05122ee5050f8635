/**
 * The device program under bursts of commands, on the Node HAL with a manual
 * clock and a scripted broker whose connection has an ESP8266's send queue
 * (1,024 bytes, drained between network events): error replies are limited
 * to one a tick so that acknowledgements keep their room, the retained state
 * ends equal to the pin, and a relay switches at most once per `minSwitchMs`.
 */
import assert from "node:assert/strict";
import { TICK_MS } from "../../firmware/app/device";
import { ST_CONNECTED } from "../../firmware/session/client";
import { startDevice } from "../support/device-rig";
import * as E from "../../base/errors";

describe("app: bursts of commands on an ESP8266's send queue", () => {
  it("stays connected through 60 bad commands followed by ON: the relay is ON and so is the retained state", () => {
    const r = startDevice();
    const bad: [string, string][] = [];
    for (let i = 0; i < 60; i++) bad.push(["relay", "maybe"]);
    r.burst(bad.concat([["relay", "ON"]]));
    r.run(1000);
    assert.equal(r.net.connections.length, 1, "one connection, never dropped:\n" + r.hal.log.lines.join("\n"));
    assert.equal(r.device.client.state(), ST_CONNECTED);
    assert.equal(r.hal.gpio.level("D5"), 1);
    assert.deepEqual(r.got("state/relay"), ["OFF", "ON"]);
    assert.equal(r.net.last.packets("puback").length, 61, "every command acknowledged");
  });

  it("sends at most one error reply a tick, and says in the next one how many it left out", () => {
    const r = startDevice();
    const bad: [string, string][] = [];
    for (let i = 0; i < 60; i++) bad.push(["relay", "maybe"]);
    r.burst(bad);
    r.run(TICK_MS);
    assert.deepEqual(
      r.got("error").map((t) => JSON.parse(t)),
      [{ source: "relay", code: E.E_COMMAND_BAD_VALUE }],
    );
    r.burst([["heater", "ON"]]);
    r.run(TICK_MS);
    assert.deepEqual(JSON.parse(r.got("error")[1]), { source: "heater", code: E.E_COMMAND_UNKNOWN_ACTUATOR, dropped: 59 });
    r.burst([["relay", "maybe"]]);
    r.run(TICK_MS);
    assert.deepEqual(JSON.parse(r.got("error")[2]), { source: "relay", code: E.E_COMMAND_BAD_VALUE }, "the count starts again");
    assert.equal(r.hal.log.lines.filter((l) => l.startsWith("E-411 ")).length, 61, "every refusal is logged");
  });
});

describe("app: retained state and relay switching under bursts", () => {
  /** 11 commands ON, OFF, ..., ON. */
  const alternating = (name: string): [string, string][] => {
    const out: [string, string][] = [];
    for (let i = 0; i < 11; i++) out.push([name, i % 2 === 0 ? "ON" : "OFF"]);
    return out;
  };

  it("publishes the state again from the tick until the client takes it: 11 alternating commands end with the retained state ON, as the pin", () => {
    // No switching interval: every command is applied at once, and the outbox (8 messages) refuses the last states.
    const r = startDevice({ minSwitchMs: 0 });
    r.burst(alternating("relay"));
    assert.ok(r.got("state/relay").length < 12, "the outbox refused some states: " + r.got("state/relay").length);
    r.run(2000);
    assert.equal(r.hal.gpio.level("D5"), 1);
    const states = r.got("state/relay");
    assert.equal(states[states.length - 1], "ON", states.join());
    assert.equal(r.device.client.stats().queued + r.device.client.stats().inFlight, 0);
  });

  it("with the default interval of a relay, applies only the last of commands that came within 500 ms", () => {
    const r = startDevice();
    r.burst(alternating("relay"));
    r.run(2000);
    assert.equal(r.hal.gpio.level("D5"), 1);
    const states = r.got("state/relay");
    assert.equal(states[states.length - 1], "ON", states.join());
    assert.deepEqual(states, ["OFF", "ON"], "the first command applied, the rest coalesced into it");
  });

  it("switches a relay at most once per minSwitchMs through a burst of TOGGLEs, and ends as the commands say", () => {
    const r = startDevice({ minSwitchMs: 500 });
    const switches: [number, boolean][] = [];
    const write = r.hal.gpio.write;
    r.hal.gpio.write = (pin, high) => {
      if (pin === "D5") switches.push([r.time.clock.now(), high]);
      return write(pin, high);
    };
    // 41 bursts of 51 TOGGLEs (each burst flips the relay once), one every 50 ms.
    let toggles = 0;
    for (let k = 0; k < 41; k++) {
      const burst: [string, string][] = [];
      for (let i = 0; i < 51; i++) burst.push(["relay", "TOGGLE"]);
      toggles += burst.length;
      r.burst(burst);
      r.run(50);
    }
    r.run(1500);
    assert.ok(switches.length >= 2 && switches.length <= Math.ceil((41 * 50 + 500) / 500) + 1, "switches: " + switches.length);
    for (let i = 1; i < switches.length; i++)
      assert.ok(switches[i][0] - switches[i - 1][0] >= 500, "switched " + (switches[i][0] - switches[i - 1][0]) + " ms after the one before");
    const expected = toggles % 2 === 1 ? 1 : 0;
    assert.equal(r.hal.gpio.level("D5"), expected, "the level the commands, taken in order, ask for");
    const states = r.got("state/relay");
    assert.equal(states[states.length - 1], expected ? "ON" : "OFF");
    assert.equal(r.net.connections.length, 1);
  });

  it("lets a led or a pwm output follow every command (no interval unless configured)", () => {
    const r = startDevice({ name: "led", kind: "led", pin: "D2", safe: "keep" });
    r.burst(alternating("led").slice(0, 4));
    r.run(TICK_MS);
    assert.deepEqual(r.got("state/led"), ["OFF", "ON", "OFF", "ON", "OFF"]);
  });

  it("puts the relay in its safe state when the broker is lost, and drops a command that waited for the interval", () => {
    const r = startDevice();
    r.burst([["relay", "ON"]]);
    r.run(600);
    r.burst([
      ["relay", "OFF"],
      ["relay", "ON"],
      ["relay", "OFF"],
      ["relay", "ON"],
    ]);
    assert.equal(r.hal.gpio.level("D5"), 0, "OFF applied at once, the rest wait");
    r.net.last.reset();
    r.run(20);
    assert.equal(r.hal.gpio.level("D5"), 0, "safe: off");
    r.run(1000);
    assert.equal(r.hal.gpio.level("D5"), 0, "the command that waited is not applied after the safe state");
  });
});
