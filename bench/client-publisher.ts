/**
 * One publishing client for bench/client.bench.ts, in its own process so that
 * its CPU time is its own: publishes COUNT messages of SIZE bytes at QOS to
 * 127.0.0.1:PORT with fabmqtt or MQTT.js, as fast as the client allows, and
 * prints one JSON line: { cpuUs, wallMs, acked }.
 *
 *   tsx bench/client-publisher.ts <fabmqtt|mqttjs> <port> <qos> <count> <size> <topic>
 */
import mqtt from "mqtt";
import { createClient } from "../firmware/session/client";
import { systemClock } from "../hal/node/clock";
import { createNodeNet } from "../hal/node/net";

const [which, portArg, qosArg, countArg, sizeArg, topic] = process.argv.slice(2);
const port = Number(portArg);
const qos = Number(qosArg) as 0 | 1 | 2;
const count = Number(countArg);
const payload = new Uint8Array(Number(sizeArg)).fill(0x61);

function report(startCpu: NodeJS.CpuUsage, startWall: number, acked: number): void {
  const cpu = process.cpuUsage(startCpu);
  process.stdout.write(JSON.stringify({ cpuUs: cpu.user + cpu.system, wallMs: performance.now() - startWall, acked }) + "\n");
}

function runFabmqtt(): void {
  let sent = 0;
  let acked = 0;
  let startCpu: NodeJS.CpuUsage;
  let startWall = 0;
  let done = false;
  const client = createClient({
    net: createNodeNet({ maxQueuedBytes: 256 * 1024 }),
    clock: systemClock,
    host: "127.0.0.1",
    port,
    clientId: `bench-fab-${process.pid}`,
    keepalive: 60,
    inflightWindow: 64,
    queueSize: 64,
    txBufferSize: 4096,
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
  });
  function pump(): void {
    while (sent < count) {
      const r = client.publish(topic, payload, qos, false);
      if (r < 0) {
        // Outbox or socket queue full: continue when the event loop has run.
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
    client.stop();
    setTimeout(() => process.exit(0), 50);
  }
  const timer = setInterval(() => client.tick(), 50);
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

if (which === "fabmqtt") runFabmqtt();
else if (which === "mqttjs") runMqttJs();
else {
  process.stderr.write("usage: client-publisher.ts <fabmqtt|mqttjs> <port> <qos> <count> <size> <topic>\n");
  process.exit(1);
}
