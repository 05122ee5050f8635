import { E_INVALID_TOPIC } from "../errors";
import { textByteLength } from "./utf8";

/**
 * Checks a topic name for PUBLISH (or a will): not empty, no `+` or `#`
 * [MQTT-4.7.3-1] [MQTT-3.3.2-2], no U+0000 [MQTT-4.7.3-2].
 * Returns 0, or E_INVALID_TOPIC.
 */
export function checkTopicName(topic: string): number {
  const n = topic.length;
  if (n === 0) return E_INVALID_TOPIC;
  for (let i = 0; i < n; i++) {
    const c = topic.charCodeAt(i);
    if (c === 0x2b || c === 0x23 || c === 0) return E_INVALID_TOPIC;
  }
  return 0;
}

/**
 * The wire length of a topic name, checked as checkTopicName() does, in one
 * pass for ASCII names. Returns the byte count, or E_INVALID_TOPIC /
 * E_INVALID_UTF8.
 */
export function topicNameByteLength(topic: string): number {
  const n = topic.length;
  if (n === 0) return E_INVALID_TOPIC;
  for (let i = 0; i < n; i++) {
    const c = topic.charCodeAt(i);
    if (c === 0x2b || c === 0x23 || c === 0) return E_INVALID_TOPIC;
    if (c >= 0x80) return checkTopicName(topic) < 0 ? E_INVALID_TOPIC : textByteLength(topic);
  }
  return n;
}

/**
 * Checks a topic filter for SUBSCRIBE/UNSUBSCRIBE: not empty [MQTT-4.7.3-1],
 * `#` alone in the last level [MQTT-4.7.1-2], `+` alone in its level
 * [MQTT-4.7.1-3], no U+0000. Returns 0, or E_INVALID_TOPIC.
 */
export function checkTopicFilter(filter: string): number {
  const n = filter.length;
  if (n === 0) return E_INVALID_TOPIC;
  for (let i = 0; i < n; i++) {
    const c = filter.charCodeAt(i);
    if (c === 0) return E_INVALID_TOPIC;
    if (c === 0x23 || c === 0x2b) {
      const alonePrev = i === 0 || filter.charCodeAt(i - 1) === 0x2f;
      if (!alonePrev) return E_INVALID_TOPIC;
      if (c === 0x23 && i !== n - 1) return E_INVALID_TOPIC;
      if (c === 0x2b && i + 1 < n && filter.charCodeAt(i + 1) !== 0x2f) return E_INVALID_TOPIC;
    }
  }
  return 0;
}
