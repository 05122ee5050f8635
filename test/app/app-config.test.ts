import assert from "node:assert/strict";
import { findBoard } from "../../boards/index";
import { toDeviceBoard } from "../../boards/device-view";
import { checkConfig, parseConfig, CONFIG_FILE, type Config } from "../../firmware/app/config";
import { boot } from "../../firmware/app/boot";
import { createNodeHal } from "../../hal/node/index";
import { createManualTime } from "../../hal/node/timers";
import * as E from "../../base/errors";
import { DeviceProgram } from "../../firmware/app/device";
import { ST_CONNECTED } from "../../firmware/session/client";
import { FakeNet } from "../../scripts/support/fake-net";
import { ScriptedBroker } from "../support/scripted-broker";

const nodemcu = toDeviceBoard(findBoard("esp8266-nodemcu")!);
const esp32 = toDeviceBoard(findBoard("esp32-devkitc")!);

export function goodConfig(): Config {
  return {
    wifi: { ssid: "fablab", password: "secret-wifi" },
    broker: { host: "127.0.0.1", port: 1883, username: "board", password: "secret-mqtt" },
    device: "bench-1",
    sensors: [
      { name: "climate", kind: "dht22", pin: "D4", period: 30 },
      { name: "light", kind: "analog", pin: "A0", period: 10 },
    ],
    actuators: [
      { name: "relay", kind: "relay", pin: "D5", safe: "off" },
      { name: "lamp", kind: "pwm", pin: "D14" },
    ],
  };
}

function withChange(change: (c: any) => void): Config {
  const c = goodConfig() as any;
  change(c);
  return c;
}

describe("app: configuration checked at boot", () => {
  it("accepts a sound configuration", () => {
    assert.equal(checkConfig(goodConfig(), nodemcu), "");
  });

  const cases: [string, (c: any) => void, string][] = [
    ["no WiFi name", (c) => (c.wifi.ssid = ""), "wifi.ssid: 1 to 32 characters"],
    ["a port out of range", (c) => (c.broker.port = 70000), "broker.port: a whole number 1..65535"],
    ["TLS on an ESP8266", (c) => (c.broker.tls = true), "broker.tls: esp8266-nodemcu has no TLS"],
    ["a password without a user", (c) => delete c.broker.username, "broker.password: needs broker.username"],
    ["a device id with a slash", (c) => (c.device = "a/b"), "device: 1 to 32 letters, digits, '_' or '-'"],
    ["a base topic with a wildcard", (c) => (c.base = "lab/#"), "base: topic levels of letters, digits, '_' or '-'"],
    ["QoS 3", (c) => (c.qos = 3), "qos: 0, 1 or 2"],
    ["a flash pin", (c) => (c.actuators[0].pin = "D6"), "actuators[0].pin: D6 is not a usable pin on esp8266-nodemcu"],
    ["two roles on one pin", (c) => (c.actuators[1].pin = "D4"), "actuators[1].pin: D4 is already used by climate"],
    ["analog on a pin without ADC", (c) => (c.sensors[1].pin = "D12"), "sensors[1].pin: D12 has no ADC on esp8266-nodemcu"],
    [
      "a relay on the analog-only pin",
      (c) => {
        c.sensors[1] = { name: "door", kind: "digital", pin: "D12", period: 60 };
        c.actuators[0].pin = "A0";
      },
      "actuators[0].pin: A0 is input only on esp8266-nodemcu",
    ],
    ["a digital sensor on the analog-only pin", (c) => (c.sensors[1].kind = "digital"), "sensors[1].pin: A0 is analog only"],
    ["a DHT22 read every second", (c) => (c.sensors[0].period = 1), "sensors[0].period: seconds 2..86400"],
    ["a delta of 0", (c) => (c.sensors[0].delta = 0), "sensors[0].delta: a number above 0"],
    ["a delta that is text", (c) => (c.sensors[0].delta = "1"), "sensors[0].delta: a number above 0"],
    ["a maxPeriod without delta", (c) => (c.sensors[0].maxPeriod = 60), "sensors[0].maxPeriod: needs delta"],
    ["a maxPeriod below the period", (c) => Object.assign(c.sensors[0], { delta: 0.5, maxPeriod: 10 }), "sensors[0].maxPeriod: seconds 30..86400"],
    ["diagnostics every 5 s", (c) => (c.diagPeriod = 5), "diagPeriod: 0 (off) or seconds 10..86400"],
    ["an unknown sensor kind", (c) => (c.sensors[0].kind = "bme280"), "sensors[0].kind: dht22, ds18b20, analog or digital"],
    ["a duplicate name", (c) => (c.actuators[1].name = "climate"), "actuators[1].name: climate is used twice"],
    ["a PWM level for a relay", (c) => (c.actuators[0].safe = 50), "actuators[0]: levels 0..100 are for pwm"],
    ["a bad safe state", (c) => (c.actuators[1].safe = 101), "actuators[1].safe: keep, off, on or 0..100"],
    ["an unknown offline policy", (c) => (c.offline = "buffer"), 'offline: "skip" or "queue"'],
    ["a persist flag that is not a boolean", (c) => ((c as { persist?: unknown }).persist = "yes"), "persist: true or false"],
    ["a switching interval that is not a whole number", (c) => (c.actuators[0].minSwitchMs = 0.5), "actuators[0].minSwitchMs: milliseconds 0..3600000"],
    ["an unknown console", (c) => (c.console = "ssh"), 'console: "off" or "telnet"'],
    ["a negative switching interval", (c) => (c.actuators[1].minSwitchMs = -1), "actuators[1].minSwitchMs: milliseconds 0..3600000"],
    ["a switching interval over an hour", (c) => (c.actuators[0].minSwitchMs = 3600001), "actuators[0].minSwitchMs: milliseconds 0..3600000"],
  ];
  for (const [what, change, message] of cases) {
    it(`names the field for ${what}`, () => {
      assert.equal(checkConfig(withChange(change), nodemcu), message);
    });
  }

  it('accepts console: "off" and "telnet"', () => {
    for (const console of ["off", "telnet"] as const)
      assert.equal(
        checkConfig(
          withChange((c) => (c.console = console)),
          nodemcu,
        ),
        "",
      );
  });

  it("accepts a switching interval per actuator", () => {
    const c = withChange((c) => {
      c.actuators[0].minSwitchMs = 0;
      c.actuators[1].minSwitchMs = 3600000;
    });
    assert.equal(checkConfig(c, nodemcu), "");
  });

  it("refuses an output on an ESP32 input-only pin and accepts its ADC1 pins", () => {
    const c = withChange((c) => {
      c.sensors[0].pin = "D32";
      c.sensors[1].pin = "D34";
      c.actuators[0].pin = "D35";
    });
    assert.equal(checkConfig(c, esp32), "actuators[0].pin: D35 is input only on esp32-devkitc");
    c.actuators![0].pin = "D26";
    assert.equal(checkConfig(c, esp32), "");
  });

  it("says what is wrong with text that is not JSON or missing", () => {
    assert.equal(parseConfig("{wifi:", nodemcu), "config: not valid JSON");
    assert.match(parseConfig(null, nodemcu) as string, /^config: missing/);
    assert.equal(typeof parseConfig(JSON.stringify(goodConfig()), nodemcu), "object");
  });

  it("boots nothing half-way on a bad configuration: no WiFi join, no timer, the field in the log, no secret", () => {
    const time = createManualTime();
    const hal = createNodeHal(findBoard("esp8266-nodemcu")!, { clock: time.clock, timers: time.timers });
    hal.storage.write(CONFIG_FILE, JSON.stringify(withChange((c) => (c.actuators[0].pin = "D6"))));
    assert.equal(boot(hal, nodemcu), E.E_CONFIG);
    assert.equal(hal.wifi.joins(), 0);
    assert.equal(time.pending(), 0);
    assert.equal(hal.gpio.log.length, 0);
    assert.match(hal.log.lines.join("\n"), /E-401 E_CONFIG: .*\(actuators\[0\]\.pin: D6 is not a usable pin on esp8266-nodemcu\)/);
    assert.doesNotMatch(hal.log.lines.join("\n"), /secret/);
  });

  it("boots nothing when a sensor cannot be opened on the platform", () => {
    const time = createManualTime();
    const hal = createNodeHal(findBoard("esp8266-nodemcu")!, { clock: time.clock, timers: time.timers });
    hal.sensors.open = () => E.E_SENSOR_NOT_FOUND;
    hal.storage.write(CONFIG_FILE, JSON.stringify(goodConfig()));
    assert.equal(boot(hal, nodemcu), E.E_SENSOR_NOT_FOUND);
    assert.equal(hal.wifi.joins(), 0);
    assert.equal(time.pending(), 0);
    assert.deepEqual(
      hal.gpio.log.filter((e) => e.kind !== "mode"),
      [],
    );
  });
});

describe("app: the device's own copy of its configuration", () => {
  /** `value` frozen all the way down: any change to it throws in strict code. */
  function deepFreeze<T>(value: T): T {
    if (value && typeof value === "object") {
      for (const k of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[k]);
      Object.freeze(value);
    }
    return value;
  }

  it("starts, connects and stops on a deep-frozen configuration, which it leaves as it was", () => {
    const board = findBoard("esp8266-nodemcu")!;
    const time = createManualTime(1000);
    const net = new FakeNet();
    const broker = new ScriptedBroker(net);
    const hal = createNodeHal(board, { clock: time.clock, timers: time.timers, net, ssid: "fablab", password: "pw" });
    const config: Config = deepFreeze({
      wifi: { ssid: "fablab", password: "pw" },
      broker: { host: "127.0.0.1", port: 1883, keepalive: 60, username: "maker", password: "secret" },
      device: "dev1",
      base: "lab",
      qos: 2,
      persist: true,
      discovery: "homeassistant",
      actuators: [{ name: "relay", kind: "relay", pin: "D5", initial: "on", safe: "off" }],
    });
    const before = JSON.stringify(config);
    const device = new DeviceProgram(hal, toDeviceBoard(board), config, { random: () => 0 });
    assert.equal(device.start(), 0, hal.log.lines.join("\n"));
    for (let t = 0; t < 2000; t += 10) {
      time.advance(10);
      broker.run();
    }
    assert.equal(device.client.state(), ST_CONNECTED, hal.log.lines.join("\n"));
    assert.deepEqual(device.levels, [100], "initial on");
    device.stop();
    assert.equal(JSON.stringify(config), before);
  });
});
