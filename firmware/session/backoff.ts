/**
 * Reconnect delay: exponential from `baseMs`, capped at `maxMs`, with "equal
 * jitter" (half fixed, half random) so that many boards restarted together by
 * a power cut do not reconnect in step. `attempt` counts failures since the
 * last stable connection, from 0. `random` is a number in [0, 1).
 * Never fails; always at least baseMs / 2.
 */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number, random: number): number {
  let span = baseMs;
  for (let i = 0; i < attempt && span < maxMs; i++) span *= 2;
  if (span > maxMs) span = maxMs;
  return Math.floor(span / 2 + (span / 2) * random);
}
