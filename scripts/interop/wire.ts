/**
 * A Net for the interop scenarios: hal/node's real sockets, with every MQTT
 * packet in both directions written down (parsed by mqtt-packet, an
 * independent decoder), and a cut() that drops the TCP connection without a
 * DISCONNECT and refuses new connections, as a board losing power would.
 */
import mqttPacket from "mqtt-packet";
import * as E from "../../base/errors";
import { createNodeNet, cuttableNet, writtenBytes } from "../../hal/node/net";
import type { Net } from "../../hal/types";

/** One packet seen on the wire: "out" is client to broker. */
export interface WirePacket {
  dir: "out" | "in";
  cmd: string;
  qos: number;
  id: number;
  /** SUBACK: the granted QoS codes. */
  granted: number[];
  /** CONNACK: the return code. */
  returnCode: number;
  at: number;
}

export interface Wire {
  net: Net;
  packets: WirePacket[];
  /** Closes the open connection without DISCONNECT; later connects fail with E_SOCKET_NO_ROUTE. */
  cut(): void;
  /** Packets of `cmd` in direction `dir`. */
  count(dir: "out" | "in", cmd: string): number;
  /** A short transcript ("out PUBLISH q2 #3, in PUBACK #3, ...") of the last `n` packets. */
  transcript(n?: number): string;
}

/** A Net that records the packets it carries; never throws. */
export function createWire(): Wire {
  const inner = createNodeNet();
  const packets: WirePacket[] = [];
  // cut() ends every open socket and tells its owner, as a lost network does.
  const sockets = cuttableNet(inner);
  let severed = false;
  const record = (dir: "out" | "in") => (p: any) =>
    packets.push({
      dir,
      cmd: String(p.cmd).toUpperCase(),
      qos: p.qos ?? 0,
      id: p.messageId ?? 0,
      granted: Array.isArray(p.granted) ? p.granted : [],
      returnCode: p.returnCode ?? 0,
      at: Date.now(),
    });
  const net: Net = {
    connect(target, handlers) {
      if (severed) return E.E_SOCKET_NO_ROUTE;
      const fromBroker = mqttPacket.parser({ protocolVersion: 4 });
      const toBroker = mqttPacket.parser({ protocolVersion: 4 });
      fromBroker.on("packet", record("in"));
      toBroker.on("packet", record("out"));
      // A parse error only stops the record; the client judges the bytes itself.
      fromBroker.on("error", () => undefined);
      toBroker.on("error", () => undefined);
      const socket = sockets.net.connect(target, {
        onConnect: () => handlers.onConnect(),
        onError: (code) => handlers.onError(code),
        onData(chunk) {
          fromBroker.parse(Buffer.from(chunk as Uint8Array));
          handlers.onData(chunk);
        },
        onClose: () => handlers.onClose(),
      });
      if (typeof socket === "number") return socket;
      return {
        write(data, start, end) {
          const r = socket.write(data, start, end);
          if (r === 0) toBroker.parse(writtenBytes(data, start, end));
          return r;
        },
        close() {
          socket.close();
        },
      };
    },
  };
  return {
    net,
    packets,
    cut() {
      severed = true;
      sockets.cutAll();
    },
    count: (dir, cmd) => packets.filter((p) => p.dir === dir && p.cmd === cmd).length,
    transcript(n = 12) {
      return packets
        .slice(-n)
        .map(
          (p) =>
            `${p.dir} ${p.cmd}${p.cmd === "PUBLISH" ? ` q${p.qos}` : ""}${p.id ? ` #${p.id}` : ""}${p.cmd === "SUBACK" ? ` [${p.granted.join(",")}]` : ""}${p.cmd === "CONNACK" ? ` rc=${p.returnCode}` : ""}`,
        )
        .join(", ");
    },
  };
}
