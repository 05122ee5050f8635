/**
 * The library bundle (dist/modules/fabmqtt.min.js) as a program written for
 * Espruino's MQTT module runs it, against mosquitto: in a Node vm over the
 * Espruino stand-in (ESP8266: 268-byte chunks, 8-bit strings), whose objects
 * are given Espruino's built-in event methods here, and, when ESPRUINO_BIN
 * names Espruino's interpreter for Linux, on that interpreter with the
 * bundle loaded from Storage (its memory figures are printed; the program
 * needs a pool of 4,000 variables or more).
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import zlib from "node:zlib";
import mqttjs from "mqtt";
import * as E from "../../base/errors";
import { putEspruinoStorage, runEspruinoOnce } from "../../scripts/espruino-run";
import { createEspruinoContext, type EspruinoContext } from "../support/espruino-standin";
import { startMosquitto, type Mosquitto } from "../../scripts/support/mosquitto";
import { waitFor } from "../../scripts/support/live-client";

const BUNDLE = path.join(import.meta.dirname, "..", "..", "dist", "modules", "fabmqtt.min.js");
const CELSIUS = "21.5 °C ✓";
/** CELSIUS as a string literal of its UTF-8 bytes, in ASCII: Espruino's strings are 8-bit. */
const CELSIUS_LITERAL = JSON.stringify(Buffer.from(CELSIUS, "utf8").toString("latin1")).replace(/[\x80-\xff]/g, (ch) => "\\x" + ch.charCodeAt(0).toString(16));

/**
 * The program, in ES5 as one writes it for the board: subscribes with an
 * array, an object and an invalid filter, removes a listener from inside it,
 * publishes a UTF-8 text and a QoS 2 message to itself and receives `big`
 * bytes (the listener sends them once the text reached it), then publishes
 * 200 QoS 0 and 200 QoS 1 messages in tight loops (return codes ignored),
 * then unsubscribes a filter and, at its unsubscribed event, disconnects. It prints "LOG ..." lines, "ERRORS {code: count}" per phase,
 * "MEM <stage> <variables>" and "DONE". It goes to Storage as the module
 * "program", as code runs on the board (a script sent as text keeps its
 * source in variables).
 */
function program(port: number, big: number): string {
  return `
function mem(what) { print("MEM " + what + " " + process.memory().usage); }
function log(s) { print("LOG " + s); }
mem("before");
var M = require("fabmqtt");
mem("loaded");
var c = M.create("127.0.0.1", { port: ${port}, client_id: "lib-bundle" });
var errors = {};
var subs = 0, got = 0, acks = 0, peak = 0;
function watch() { var u = process.memory().usage; if (u > peak) peak = u; }
function phase(name) { print("ERRORS " + name + " " + JSON.stringify(errors)); errors = {}; }
function isBig(m) { if (m.length !== ${big}) return false; for (var k = 0; k < ${big}; k += 10) if (m.substr(k, 10) !== "0123456789") return false; return true; }
function first(t) { log("first " + t); c.removeListener("message", first); }
function finish() { log("unsubscribe " + c.unsubscribe("drop/b")); }
function burst1() {
  phase("qos0");
  for (var i = 0; i < 200; i++) c.publish("burst/1", "m" + i, { qos: 1 });
  watch();
  setTimeout(function () { phase("qos1"); mem("after-bursts"); print("MEM peak " + peak); finish(); }, 3000);
}
function bursts() {
  phase("setup");
  for (var i = 0; i < 200; i++) c.publish("burst/0", "m" + i);
  watch();
  // Error events, like all events here, come after the code that caused them returns.
  setTimeout(burst1, 1000);
}
function onAck(kind) { return function (seq) { log(kind + " " + (typeof seq)); acks++; if (acks === 2 && got === 3) bursts(); }; }
c.on("error", function (code, count) { errors[code] = (errors[code] || 0) + (count || 1); });
c.on("connect", function () { log("connect"); });
c.on("connected", function () {
  log("connected");
  mem("connected");
  log("array " + c.subscribe(["drop/a", "drop/b"], { qos: 1 }));
  log("object " + c.subscribe({ "drop/c": 2 }));
  log("invalid " + c.subscribe([5]));
});
c.on("subscribed", function (filter, qos) {
  log("subscribed " + filter + " " + qos);
  if (++subs < 3) return;
  c.publish("drop/a", ${CELSIUS_LITERAL}, { qos: 1 });
  c.publish("drop/c", "two", { qos: 2 });
});
c.on("message", first);
c.on("message", function (t, m) { watch(); log("message " + t + " " + (isBig(m) ? "big" : m === ${CELSIUS_LITERAL} ? "celsius" : m)); if (++got === 3 && acks === 2) bursts(); });
c.on("publish", function (p) { if (p.topic === "drop/c") log("publish " + [p.topic, p.message, p.dup, p.qos, p.retain].join(" ")); });
c.on("puback", onAck("puback"));
c.on("pubcomp", onAck("pubcomp"));
c.on("unsubscribed", function (filter) { log("unsubscribed " + filter); c.disconnect(); });
c.on("disconnected", function (code) { log("disconnected " + code); });
c.on("close", function (code) { log("close " + code); mem("closed"); print("DONE"); if (typeof quit === "function") quit(); });
c.connect();
`;
}

/** What the program printed: its LOG lines, its errors per phase, its memory figures. */
function parse(lines: string[]): { log: string[]; errors: Record<string, Record<string, number>>; mem: Record<string, number> } {
  const log: string[] = [];
  const errors: Record<string, Record<string, number>> = {};
  const mem: Record<string, number> = {};
  for (const line of lines) {
    let m = /^LOG (.*)$/.exec(line);
    if (m) log.push(m[1]);
    m = /^ERRORS (\S+) (.*)$/.exec(line);
    if (m) errors[m[1]] = JSON.parse(m[2]);
    m = /^MEM (\S+) (\d+)$/.exec(line);
    if (m) mem[m[1]] = Number(m[2]);
  }
  return { log, errors, mem };
}

/** An mqtt.js client on the broker counting what arrives per topic, with the bytes of drop/a; it answers drop/a with `big` bytes on drop/b. */
async function listener(port: number, big: number): Promise<{ client: mqttjs.MqttClient; count: (topic: string) => number; celsius: Buffer[] }> {
  const client = mqttjs.connect("mqtt://127.0.0.1:" + port, { clientId: "lib-bundle-listener", reconnectPeriod: 0 });
  await new Promise<void>((resolve, reject) => {
    client.once("connect", () => resolve());
    client.once("error", reject);
  });
  const counts = new Map<string, number>();
  const celsius: Buffer[] = [];
  client.on("message", (topic, payload) => {
    counts.set(topic, (counts.get(topic) ?? 0) + 1);
    if (topic !== "drop/a") return;
    celsius.push(payload);
    client.publish("drop/b", "0123456789".repeat(big / 10), { qos: 1 });
  });
  await client.subscribeAsync(["burst/#", "drop/a"], { qos: 1 });
  return { client, count: (t) => counts.get(t) ?? 0, celsius };
}

/** The checks both runs share. */
function checkRun(run: ReturnType<typeof parse>, heard: Awaited<ReturnType<typeof listener>>): void {
  const log = run.log;
  const has = (entry: string) => assert.ok(log.includes(entry), entry + " missing from:\n" + log.join("\n"));
  for (const entry of ["connected", "connect", "array 0", "object 0", "invalid " + E.E_INVALID_TOPIC]) has(entry);
  assert.deepEqual(log.filter((l) => l.startsWith("subscribed")).sort(), ["subscribed drop/a 1", "subscribed drop/b 1", "subscribed drop/c 2"]);
  assert.deepEqual(run.errors.setup, { [E.E_INVALID_TOPIC]: 1 }, "the invalid filter is an error event");
  // The listener removed from inside itself ran for the first message only.
  assert.deepEqual(
    log.filter((l) => l.startsWith("first")),
    ["first drop/a"],
  );
  assert.deepEqual(log.filter((l) => l.startsWith("message")).sort(), ["message drop/a celsius", "message drop/b big", "message drop/c two"]);
  has("publish drop/c two 0 2 0");
  const acks = log.filter((l) => /^pub(ack|comp)/.test(l));
  assert.deepEqual(acks.slice(0, 2).sort(), ["puback number", "pubcomp number"]);
  assert.deepEqual(acks.slice(2), Array(16).fill("puback number"), "one puback per QoS 1 message of the burst the queue took");
  assert.deepEqual(heard.celsius, [Buffer.from(CELSIUS, "utf8")], "UTF-8 on the wire");
  // Nothing lost silently: every message of the bursts reached the broker or was an error event.
  const refused = (phase: string) => Object.values(run.errors[phase] ?? {}).reduce((a, b) => a + b, 0);
  assert.equal(heard.count("burst/0") + refused("qos0"), 200, "QoS 0: " + JSON.stringify(run.errors.qos0));
  assert.equal(heard.count("burst/1") + refused("qos1"), 200, "QoS 1: " + JSON.stringify(run.errors.qos1));
  assert.deepEqual(Object.keys(run.errors.qos1 ?? {}), [String(E.E_QUEUE_FULL)]);
  assert.equal(heard.count("burst/1"), 16, "the default queue takes the head of the burst");
  assert.deepEqual(log.slice(-4), ["unsubscribe 0", "unsubscribed drop/b", "disconnected " + E.E_STOPPED, "close " + E.E_STOPPED]);
}

/** Gives every object of `esp` Espruino's built-in on, emit (listeners run later, `this` the object), removeListener and removeAllListeners. */
function giveObjectsEvents(esp: EspruinoContext): void {
  const lists = new WeakMap<object, Map<string, Function[]>>();
  const of = (o: object) => lists.get(o) ?? lists.set(o, new Map()).get(o)!;
  const methods: Record<string, Function> = {
    on(this: object, event: string, fn: Function) {
      const l = of(this);
      l.set(event, (l.get(event) ?? []).concat([fn]));
    },
    emit(this: object, event: string, ...args: unknown[]) {
      setImmediate(() => {
        // As Espruino: the listeners are those at the time the event is handled.
        for (const fn of of(this).get(event) ?? []) {
          try {
            fn.apply(this, args);
          } catch (e) {
            esp.uncaught.push(e);
          }
        }
      });
    },
    removeListener(this: object, event: string, fn: Function) {
      const l = of(this);
      l.set(
        event,
        (l.get(event) ?? []).filter((f) => f !== fn),
      );
    },
    removeAllListeners(this: object, event?: string) {
      if (event === undefined) lists.delete(this);
      else of(this).delete(event);
    },
  };
  const proto = esp.run("Object.prototype") as object;
  for (const [name, fn] of Object.entries(methods)) Object.defineProperty(proto, name, { value: fn, writable: true, configurable: true });
}

/** Gives the stand-in's E the CRC32 of Espruino's builds (an inbound QoS 2 message needs it); the result as Espruino gives it, a signed 32-bit number. */
function giveCrc32(esp: EspruinoContext): void {
  (esp.run("E") as { CRC32?: (s: string) => number }).CRC32 = (s) => zlib.crc32(Buffer.from(s, "latin1")) | 0;
}

describe("library bundle: a program written for the MQTT module, against mosquitto", function () {
  this.timeout(60000);
  let broker: Mosquitto;
  let heard: Awaited<ReturnType<typeof listener>>;
  /** The size of the message the program receives, as Espruino's MQTT module takes it. */
  const big = 1500;
  let esp: EspruinoContext | null = null;
  before(async () => {
    assert.ok(fs.existsSync(BUNDLE), BUNDLE + " is missing: run npm run build");
    broker = await startMosquitto();
  });
  beforeEach(async () => {
    heard = await listener(broker.port, big);
  });
  afterEach(() => {
    heard.client.end();
    if (esp) esp.dispose();
    esp = null;
  });
  after(async () => {
    await broker.stop();
  });

  it("runs on the ESP8266 stand-in with objects' own event methods", async () => {
    esp = createEspruinoContext({ mode: "esp8266" });
    giveObjectsEvents(esp);
    giveCrc32(esp);
    esp.upload("fabmqtt", fs.readFileSync(BUNDLE, "utf8"));
    esp.upload("program", program(broker.port, big));
    const ctx = esp;
    // The program's WiFi is its own business, as with the MQTT module: joined before it runs.
    ctx.run('require("Wifi").connect("fablab", { password: "" }, function () {});', "wifi.js");
    await waitFor(() => ctx.wifi.status() === "connected", "WiFi");
    ctx.run('require("program");', "run.js");
    await waitFor(() => ctx.console.includes("DONE"), "the program to end", 30000).catch((e) => {
      throw new Error(e.message + ":\n" + ctx.console.join("\n"));
    });
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(ctx.uncaught, []);
    checkRun(parse(ctx.console), heard);
  });

  it("runs on Espruino's interpreter for Linux (ESPRUINO_BIN), loaded from Storage", async function () {
    const bin = process.env.ESPRUINO_BIN;
    if (!bin) return this.skip();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fabmqtt-lib-bundle-"));
    try {
      // This program, connected, leaves some 400 of a 1,600-variable pool: too few for its
      // 1,500-byte message or its QoS 0 burst (docs/library.md has the library's figures there).
      const total = Number(/TOTAL (\d+)/.exec(await runEspruinoOnce(bin, dir, 'print("TOTAL " + process.memory().total); quit();\n', 10000))?.[1]);
      if (!(total >= 4000)) {
        console.log("      skipped: " + bin + " has " + total + " variables; this program needs 4,000");
        return this.skip();
      }
      await putEspruinoStorage(bin, dir, "fabmqtt", fs.readFileSync(BUNDLE, "latin1"));
      await putEspruinoStorage(bin, dir, "program", program(broker.port, big));
      const out = await runEspruinoOnce(bin, dir, 'require("program");\n', 40000);
      const lines = out.split("\n").map((l) => l.replace(/^>+/, "").trim());
      assert.ok(lines.includes("DONE"), out.slice(-3000));
      assert.doesNotMatch(out, /Uncaught|MEMORY/, out.slice(-3000));
      await new Promise((r) => setTimeout(r, 200));
      const run = parse(lines);
      checkRun(run, heard);
      const m = run.mem;
      console.log(
        "      " +
          total +
          "-variable pool; variables above the interpreter's own: loaded " +
          (m.loaded - m.before) +
          ", connected " +
          (m.connected - m.before) +
          ", highest " +
          (m.peak - m.before) +
          ", after the bursts " +
          (m["after-bursts"] - m.before) +
          ", closed " +
          (m.closed - m.before) +
          "; QoS 0 burst errors " +
          JSON.stringify(run.errors.qos0),
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
