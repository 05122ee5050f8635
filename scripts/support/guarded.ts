/**
 * A view of bytes that throws when code reads an index outside [start, end):
 * what "never reads past the end" means, made checkable.
 */
export function guardedBytes(bytes: Uint8Array, start: number, end: number): Uint8Array {
  return new Proxy(bytes, {
    get(target, key, receiver) {
      if (typeof key === "string") {
        const c = key.charCodeAt(0);
        if (c >= 48 && c <= 57) {
          const i = Number(key);
          if (i < start || i >= end) throw new RangeError(`read of byte ${i} outside [${start}, ${end})`);
          return target[i];
        }
      }
      const value = Reflect.get(target, key, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}
