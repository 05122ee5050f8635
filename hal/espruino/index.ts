import type { DeviceBoard } from "../../boards/types";
import type { Hal } from "../types";
import { espruinoClock } from "./clock";
import { EspruinoGpio } from "./gpio";
import { espruinoLog } from "./log";
import { EspruinoNet } from "./net";
import { EspruinoSensors } from "./sensors";
import { espruinoStorage } from "./storage";
import { EspruinoTimers } from "./timers";
import { EspruinoWifi } from "./wifi";

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
  };
}
