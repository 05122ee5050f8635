import board from "board";
import { espruinoClock } from "../../hal/espruino/clock";
import { EspruinoNet } from "../../hal/espruino/net";
import { EspruinoTimers } from "../../hal/espruino/timers";
import { createMqttModule, type ModuleOptions, type MqttConnection } from "../../firmware/lib/mqtt-module";

/** Every object on Espruino has on, emit, removeListener and removeAllListeners built in: a connection keeps those. */
function builtInEvents(): void {}

const mod = createMqttModule({
  // The library does not manage WiFi: no link is given, so sockets are always allowed.
  net: new EspruinoNet(board),
  clock: espruinoClock,
  timers: new EspruinoTimers(),
  events: builtInEvents,
});

/**
 * The library bundle's entry (dist/modules/fabmqtt.js): `require("fabmqtt").create(server, options)`,
 * as with Espruino's MQTT module. Throws only on options a program must fix.
 */
export function create(server: string, options?: ModuleOptions): MqttConnection {
  return mod.create(server, options);
}
