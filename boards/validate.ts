import type { Board } from "./types";

/**
 * Checks one board's data. Returns the problems as sentences naming the board
 * and the field ("esp8266-nodemcu: role led is on flash pin D6"); an empty
 * array when the board is sound. The build refuses to run on any problem.
 */
export function validateBoard(board: Board): string[] {
  const problems: string[] = [];
  const say = (text: string) => problems.push(board.id + ": " + text);
  if (!/^[a-z0-9-]+$/.test(board.id || "")) say("id must be lower-case letters, digits and dashes");
  if (board.chip !== "esp32" && board.chip !== "esp8266" && board.chip !== "linux") say("chip must be esp32, esp8266 or linux");
  if (board.tls && board.chip === "esp8266") say("tls is asked of an ESP8266, whose Espruino firmware has no tls module");
  const positive: (keyof Board)[] = ["variables", "bundleBudget", "minBundleBudget", "txBufferSize", "maxPacketSize", "inflightWindow", "sendQueueBytes"];
  for (const key of positive) {
    const v = board[key];
    if (typeof v !== "number" || !(v > 0) || Math.floor(v) !== v) say(key + " must be a positive integer");
  }
  if (board.txBufferSize < 128) say("txBufferSize must be at least 128 bytes (a CONNECT with a will needs room)");
  if (board.inflightWindow > 65535) say("inflightWindow must be at most 65535");
  if (board.sendQueueBytes < board.txBufferSize) say("sendQueueBytes must hold at least one txBufferSize packet");
  const usable = board.labels || {};
  const flash = board.flashPins || [];
  const listed = (name: string, pins: string[], mustBeUsable: boolean) => {
    for (const pin of pins) {
      if (!/^[AD][0-9]+$/.test(pin)) say(name + " has " + pin + ", not a pin name in Espruino's numbering (D2, A0)");
      else if (mustBeUsable && !(pin in usable)) say(name + " has " + pin + ", which is not among the board's labelled pins");
    }
  };
  listed("labels", Object.keys(usable), false);
  listed("adcPins", board.adcPins || [], true);
  listed("inputOnlyPins", board.inputOnlyPins || [], true);
  listed("flashPins", flash, false);
  listed("strappingPins", board.strappingPins || [], false);
  listed("consolePins", board.consolePins || [], false);
  for (const pin of flash) if (pin in usable) say("flash pin " + pin + " is offered as usable (labels)");
  for (const pin of board.consolePins || []) if (pin in usable) say("console pin " + pin + " is offered as usable (labels)");
  const owner: { [pin: string]: string } = {};
  const roles = board.roles || {};
  for (const role of Object.keys(roles)) {
    const pin = roles[role];
    if (flash.indexOf(pin) >= 0) say("role " + role + " is on flash pin " + pin);
    else if (!(pin in usable)) say("role " + role + " is on " + pin + ", which is not among the board's labelled pins");
    if (owner[pin] !== undefined) say("roles " + owner[pin] + " and " + role + " are both on pin " + pin);
    owner[pin] = role;
  }
  for (const role of board.activeLow || []) if (!(role in roles)) say("activeLow names role " + role + ", which the board does not have");
  return problems;
}

/** Checks every board and that ids are unique. Returns the problems; empty when all are sound. */
export function validateBoards(boards: Board[]): string[] {
  const problems: string[] = [];
  const seen: { [id: string]: boolean } = {};
  for (const b of boards) {
    if (seen[b.id]) problems.push(b.id + ": two boards have this id");
    seen[b.id] = true;
    problems.push(...validateBoard(b));
  }
  return problems;
}
