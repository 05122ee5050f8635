import type { Board } from "./types";
import esp32Devkitc from "./esp32-devkitc";
import esp8266Nodemcu from "./esp8266-nodemcu";
import wemosD1Mini from "./wemos-d1-mini";
import linux from "./linux";

/** Every board the build knows, by id. */
export const BOARDS: Board[] = [esp32Devkitc, esp8266Nodemcu, wemosD1Mini, linux];

/** The board with this id, or undefined when there is none. */
export function findBoard(id: string): Board | undefined {
  for (let i = 0; i < BOARDS.length; i++) if (BOARDS[i].id === id) return BOARDS[i];
  return undefined;
}
