/**
 * One publishing client for bench/client.bench.ts, in its own process so that
 * its CPU time is its own: publishes COUNT messages of SIZE bytes at QOS to
 * 127.0.0.1:PORT with fabmqtt or MQTT.js, as fast as the client allows, and
 * prints one JSON line: { cpuUs, wallMs, acked }.
 *
 *   tsx bench/client-publisher.ts <fabmqtt|mqttjs|raw> <port> <qos> <count> <size> <topic>
 *
 * "raw" is the ceiling, not a client: every packet encoded before the clock
 * starts and written in one go on a plain socket, acks counted by scanning
 * bytes (PUBREC answered with PUBREL). No client can publish with less work.
 */
import { buildSync } from "esbuild";
import { createRequire } from "node:module";
import path from "node:path";
import mqtt from "mqtt";
import net from "node:net";
import type * as CodecModule from "../firmware/mqtt/index";
import type * as ClientModule from "../firmware/session/client";
import type * as ClockModule from "../hal/node/clock";
import type * as NetModule from "../hal/node/net";

/**
 * fabmqtt as it ships: one bundle with one scope (as rollup builds it for the
 * boards), not tsx's per-file transform whose cross-module getters would be
 * measured instead of the client. Built before the clock starts.
 */
function loadBundledFabmqtt(): typeof ClientModule & typeof ClockModule & typeof NetModule {
  const out = buildSync({
    stdin: {
      contents:
        'export { createClient } from "../firmware/session/client";\n' +
        'export { systemClock } from "../hal/node/clock";\n' +
        'export { createNodeNet } from "../hal/node/net";\n',
      resolveDir: import.meta.dirname,
      loader: "ts",
    },
    bundle: true,
    write: false,
    format: "cjs",
    platform: "node",
    target: "node20",
  });
  const mod = { exports: {} as Record<string, unknown> };
  const req = createRequire(path.join(import.meta.dirname, "client-publisher.ts"));
  new Function("module", "exports", "require", out.outputFiles[0].text)(mod, mod.exports, req);
  return mod.exports as unknown as typeof ClientModule & typeof ClockModule & typeof NetModule;
}

const [which, portArg, qosArg, countArg, sizeArg, topic] = process.argv.slice(2);
const port = Number(portArg);
const qos = Number(qosArg) as 0 | 1 | 2;
const count = Number(countArg);
const payload = new Uint8Array(Number(sizeArg)).fill(0x61);
/** fabmqtt's in-flight window (and outbox size) for the run. */
const WINDOW = Number(process.env.FABMQTT_BENCH_WINDOW || 256);

function report(startCpu: NodeJS.CpuUsage, startWall: number, acked: number): void {
  const cpu = process.cpuUsage(startCpu);
  process.stdout.write(JSON.stringify({ cpuUs: cpu.user + cpu.system, wallMs: performance.now() - startWall, acked }) + "\n");
}

/** The codec, bundled the same way, for the raw publisher. */
function loadBundledCodec(): typeof CodecModule {
  const out = buildSync({
    entryPoints: [path.join(import.meta.dirname, "..", "firmware", "mqtt", "index.ts")],
    bundle: true,
    write: false,
    format: "cjs",
    platform: "node",
    target: "node20",
  });
  const mod = { exports: {} as Record<string, unknown> };
  new Function("module", "exports", out.outputFiles[0].text)(mod, mod.exports);
  return mod.exports as unknown as typeof CodecModule;
}

function runFabmqtt(): void {
  const { createClient, systemClock, createNodeNet } = loadBundledFabmqtt();
  let sent = 0;
  let acked = 0;
  let startCpu: NodeJS.CpuUsage;
  let startWall = 0;
  let done = false;
  const client = createClient({
    net: createNodeNet({ maxQueuedBytes: 8 * 1024 * 1024 }),
    clock: systemClock,
    host: "127.0.0.1",
    port,
    clientId: `bench-fab-${process.pid}`,
    keepalive: 60,
    inflightWindow: WINDOW,
    queueSize: WINDOW,
    txBufferSize: 4096,
    handler: {
      onConnect: () => {
        startCpu = process.cpuUsage();
        startWall = performance.now();
        pump();
      },
      onPublished: () => {
        acked++;
        if (acked === count) finish();
        else if (sent < count) pump();
      },
      onDisconnect: (code) => {
        if (!done) {
          process.stderr.write(`fabmqtt publisher disconnected: ${code}\n`);
          process.exit(2);
        }
      },
    },
  });
  function pump(): void {
    while (sent < count) {
      const r = client.publish(topic, payload, qos, false);
      // Outbox full: onPublished calls pump() again as acks free slots.
      if (r === -204) return;
      if (r < 0) {
        // Socket queue full (QoS 0): continue when the event loop has run.
        setImmediate(pump);
        return;
      }
      sent++;
    }
    if (qos === 0) setImmediate(waitFlushed);
  }
  function waitFlushed(): void {
    finish();
  }
  function finish(): void {
    if (done) return;
    done = true;
    report(startCpu, startWall, qos === 0 ? sent : acked);
    // stop() sends DISCONNECT and ends the socket after what was written has left;
    // the process then exits on its own once the socket is closed.
    client.stop();
  }
  const timer = setInterval(() => client.tick(), Number(process.env.FABMQTT_BENCH_TICK || 50));
  timer.unref();
  client.start();
}

function runMqttJs(): void {
  const client = mqtt.connect(`mqtt://127.0.0.1:${port}`, { clientId: `bench-js-${process.pid}`, keepalive: 60, reconnectPeriod: 0 });
  client.on("error", (e) => {
    process.stderr.write(`MQTT.js publisher error: ${e.message}\n`);
    process.exit(2);
  });
  client.on("connect", () => {
    const startCpu = process.cpuUsage();
    const startWall = performance.now();
    let acked = 0;
    const buf = Buffer.from(payload);
    const onDone = (err?: Error) => {
      if (err) {
        process.stderr.write(`MQTT.js publish failed: ${err.message}\n`);
        process.exit(2);
      }
      acked++;
      if (acked === count) {
        report(startCpu, startWall, acked);
        client.end(false, {}, () => process.exit(0));
      }
    };
    for (let i = 0; i < count; i++) client.publish(topic, buf, { qos }, onDone);
  });
}

function runRaw(): void {
  const { encodeConnect, encodePublish, encodePubrel } = loadBundledCodec();
  const packets = new Uint8Array(count * (payload.length + topic.length + 8));
  let end = 0;
  for (let i = 0; i < count; i++) end = encodePublish(packets, end, topic, payload, qos, false, false, (i % 65535) + 1);
  const connect = new Uint8Array(64);
  const connectEnd = encodeConnect(connect, 0, { clientId: `bench-raw-${process.pid}`, cleanSession: true, keepalive: 60 });
  const sock = net.connect({ host: "127.0.0.1", port });
  sock.setNoDelay(true);
  let startCpu: NodeJS.CpuUsage;
  let startWall = 0;
  let connected = false;
  let acked = 0;
  let pending: Buffer = Buffer.alloc(0);
  const rel = new Uint8Array(4);
  const done = () => {
    report(startCpu, startWall, qos === 0 ? count : acked);
    sock.end();
  };
  sock.on("connect", () => sock.write(Buffer.from(connect.subarray(0, connectEnd))));
  sock.on("data", (data: Buffer) => {
    pending = pending.length ? Buffer.concat([pending, data]) : data;
    let at = 0;
    if (!connected) {
      if (pending.length < 4) return;
      connected = true;
      at = 4; // CONNACK
      startCpu = process.cpuUsage();
      startWall = performance.now();
      sock.write(Buffer.from(packets.buffer, 0, end), qos === 0 ? done : undefined);
    }
    // Every ack a publisher receives is 4 bytes: PUBACK, PUBREC, PUBCOMP.
    while (pending.length - at >= 4) {
      const type = pending[at] >> 4;
      if (type === 5) sock.write(Buffer.from(rel.subarray(0, encodePubrel(rel, 0, (pending[at + 2] << 8) | pending[at + 3]))));
      else if (type === 4 || type === 7) acked++;
      at += 4;
    }
    pending = pending.subarray(at);
    if (qos > 0 && acked === count) done();
  });
}

if (which === "fabmqtt") runFabmqtt();
else if (which === "raw") runRaw();
else if (which === "mqttjs") runMqttJs();
else {
  process.stderr.write("usage: client-publisher.ts <fabmqtt|mqttjs|raw> <port> <qos> <count> <size> <topic>\n");
  process.exit(1);
}
