import type { DeviceBoard } from "../../boards/types";
import { E_SOCKET_NO_ROUTE } from "../../firmware/errors";
import { WIFI_UP, type Hal } from "../types";
import { espruinoClock } from "./clock";
import { createEspruinoGpio } from "./gpio";
import { createEspruinoLog } from "./log";
import { createEspruinoNet } from "./net";
import { createEspruinoSensors } from "./sensors";
import { createEspruinoStorage } from "./storage";
import { createEspruinoTimers } from "./timers";
import { createEspruinoWifi } from "./wifi";

/**
 * The platform on an Espruino board described by `board` (the device view the
 * bundle carries). Sockets need the WiFi link up (Linux boards: always); when
 * the link goes down, open sockets end with E_SOCKET_NO_ROUTE. Never fails:
 * modules are required when first used, and a missing one is a code then.
 */
export function createEspruinoHal(board: DeviceBoard): Hal {
  const online = function () {
    return wifi.state() === WIFI_UP;
  };
  const net = createEspruinoNet(board, online);
  const wifi = createEspruinoWifi(function (up) {
    if (!up) net.cut(E_SOCKET_NO_ROUTE);
  });
  const gpio = createEspruinoGpio(board);
  return {
    clock: espruinoClock,
    timers: createEspruinoTimers(),
    net: net,
    wifi: wifi,
    gpio: gpio,
    sensors: createEspruinoSensors(board, gpio),
    storage: createEspruinoStorage(),
    log: createEspruinoLog(),
  };
}
