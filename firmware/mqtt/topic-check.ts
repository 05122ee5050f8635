import { E_INVALID_TOPIC } from "../../base/errors";
import { writeText } from "./utf8";

/**
 * Checks a topic name (PUBLISH, will) or, with `filter`, a topic filter
 * (SUBSCRIBE, UNSUBSCRIBE): not empty, no U+0000 [MQTT-4.7.3-2]; in a name no
 * `+` or `#` [MQTT-4.7.3-1] [MQTT-3.3.2-2]; in a filter `#` only alone and
 * last, `+` only alone in its level [MQTT-4.7.1-2] [MQTT-4.7.1-3].
 * Returns its wire length in bytes, E_INVALID_TOPIC, or E_INVALID_UTF8 (a
 * lone surrogate).
 */
export function checkTopic(topic: string, filter: boolean): number {
  const n = topic.length;
  if (n === 0) return E_INVALID_TOPIC;
  let ascii = true;
  for (let i = 0; i < n; i++) {
    const c = topic.charCodeAt(i);
    if (c === 0) return E_INVALID_TOPIC;
    if (c >= 0x80) ascii = false;
    if (c !== 0x23 && c !== 0x2b) continue;
    if (!filter) return E_INVALID_TOPIC;
    if (i > 0 && topic.charCodeAt(i - 1) !== 0x2f) return E_INVALID_TOPIC;
    if (c === 0x23 ? i !== n - 1 : i + 1 < n && topic.charCodeAt(i + 1) !== 0x2f) return E_INVALID_TOPIC;
  }
  return ascii ? n : writeText(null, 0, topic);
}

/** A topic name's check alone: 0, or E_INVALID_TOPIC. */
export function checkTopicName(topic: string): number {
  return checkTopic(topic, false) === E_INVALID_TOPIC ? E_INVALID_TOPIC : 0;
}

/** A topic filter's check alone: 0, or E_INVALID_TOPIC. */
export function checkTopicFilter(filter: string): number {
  return checkTopic(filter, true) === E_INVALID_TOPIC ? E_INVALID_TOPIC : 0;
}
