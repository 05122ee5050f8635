import { nodeUpdateFiles } from "./update-files";
import type { Board, DeviceBoard } from "../../boards/types";
import { toDeviceBoard } from "../../boards/device-view";
import * as E from "../../base/errors";
import type { Clock, Hal, Net, Socket, SocketHandlers, Storage, Timers } from "../types";
import { systemClock } from "./clock";
import { createNodeTimers } from "./timers";
import { createNodeNet, cuttableNet } from "./net";
import { createSimWifi, createWiredLink, type SimWifi } from "./wifi";
import { createVirtualGpio, type VirtualGpio } from "./gpio";
import { createScriptedSensors, type ScriptedSensors } from "./sensors";
import { createMemoryStorage } from "./storage";
import { createNodeLog, type NodeLog } from "./log";

/** The Node HAL with its test and simulator controls in view. */
export interface NodeHal extends Hal {
  board: DeviceBoard;
  wifi: SimWifi;
  gpio: VirtualGpio;
  sensors: ScriptedSensors;
  log: NodeLog;
  /** The host has no remote console: closing it is only counted. */
  closeConsole(): void;
  /** How many times closeConsole() was called. */
  consoleCloses(): number;
}

export interface NodeHalOptions {
  clock?: Clock;
  timers?: Timers;
  net?: Net;
  storage?: Storage;
  /** The simulated access point. */
  ssid?: string;
  password?: string;
  /** Echo of log lines (the simulator's view); none by default. */
  echo?: ((line: string) => void) | null;
  /**
   * What restart() does (the simulator stops the device and boots it again);
   * without it the platform can neither restart nor sleep. Deep sleep is
   * simulated with it: restart() after the time.
   */
  restart?: () => void;
}

/**
 * The whole platform on Node for `board`: real sockets (cut when the simulated
 * WiFi goes down, refused with E_SOCKET_NO_ROUTE while it is down, as on a
 * board), virtual pins, scripted sensors, memory storage unless one is given.
 * The Linux board has no WiFi module: its link is always up. Never fails.
 */
export function createNodeHal(board: Board | DeviceBoard, options: NodeHalOptions = {}): NodeHal {
  const view: DeviceBoard = "labels" in board ? toDeviceBoard(board) : board;
  const clock = options.clock ?? systemClock;
  const timers = options.timers ?? createNodeTimers();
  const log = createNodeLog(options.echo ?? null);
  const inner = options.net ?? createNodeNet({ maxQueuedBytes: Math.max(64 * 1024, view.sendQueueBytes), warn: (text) => log.info(text) });
  const wifi = createSimWifi(timers, options.ssid ?? "fablab", options.password ?? "");
  const wired = view.chip === "linux" ? createWiredLink() : null;
  if (wired) Object.assign(wifi, { join: wired.join, state: wired.state, ip: wired.ip });
  // When the link goes down every open socket is cut: its owner is told, a turn later.
  const sockets = cuttableNet(inner);
  wifi.onLink = (up) => {
    if (!up) sockets.cutAll();
  };
  const net: Net = {
    connect(target, handlers: SocketHandlers) {
      if (wifi.state() !== 2) return E.E_SOCKET_NO_ROUTE;
      return sockets.net.connect(target, handlers);
    },
  };
  const gpio = createVirtualGpio(view, timers);
  let consoleCloses = 0;
  const storage = options.storage ?? createMemoryStorage();
  return {
    board: view,
    clock,
    timers,
    net,
    wifi,
    gpio,
    sensors: createScriptedSensors(timers, gpio, () => clock.now()),
    storage,
    log,
    closeConsole() {
      consoleCloses++;
    },
    // A simulated station: a plausible signal while the link is up; the host's memory is not the board's.
    health: () => (wifi.state() === 2 ? { rssi: -58 } : {}),
    consoleCloses: () => consoleCloses,
    updateFiles: () => nodeUpdateFiles(storage),
    ...(options.restart ? { restart: options.restart, power: { deepSleep: (ms: number) => timers.after(ms, options.restart!) } } : {}),
  };
}
