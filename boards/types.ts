/**
 * A board described as data. The build validates every board
 * (boards/validate.ts), then compiles one bundle per board with the compact
 * device view of it (boards/device-view.ts) behind the `board` module alias:
 * firmware reads that and never asks which platform it runs on.
 *
 * Pins are named in Espruino's numbering ("D2" is GPIO2, "A0" the ESP8266's
 * ADC input); `labels` gives what is printed on the board for each.
 */
export interface Board {
  /** Identifier used on the command line and in dist/<id>/. */
  id: string;
  /** Human name of the board. */
  name: string;
  /** Chip family: decides the WiFi driver and pin rules ("linux": Espruino's Linux build, network but no WiFi module). */
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
  /** Bytes the socket layer may hold unsent before a write is refused (Espruino's write has no back-pressure). */
  sendQueueBytes: number;
  /** Whether the firmware has a `tls` module. */
  tls: boolean;
  /** Every pin a sensor or actuator may use, with its silkscreen label. */
  labels: { [pin: string]: string };
  /** Pins with an ADC that Espruino can read (ESP32: ADC1 only; ESP8266: A0). */
  adcPins: string[];
  /** Pins that can only be inputs (ESP32 GPIO34-39). */
  inputOnlyPins: string[];
  /** Pins wired to the SPI flash: never usable. */
  flashPins: string[];
  /** Boot strapping pins: usable with care (their level at reset picks the boot mode). */
  strappingPins: string[];
  /** Pins the serial console uses: not offered to sensors or actuators. */
  consolePins: string[];
  /** Things on the board itself, by role: { led: "D2" }. */
  roles: { [role: string]: string };
  /** Roles whose level is inverted (an LED wired to 3.3 V lights on low). */
  activeLow: string[];
}

/**
 * What the device bundle carries of its board: what the firmware reads of it
 * (sizes, capabilities, the pin sets as space-separated strings " D2 D4 ",
 * which cost far fewer variables than arrays of objects on an ESP8266), and
 * nothing more: on an ESP8266 every field costs variables for the device's life.
 */
export interface DeviceBoard {
  id: string;
  chip: "esp32" | "esp8266" | "linux";
  txBufferSize: number;
  maxPacketSize: number;
  inflightWindow: number;
  sendQueueBytes: number;
  tls: boolean;
  /** Usable pins, " D0 D2 " (leading and trailing space, so " D2 " can be searched). */
  pins: string;
  adc: string;
  inputOnly: string;
  /** The firmware's version (the build's commit), in a bundle; absent on the host. */
  version?: string;
}
