import type { Device } from "../../firmware/app/device";
import type { Config } from "../../firmware/app/config";
import { ST_CONNECTED, ST_CONNECTING, ST_WAITING } from "../../firmware/session/client";
import { WIFI_JOINING, WIFI_UP } from "../../hal/types";
import type { NodeHal } from "../../hal/node/index";
import { stateText } from "../../firmware/app/actuators";
import { brokerAddresses } from "./broker-url";

const MQTT_STATES = ["stopped", "waiting to reconnect", "connecting", "connected"];

/**
 * The simulator's terminal view: a status block redrawn in place on a TTY
 * (WiFi, MQTT, actuators, recent events), plain event lines otherwise (so
 * that it can be piped and tested).
 */
export interface View {
  event(line: string): void;
  draw(): void;
  close(): void;
}

/** A view of `device` on `hal`; `header` lines come first. Never fails. */
export function createView(hal: NodeHal, device: () => Device | null, config: Config, header: string[], out: NodeJS.WriteStream = process.stdout): View {
  const tty = !!out.isTTY;
  const recent: string[] = [];
  let timer: NodeJS.Timeout | null = null;
  const stamp = () => new Date().toISOString().slice(11, 19);
  const view: View = {
    event(line) {
      const text = stamp() + "  " + line;
      if (!tty) {
        out.write(text + "\n");
        return;
      }
      recent.push(text);
      if (recent.length > 12) recent.shift();
      view.draw();
    },
    draw() {
      if (!tty) return;
      const d = device();
      const wifi = hal.wifi.state() === WIFI_UP ? "up " + hal.wifi.ip() : hal.wifi.state() === WIFI_JOINING ? "joining " + config.wifi.ssid : "down";
      const st = d ? d.client.state() : 0;
      let mqtt = MQTT_STATES[st] || String(st);
      if (d && (st === ST_WAITING || st === ST_CONNECTING)) mqtt += " (last error " + d.client.stats().lastError + ")";
      // Which broker: the one connected to, or tried next (with several, its place in the list).
      const brokers = brokerAddresses(config.broker);
      const at = d ? d.client.stats().broker : 0;
      const where = brokers[at].host + ":" + brokers[at].port + (brokers.length > 1 ? " (broker " + (at + 1) + " of " + brokers.length + ")" : "");
      mqtt += (st === ST_CONNECTED ? " to " : ", broker ") + where;
      const acts = (config.actuators || []).map(
        (a, i) => "  " + a.name.padEnd(8) + " " + a.kind.padEnd(6) + " " + a.pin.padEnd(4) + " " + (d ? stateText(a, d.levels[i]) : "-"),
      );
      const lines = [
        ...header,
        "",
        "WiFi   " + wifi,
        "MQTT   " + mqtt,
        "",
        "Actuators",
        ...acts,
        "",
        "Recent",
        ...recent.map((l) => "  " + l),
        "",
        "Ctrl-C to stop",
      ];
      out.write("\x1b[H\x1b[2J" + lines.join("\n") + "\n");
    },
    close() {
      if (timer) clearInterval(timer);
      timer = null;
    },
  };
  if (tty) {
    timer = setInterval(() => view.draw(), 1000);
    timer.unref();
  } else for (const line of header) out.write(line + "\n");
  return view;
}
