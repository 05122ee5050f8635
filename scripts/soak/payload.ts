/**
 * Soak message payloads: `<qos>:<n>:` then filler bytes that depend only on
 * (qos, n), so the receiver can name every message and check that it arrived
 * intact. Lengths vary (0 to 299 filler bytes) so that packets straddle TCP
 * chunks.
 */

/** The message's name, `<qos>:<n>`. Never fails. */
export function messageKey(qos: number, n: number): string {
  return `${qos}:${n}`;
}

function filler(qos: number, n: number): string {
  const length = (n * 37 + qos * 11) % 300;
  let s = "";
  for (let i = 0; i < length; i++) s += String.fromCharCode(97 + ((n + i * 7 + qos) % 26));
  return s;
}

/** The payload of message n at `qos`. Never fails. */
export function makePayload(qos: number, n: number): string {
  return `${messageKey(qos, n)}:${filler(qos, n)}`;
}

/** The message's key when `payload` is an intact soak payload, else null (corrupted or foreign). */
export function checkPayload(payload: string): string | null {
  const first = payload.indexOf(":");
  const second = payload.indexOf(":", first + 1);
  if (first < 0 || second < 0) return null;
  const qos = Number(payload.slice(0, first));
  const n = Number(payload.slice(first + 1, second));
  if (!Number.isInteger(qos) || !Number.isInteger(n)) return null;
  return payload === makePayload(qos, n) ? messageKey(qos, n) : null;
}
