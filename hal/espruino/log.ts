import type { Log } from "../types";

declare const console: { log(text: string): void };

/** The device log on Espruino's console: text as it is, errors as "E<code> <context>" (the host has the names). Never fails. */
export const espruinoLog: Log = {
  info: function (text) {
    console.log(text);
  },
  error: function (code, context) {
    console.log("E" + code + " " + context);
  },
};
