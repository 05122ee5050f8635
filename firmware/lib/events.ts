/**
 * Event methods for library connections where objects do not have them
 * built in (Node): what every object on Espruino has, with Espruino's rules
 * (listeners are called with the object as `this`, no once/off/listeners,
 * an "error" with no listener is not thrown), except that emit() runs the
 * listeners at once, as Node's EventEmitter does, where Espruino runs them
 * after the current code returns. Not part of the Espruino bundle.
 */
export type Listener = (a?: any, b?: any) => void;

/** The methods a connection gets (see ModulePlatform.events in mqtt-module.ts). */
export interface EventMethods {
  on(event: string, listener: Listener): void;
  emit(event: string, a?: unknown, b?: unknown): void;
  removeListener(event: string, listener: Listener): void;
  removeAllListeners(event?: string): void;
}

/** Gives `target` on, emit, removeListener and removeAllListeners, with listener lists of its own. Never fails. */
export function addEventMethods(target: Partial<EventMethods>): void {
  let lists: { [event: string]: Listener[] } = {};
  target.on = function (event, listener) {
    (lists[event] = lists[event] || []).push(listener);
  };
  target.emit = function (event, a, b) {
    const list = lists[event];
    if (!list) return;
    // A copy: a listener that adds or removes listeners changes the next emit, not this one.
    const now = list.slice();
    for (let i = 0; i < now.length; i++) now[i].call(target, a, b);
  };
  target.removeListener = function (event, listener) {
    const list = lists[event];
    const i = list ? list.indexOf(listener) : -1;
    if (i >= 0) list.splice(i, 1);
  };
  target.removeAllListeners = function (event) {
    if (event === undefined) lists = {};
    else delete lists[event];
  };
}
