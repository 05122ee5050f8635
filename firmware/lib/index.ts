import board from "board";
import { espruinoClock } from "../../hal/espruino/clock";
import { createEspruinoNet } from "../../hal/espruino/net";
import { createEspruinoTimers } from "../../hal/espruino/timers";
import { createMqttModule, type ModuleOptions, type MqttConnection } from "./mqtt-module";

const mod = createMqttModule({
  // The library does not manage WiFi: the link is the user's business, sockets are always allowed.
  net: createEspruinoNet(board, function () {
    return true;
  }),
  clock: espruinoClock,
  timers: createEspruinoTimers(),
});

/**
 * The library bundle's entry (dist/modules/fabmqtt.js): `require("fabmqtt").create(server, options)`,
 * as with Espruino's MQTT module. Throws only on options a program must fix.
 */
export function create(server: string, options?: ModuleOptions): MqttConnection {
  return mod.create(server, options);
}
