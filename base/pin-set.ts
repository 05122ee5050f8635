/**
 * True when `pin` is one of the pins `set` lists (" D2 D4 ", as in
 * DeviceBoard). Anything that is not one pin name (undefined, "", a number,
 * "D2 D4") is not in any set.
 *
 * The set is searched with a character after it: Espruino 2v29's
 * String.indexOf answers a match when the start of the needle matches at the
 * very end of the string (" A0 ".indexOf(" D5 ") is 3 there, not -1).
 */
export function pinIn(set: string, pin: string): boolean {
  return (set + "|").indexOf(" " + pin + " ") >= 0 && (pin + "").indexOf(" ") < 0;
}
