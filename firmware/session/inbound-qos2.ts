/**
 * Packet ids of inbound QoS 2 messages delivered to the application and
 * awaiting PUBREL: a duplicate PUBLISH with one of these ids is acknowledged
 * again but not delivered again (exactly once). Fixed capacity, no allocation.
 */
export interface InboundQos2 {
  ids: number[];
  /** When each id was added (a counter), to find the oldest. */
  ages: number[];
  count: number;
  nextAge: number;
}

/** A set with room for `capacity` ids. Never fails. */
export function createInboundQos2(capacity: number): InboundQos2 {
  const ids: number[] = [];
  const ages: number[] = [];
  for (let i = 0; i < capacity; i++) {
    ids.push(0);
    ages.push(0);
  }
  return { ids: ids, ages: ages, count: 0, nextAge: 1 };
}

/** Whether `id` awaits its PUBREL. */
export function inboundHas(s: InboundQos2, id: number): boolean {
  for (let i = 0; i < s.ids.length; i++) if (s.ids[i] === id) return true;
  return false;
}

/**
 * Records `id`. When the set is full, the oldest id is forgotten to make room
 * and false is returned: that message's PUBREC went out long before, so the
 * broker resends only its PUBREL, and a duplicate could reach the application
 * only if that PUBREC was lost in a broken connection. Size the set at least as
 * large as the broker's in-flight limit (mosquitto's max_inflight_messages,
 * 20 by default) and this never happens.
 */
export function inboundAdd(s: InboundQos2, id: number): boolean {
  let slot = -1;
  let oldest = -1;
  for (let i = 0; i < s.ids.length; i++) {
    if (s.ids[i] === 0) {
      slot = i;
      break;
    }
    if (oldest < 0 || s.ages[i] < s.ages[oldest]) oldest = i;
  }
  const room = slot >= 0;
  if (!room) slot = oldest;
  else s.count++;
  s.ids[slot] = id;
  s.ages[slot] = s.nextAge++;
  return room;
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
