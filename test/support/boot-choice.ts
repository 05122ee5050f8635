import { IMAGE_CHOICE } from "../../scripts/flash/boot-code";
import type { Storage } from "../../hal/types";

/** The image the boot code runs (IMAGE_CHOICE, the board's own text) over `storage`, with the writes it makes there. */
export function bootChoice(storage: Storage): string {
  const s = {
    read: (name: string) => storage.read(name) ?? undefined,
    write: (name: string, text: string) => storage.write(name, text) === 0,
    erase: (name: string) => storage.erase(name),
  };
  return (new Function("require", "return " + IMAGE_CHOICE) as (r: () => typeof s) => string)(() => s);
}
