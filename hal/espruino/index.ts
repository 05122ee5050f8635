import type { DeviceBoard } from "../../boards/types";
import type { Hal } from "../types";
import type { EspTelnetModule } from "./api";
import { espruinoClock } from "./clock";
import { espruinoHealth } from "./health";
import { espruinoPower } from "./power";
import { EspruinoGpio } from "./gpio";
import { espruinoLog } from "./log";
import { EspruinoNet } from "./net";
import { EspruinoSensors } from "./sensors";
import { espruinoStorage } from "./storage";
import { EspruinoTimers } from "./timers";
import { EspruinoWifi } from "./wifi";
import { espruinoUpdateFiles } from "./update-files";

declare function require(name: string): EspTelnetModule;
/** Espruino's soft reset: clears memory and runs the boot code from Storage again. */
declare function load(): void;

/**
 * The platform on an Espruino board described by `board` (the device view the
 * bundle carries). Sockets need the WiFi link up (Linux boards: always); when
 * the link goes down, open sockets end with E_SOCKET_NO_ROUTE. Never fails:
 * modules are required when first used, and a missing one is a code then.
 * Each part is one object with its methods on a prototype (or a constant
 * object): on the board, functions made inside others would cost variables
 * for as long as the HAL lives.
 */
export function createEspruinoHal(board: DeviceBoard): Hal {
  const net = new EspruinoNet(board);
  const wifi = new EspruinoWifi(net);
  net.link_ = wifi;
  const gpio = new EspruinoGpio(board);
  return {
    clock: espruinoClock,
    timers: new EspruinoTimers(),
    net: net,
    wifi: wifi,
    gpio: gpio,
    sensors: new EspruinoSensors(board, gpio),
    storage: espruinoStorage,
    log: espruinoLog,
    health: espruinoHealth,
    // Espruino's own load(): a soft reset that runs the boot code again. The
    // native function itself, so the field costs no function of ours.
    restart: load,
    power: espruinoPower,
    updateFiles: espruinoUpdateFiles,
    // Espruino's telnet console (port 23 on ESP8266 and ESP32, no password)
    // is turned off until the next reset: through it anyone on the network
    // could read Storage, the configuration's passwords included; a session
    // that is open ends. A firmware without the TelnetServer module (a Linux
    // build without it) makes this do nothing. Made here rather than at the
    // top level: start() uses it once and main.ts then deletes the field, so
    // it is freed (4 variables on the pool of 1,600).
    closeConsole: function () {
      try {
        require("TelnetServer").setOptions({ mode: "off" });
      } catch (e) {}
    },
  };
}
