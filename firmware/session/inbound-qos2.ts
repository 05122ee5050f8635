/**
 * Packet ids of inbound QoS 2 messages delivered to the application and
 * awaiting PUBREL: a duplicate PUBLISH with one of these ids is acknowledged
 * again but not delivered again (exactly once). Fixed capacity, no allocation.
 */
export interface InboundQos2 {
  ids: number[];
  count: number;
}

/** A set with room for `capacity` ids. Never fails. */
export function createInboundQos2(capacity: number): InboundQos2 {
  const ids: number[] = [];
  for (let i = 0; i < capacity; i++) ids.push(0);
  return { ids: ids, count: 0 };
}

/** Whether `id` awaits its PUBREL. */
export function inboundHas(s: InboundQos2, id: number): boolean {
  for (let i = 0; i < s.ids.length; i++) if (s.ids[i] === id) return true;
  return false;
}

/** Records `id`; returns false when the set is full (nothing recorded). */
export function inboundAdd(s: InboundQos2, id: number): boolean {
  for (let i = 0; i < s.ids.length; i++) {
    if (s.ids[i] === 0) {
      s.ids[i] = id;
      s.count++;
      return true;
    }
  }
  return false;
}

/** Forgets `id` (PUBREL came); returns whether it was there. */
export function inboundRemove(s: InboundQos2, id: number): boolean {
  for (let i = 0; i < s.ids.length; i++) {
    if (s.ids[i] === id) {
      s.ids[i] = 0;
      s.count--;
      return true;
    }
  }
  return false;
}

/** Forgets every id (the broker did not keep the session). Never fails. */
export function inboundClear(s: InboundQos2): void {
  for (let i = 0; i < s.ids.length; i++) s.ids[i] = 0;
  s.count = 0;
}
