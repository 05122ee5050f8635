/**
 * The benchmark's counting subscriber: one TCP connection that subscribes at
 * a QoS and counts the PUBLISH packets that arrive, answering each as MQTT
 * 3.1.1 asks (PUBACK for QoS 1; PUBREC, then PUBCOMP for the broker's PUBREL,
 * for QoS 2), with the answers to one chunk of input written at once. Built
 * on the project's codec, with no client logic, for
 * `FABMQTT_BENCH_SUBSCRIBER=counter`: with it the raw publisher's rate is the
 * broker's own ceiling, not the subscriber's.
 */
import net from "node:net";
import * as C from "../firmware/mqtt/constants";
import { decodePacket } from "../firmware/mqtt/decode";
import { encodeAck, encodeConnect, encodeSubscribe } from "../firmware/mqtt/encode";
import { createFramer, framerPush } from "../firmware/mqtt/framer";
import { createPacket } from "../firmware/mqtt/packet";

/** What a benchmark subscriber reports: messages that arrived, when the first and the last did. */
export interface Arrivals {
  received: number;
  /** performance.now() of the first and the last. */
  first: number;
  last: number;
  /** Counts one message. */
  count(): void;
  /** Resolves once `count` arrived. */
  arrived(count: number): Promise<void>;
}

/** A fresh count, shared by every kind of subscriber the benchmark uses. */
export function createArrivals(): Arrivals {
  let waiting: { count: number; done: () => void } | null = null;
  const a: Arrivals = {
    received: 0,
    first: 0,
    last: 0,
    count() {
      const now = performance.now();
      if (a.received === 0) a.first = now;
      a.last = now;
      a.received++;
      if (waiting && a.received >= waiting.count) {
        waiting.done();
        waiting = null;
      }
    },
    arrived(count) {
      if (a.received >= count) return Promise.resolve();
      return new Promise((done) => (waiting = { count, done }));
    },
  };
  return a;
}

export interface CountingSubscriber {
  arrivals: Arrivals;
  close(): void;
}

/** Connects to 127.0.0.1:`port`, subscribes to `topic` at `qos`; rejects when the broker refuses either. */
export function startCountingSubscriber(port: number, topic: string, qos: number, clientId: string): Promise<CountingSubscriber> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, "127.0.0.1");
    sock.setNoDelay(true);
    const tx = Buffer.alloc(64 * 1024);
    const p = createPacket();
    let txLen = 0;
    const sub: CountingSubscriber = {
      arrivals: createArrivals(),
      close() {
        sock.end();
      },
    };
    const ack = (type: number, id: number) => {
      if (txLen + 4 > tx.length) flush();
      txLen = encodeAck(tx, txLen, type, id);
    };
    const flush = () => {
      if (txLen === 0) return;
      sock.write(Buffer.from(tx.subarray(0, txLen)));
      txLen = 0;
    };
    const framer = createFramer(4096, {
      onPacket(buf, start, length) {
        if (decodePacket(p, buf, start, length) < 0) return sock.destroy(new Error("a malformed packet from the broker"));
        if (p.type === C.PUBLISH) {
          if (p.qos === 1) ack(C.PUBACK, p.packetId);
          else if (p.qos === 2) ack(C.PUBREC, p.packetId);
          sub.arrivals.count();
        } else if (p.type === C.PUBREL) ack(C.PUBCOMP, p.packetId);
        else if (p.type === C.CONNACK) {
          if (p.returnCode !== 0) return reject(new Error("CONNACK " + p.returnCode));
        } else if (p.type === C.SUBACK) {
          const granted = buf[start + length - 1];
          if (granted === C.SUBACK_FAILURE) return reject(new Error("SUBACK refused " + topic));
          resolve(sub);
        }
      },
    });
    sock.on("connect", () => {
      txLen = encodeConnect(tx, 0, { clientId, cleanSession: true, keepalive: 0 });
      txLen = encodeSubscribe(tx, txLen, 1, [topic], [qos], 1);
      flush();
    });
    sock.on("data", (chunk) => {
      if (framerPush(framer, chunk) < 0) sock.destroy(new Error("the broker's stream cannot be framed"));
      flush();
    });
    sock.on("error", reject);
  });
}
