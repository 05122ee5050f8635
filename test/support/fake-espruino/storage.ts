/**
 * The fake board's Storage: named files of bytes with the write rules of
 * Espruino's `require("Storage")` that the espruino CLI relies on. A write
 * with an offset and a size creates a file of that size (erased, 0xFF) and
 * fills it from the offset; later writes fill further in and must fit; flash
 * can only be written where it is erased, so writing a region twice is an
 * error here. Names are 1 to 28 characters.
 */
export class FakeStorage {
  readonly files = new Map<string, Buffer>();
  /** Bytes of Storage on the board (getFree() counts from it). */
  constructor(readonly capacity: number) {}

  private used(): number {
    let n = 0;
    for (const f of this.files.values()) n += f.length;
    return n;
  }

  /** Writes `data` (bytes, one per character) as Espruino does. Returns true, or throws Espruino's kind of error. */
  write(name: unknown, data: Buffer, offset?: number, size?: number): boolean {
    if (typeof name !== "string" || name.length < 1 || name.length > 28) throw new Error("Invalid Storage file name " + JSON.stringify(name));
    if (offset === undefined) {
      this.create(name, data.length);
      data.copy(this.files.get(name)!, 0);
      return true;
    }
    if (size !== undefined) this.create(name, size);
    const file = this.files.get(name);
    if (!file) throw new Error("Storage file " + JSON.stringify(name) + " does not exist: give a size with the first write");
    if (offset < 0 || offset + data.length > file.length) throw new Error("Too much data for file size");
    for (let i = 0; i < data.length; i++) {
      if (file[offset + i] !== 0xff && data[i] !== 0xff) throw new Error("Storage write over a region that is not erased, at " + (offset + i));
    }
    data.copy(file, offset);
    return true;
  }

  private create(name: string, size: number): void {
    this.files.delete(name);
    if (this.used() + size > this.capacity) throw new Error("Not enough free space in Storage");
    this.files.set(name, Buffer.alloc(size, 0xff));
  }

  /** The file as an 8-bit string, or undefined. */
  read(name: string, offset = 0, length?: number): string | undefined {
    const f = this.files.get(name);
    if (!f) return undefined;
    return f.subarray(offset, length === undefined ? undefined : offset + length).toString("latin1");
  }

  erase(name: string): void {
    this.files.delete(name);
  }

  list(): string[] {
    return [...this.files.keys()];
  }

  getFree(): number {
    return this.capacity - this.used();
  }
}
