/**
 * The next packet id after `last`: 1..65535, wrapping 65535 -> 1, never 0
 * [MQTT-2.3.1-1], skipping ids for which `inUse(id)` is true [MQTT-2.3.1-2].
 * Returns 0 when all 65,535 are in use (cannot happen with a bounded window).
 */
export function nextPacketId(last: number, inUse: (id: number) => boolean): number {
  let id = last;
  for (let tries = 0; tries < 65535; tries++) {
    id = id >= 65535 ? 1 : id + 1;
    if (!inUse(id)) return id;
  }
  return 0;
}
