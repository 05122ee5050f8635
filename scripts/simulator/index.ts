/**
 * `npm start`: a virtual board. The device program (firmware/app) runs on the
 * Node HAL with simulated WiFi, sensors and actuators, connected to an aedes
 * broker it starts on 127.0.0.1 (port 1883, or a free one when that is taken),
 * or to the broker given with --broker. Ctrl-C publishes "offline" and
 * disconnects cleanly.
 */
import fs from "node:fs";
import { parseArgs } from "node:util";
import { BOARDS, findBoard } from "../../boards/index";
import { toDeviceBoard } from "../../boards/device-view";
import { boot } from "../../firmware/app/boot";
import { checkConfig, CONFIG_FILE } from "../../firmware/app/config";
import type { Device, DeviceOptions } from "../../firmware/app/device";
import { ST_CONNECTED } from "../../firmware/session/client";
import { createNodeHal } from "../../hal/node/index";
import { createMemoryStorage } from "../../hal/node/storage";
import { parseBrokerUrl, plainPasswordWarning, type BrokerTarget } from "./broker-url";
import { startEmbeddedBroker, type EmbeddedBroker } from "./embedded-broker";
import { simulatorConfig, SIM_SSID, SIM_WIFI_PASSWORD } from "./sim-config";
import { createView } from "./view";

const USAGE = `usage: npm start -- [--broker mqtt://user:pass@host:port | mqtts://...] [--ca ca.pem]
                    [--board esp8266-nodemcu] [--device sim-1] [--base fabmqtt] [--port 1883] [--sleep 30]
Without --broker, an embedded aedes broker is started on 127.0.0.1 (--port, default 1883).
--broker given more than once: brokers tried in turn (failover); TLS and the user are the first one's.
--sleep: battery mode, seconds of deep sleep between wakes (10..86400); each wake prints its awake time.`;

function fail(text: string): never {
  process.stderr.write(text + "\n");
  process.exit(2);
}

async function main() {
  let args;
  try {
    args = parseArgs({
      options: {
        broker: { type: "string", multiple: true },
        ca: { type: "string" },
        board: { type: "string", default: "esp8266-nodemcu" },
        device: { type: "string", default: "sim-1" },
        base: { type: "string", default: "fabmqtt" },
        port: { type: "string", default: "1883" },
        sleep: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    }).values;
  } catch (e) {
    fail((e as Error).message + "\n" + USAGE);
  }
  if (args.help) {
    // Every board whose configuration passes the device's own check (simulatorPins fits it to the board).
    const target: BrokerTarget = { host: "127.0.0.1", port: 1883, tls: false };
    const fit = BOARDS.filter((b) => checkConfig(simulatorConfig(b, target, "sim-1", "fabmqtt"), toDeviceBoard(b)) === "").map((b) => b.id);
    process.stdout.write(USAGE + "\nBoards the virtual board runs as: " + fit.join(", ") + "\n");
    return;
  }
  const board = findBoard(args.board!);
  if (!board) fail("--board: no board " + args.board + " (see boards/)");
  let target: BrokerTarget;
  const more: BrokerTarget[] = [];
  let embedded: EmbeddedBroker | null = null;
  if (args.broker && args.broker.length) {
    const parsed = args.broker.map(parseBrokerUrl);
    for (const p of parsed) if (typeof p === "string") fail(p);
    const targets = parsed as BrokerTarget[];
    if (targets.some((t) => t.tls !== targets[0].tls)) fail("--broker: give all brokers as mqtt:// or all as mqtts://");
    target = targets[0];
    more.push(...targets.slice(1));
  } else {
    embedded = await startEmbeddedBroker(Number(args.port));
    target = { host: "127.0.0.1", port: embedded.port, tls: false };
  }
  let ca: string | undefined;
  if (args.ca) {
    try {
      ca = fs.readFileSync(args.ca, "utf8");
    } catch (e) {
      fail("--ca: cannot read " + args.ca + ": " + (e as Error).message);
    }
  }
  const config = simulatorConfig(board, target, args.device!, args.base!, ca, more);
  if (args.sleep !== undefined) config.sleep = Number(args.sleep);
  // Refused before the header prints command lines for a device that will not start.
  const problem = checkConfig(config, toDeviceBoard(board));
  if (problem) {
    if (embedded) await embedded.close();
    fail("bad configuration: " + problem);
  }
  const root = config.base + "/" + config.device;
  const auth = target.username !== undefined ? ` -u ${target.username}` + (target.password !== undefined ? " -P <password>" : "") : "";
  const tlsArgs = target.tls ? " --cafile <ca.pem>" : "";
  const where = `-h ${target.host} -p ${target.port}${auth}${tlsArgs}`;
  const header = [
    `fabmqtt virtual board "${config.device}" (${board.name} pins), broker ${target.tls ? "mqtts" : "mqtt"}://${[target, ...more].map((t) => t.host + ":" + t.port).join(",")}` +
      (embedded ? " (embedded aedes)" : ""),
    `watch:   mosquitto_sub ${where} -t '${root}/#' -v`,
    `command: mosquitto_pub ${where} -t ${root}/set/relay -m ON`,
    "pins:    " +
      [...config.sensors, ...config.actuators]
        .map((p) => `${p.name} ${p.pin}` + (board.labels[p.pin] !== p.pin ? ` (${board.labels[p.pin]} on the board)` : ""))
        .join(", "),
  ];
  for (const t of [target, ...more]) {
    const warning = plainPasswordWarning({ ...t, password: target.password });
    if (warning) header.push(warning);
  }
  if (embedded && embedded.portTaken) header.push(`note:    port ${args.port} was taken (another broker?): the embedded broker listens on ${embedded.port}`);

  let device: Device | null = null;
  const storage = createMemoryStorage();
  let view: ReturnType<typeof createView> | null = null;
  const events: DeviceOptions = {
    onEvent: (kind, name, text) => {
      if (kind === "telemetry") view!.event(`telemetry ${root}/telemetry/${name} ${text}`);
      else if (kind === "command") view!.event(`command   ${name} -> ${text}`);
      else if (kind === "diag") view!.event(`diag      ${root}/diag ${text}`);
      else view!.event(`refused   ${name}: code ${text}`);
    },
  };
  // cmd/restart: the device has stopped; it boots again from Storage, as a board does after load().
  const restart = () => {
    const again = boot(hal, toDeviceBoard(board), events);
    if (typeof again === "number") view!.event("restart   the device did not start again: code " + again);
    else {
      view!.event("restart   booted again from Storage");
      device = again;
    }
  };
  const hal = createNodeHal(board, { ssid: SIM_SSID, password: SIM_WIFI_PASSWORD, storage, echo: (line) => view && view.event(line), restart });
  view = createView(hal, () => device, config, header);
  storage.write(CONFIG_FILE, JSON.stringify(config));
  const booted = boot(hal, toDeviceBoard(board), events);
  if (typeof booted === "number") {
    view.close();
    if (embedded) await embedded.close();
    fail("the virtual board did not start: " + hal.log.lines.join("; "));
  }
  device = booted;

  // A plausible environment: daylight drifting on the light sensor, the door opened now and then.
  const lightPin = config.sensors.find((s) => s.name === "light")?.pin;
  const doorPin = config.sensors.find((s) => s.name === "door")?.pin;
  const started = Date.now();
  const world = setInterval(() => {
    const t = (Date.now() - started) / 1000;
    if (lightPin) hal.gpio.setAnalog(lightPin, Math.round((0.55 + 0.35 * Math.sin(t / 40) + 0.03 * Math.sin(t * 1.7)) * 1000) / 1000);
    if (doorPin && Math.floor(t) % 20 === 0) hal.gpio.setInput(doorPin, Math.floor(t / 20) % 2 === 1);
  }, 1000);
  if (lightPin) hal.gpio.setAnalog(lightPin, 0.55);

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    clearInterval(world);
    // The offline status goes out only over a connection: say what happened.
    view!.event(
      device!.client.state() === ST_CONNECTED ? "stopping: offline status published, disconnecting" : "stopping: not connected, no offline status published",
    );
    device!.stop();
    await new Promise((r) => setTimeout(r, 300));
    view!.close();
    if (embedded) await embedded.close();
    process.exit(0);
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

main().catch((e) => fail(String(e && e.stack ? e.stack : e)));
