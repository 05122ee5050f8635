/**
 * A board described as data. The build picks one per bundle; firmware reads it
 * through the `board` module alias and never asks which platform it runs on.
 */
export interface Board {
  /** Identifier used on the command line and in dist/<id>/. */
  id: string;
  /** Human name of the board. */
  name: string;
  /** Chip family: decides the WiFi driver and pin rules. */
  chip: "esp32" | "esp8266" | "linux";
  /** JS variables of the Espruino firmware on this board (process.memory().total). */
  variables: number;
  /** Largest size in bytes the unminified bundle may have (the Espruino gate enforces it). */
  bundleBudget: number;
  /** Largest size in bytes the minified bundle may have. */
  minBundleBudget: number;
  /** Bytes of the preallocated outgoing packet buffer. */
  txBufferSize: number;
  /** Largest incoming packet accepted whole; a larger PUBLISH is skipped (see firmware/mqtt/framer.ts). */
  maxPacketSize: number;
  /** Outbound QoS 1/2 messages in flight at once. */
  inflightWindow: number;
  /** Whether the firmware has a `tls` module. */
  tls: boolean;
}
