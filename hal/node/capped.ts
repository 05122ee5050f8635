/** How many entries the Node HAL's logs (events, pins) keep: the newest ones. */
export const LOG_KEEP = 1000;

/** Appends `item` to `list`, then drops the oldest entries beyond `keep`. Never fails. */
export function pushCapped<T>(list: T[], item: T, keep: number = LOG_KEEP): void {
  list.push(item);
  if (list.length > keep) list.splice(0, list.length - keep);
}
