/**
 * A Net that watches the MQTT packets a client writes and receives, parsed by
 * mqtt-packet (a codec independent of the project's), while passing every
 * byte through unchanged. The soak uses it to see what the broker
 * acknowledged and what reached the receiver, so that a loss or a duplicate
 * can be pinned on the broker or on the client.
 */
import mqttPacket from "mqtt-packet";
import { writtenBytes } from "../../hal/node/net";
import type { Net } from "../../hal/types";

export type Direction = "in" | "out";
export type TappedPacket = { cmd: string; messageId?: number; qos?: number; dup?: boolean; payload?: Buffer | string; topic?: string };
export type TapListener = (direction: Direction, packet: TappedPacket, connection: number) => void;

/** `inner` with every packet in and out reported to `listener`; connections are numbered from 1. Never fails by itself. */
export function tapNet(inner: Net, listener: TapListener): Net {
  let connections = 0;
  return {
    connect(target, handlers) {
      const connection = ++connections;
      const inParser = mqttPacket.parser({ protocolVersion: 4 });
      const outParser = mqttPacket.parser({ protocolVersion: 4 });
      inParser.on("packet", (p) => listener("in", p as TappedPacket, connection));
      outParser.on("packet", (p) => listener("out", p as TappedPacket, connection));
      // A connection cut mid-frame leaves a half packet: not an error of the tap.
      inParser.on("error", () => undefined);
      outParser.on("error", () => undefined);
      const socket = inner.connect(target, {
        onConnect: () => handlers.onConnect(),
        onError: (code) => handlers.onError(code),
        onClose: () => handlers.onClose(),
        onData(chunk) {
          inParser.parse(typeof chunk === "string" ? Buffer.from(chunk, "latin1") : Buffer.from(chunk));
          handlers.onData(chunk);
        },
      });
      if (typeof socket === "number") return socket;
      return {
        write(data, start, end) {
          const r = socket.write(data, start, end);
          if (r === 0) outParser.parse(writtenBytes(data, start, end));
          return r;
        },
        close: () => socket.close(),
      };
    },
  };
}
