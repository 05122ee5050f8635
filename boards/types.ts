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
  /** Largest size in bytes of the unminified bundle (comments kept; for reading and debugging). */
  bundleBudget: number;
  /** Largest size in bytes of the minified bundle, the one written to the board's Storage. */
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
