import board from "board";
import { espruinoClock } from "../../hal/espruino/clock";
import { EspruinoNet } from "../../hal/espruino/net";
import { EspruinoTimers } from "../../hal/espruino/timers";
import { createMqttModule, type ModuleOptions, type MqttConnection } from "../../firmware/lib/mqtt-module";

// No events: every object on Espruino has on, emit, removeListener and removeAllListeners built in.
const mod = createMqttModule({
  // The library does not manage WiFi: no link is given, so sockets are always allowed.
  net: new EspruinoNet(board),
  clock: espruinoClock,
  timers: new EspruinoTimers(),
});

/**
 * The library bundle's entry (dist/modules/fabmqtt.js): `require("fabmqtt").create(server, options)`,
 * as with Espruino's MQTT module. Throws only on options a program must fix.
 */
export const create: (server: string, options?: ModuleOptions) => MqttConnection = mod.create;
