/**
 * The soak's pace: messages the broker has acknowledged to the sender that
 * have not reached the receiver yet. The sender waits while there are more
 * than MAX_BACKLOG. mosquitto 2.0 sends a reconnecting client its whole queue
 * in one burst, past max_inflight_messages; with a reset every ~200 packets, a
 * backlog of thousands would make bursts that never finish, and the soak would
 * measure that instead of the clients.
 */

export const MAX_BACKLOG = 40;
/** A message missing for longer than this leaves the backlog (it may be lost; the verdict says whose loss). */
export const BACKLOG_MS = 3000;

export interface Backlog {
  /** The broker acknowledged `key` at `at` (ms). */
  acked(key: string, at: number): void;
  /** `key` reached the receiver. */
  delivered(key: string): void;
  /** Whether the sender may publish more at `now` (ms). */
  hasRoom(now: number): boolean;
  /** Forgets everything (after a SIGKILL, what was acknowledged before it may never come). */
  clear(): void;
}

/** An empty backlog. Never fails. */
export function createBacklog(): Backlog {
  // Key -> when acknowledged; a Map keeps insertion order, so the oldest come first.
  const waiting = new Map<string, number>();
  return {
    acked: (key, at) => void waiting.set(key, at),
    delivered: (key) => void waiting.delete(key),
    hasRoom(now) {
      for (const [key, at] of waiting) {
        if (now - at < BACKLOG_MS) break;
        waiting.delete(key);
      }
      return waiting.size < MAX_BACKLOG;
    },
    clear: () => waiting.clear(),
  };
}
