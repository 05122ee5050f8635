import type { Clock } from "../types";

declare function getTime(): number;

/** Milliseconds from Espruino's getTime() (seconds since boot, unless setTime() moved it). Never fails. */
export const espruinoClock: Clock = {
  now: function () {
    return getTime() * 1000;
  },
};
