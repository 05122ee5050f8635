/**
 * Whether a topic name matches a subscription filter (MQTT 3.1.1 section
 * 4.7): `+` matches one whole level, `#` the rest including the parent level
 * [MQTT-4.7.1-2], and a filter starting with a wildcard does not match a topic
 * starting with `$` [MQTT-4.7.2-1]. No allocation. Returns false for anything
 * that does not match, including invalid filters.
 */
export function topicMatches(filter: string, topic: string): boolean {
  const fn = filter.length;
  const tn = topic.length;
  if (tn > 0 && topic.charCodeAt(0) === 0x24) {
    const f0 = fn > 0 ? filter.charCodeAt(0) : 0;
    if (f0 === 0x2b || f0 === 0x23) return false;
  }
  let f = 0;
  let t = 0;
  while (f < fn) {
    const c = filter.charCodeAt(f);
    if (c === 0x23) return f === fn - 1 && (f === 0 || filter.charCodeAt(f - 1) === 0x2f);
    if (c === 0x2b) {
      // Skip one level of the topic.
      while (t < tn && topic.charCodeAt(t) !== 0x2f) t++;
      f++;
      continue;
    }
    if (t >= tn) {
      // "a/#" matches "a": the filter's rest must be exactly "/#".
      return c === 0x2f && f + 2 === fn && filter.charCodeAt(f + 1) === 0x23;
    }
    if (c !== topic.charCodeAt(t)) return false;
    f++;
    t++;
  }
  return t === tn;
}
