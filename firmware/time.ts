/**
 * Time as the session sees it: milliseconds from the injected clock. The
 * session owns no timer; every decision compares `now` with a stored instant.
 */

/** Milliseconds from `from` to `to`; 0 when the clock went backwards (never negative). */
export function elapsed(from: number, to: number): number {
  const d = to - from;
  return d > 0 ? d : 0;
}
