/**
 * The ESP8266 pin facts shared by its boards. Espruino names GPIOn "Dn"; the
 * NodeMCU and Wemos D1 mini silkscreens print other "D" numbers, so the labels
 * matter: silkscreen D4 is GPIO2, Espruino's D2.
 */
export const ESP8266_LABELS: { [pin: string]: string } = {
  D16: "D0",
  D5: "D1",
  D4: "D2",
  D0: "D3",
  D2: "D4",
  D14: "D5",
  D12: "D6",
  D13: "D7",
  D15: "D8",
  A0: "A0",
};
/** GPIO6-11 drive the SPI flash. */
export const ESP8266_FLASH_PINS = ["D6", "D7", "D8", "D9", "D10", "D11"];
/** GPIO0, 2 and 15 pick the boot mode at reset. */
export const ESP8266_STRAPPING_PINS = ["D0", "D2", "D15"];
/** GPIO1 (TX) and GPIO3 (RX): the serial console. */
export const ESP8266_CONSOLE_PINS = ["D1", "D3"];

/**
 * What every ESP8266 4 MB board running Espruino shares: memory, buffers, no
 * TLS, the pin facts above. Buffers are small: every ~10 bytes of a buffer is
 * one of the 1,600 variables. The largest packet the firmware takes in is a
 * command on its longest topic: 150 bytes (base topic 64, device 32, actuator
 * 32 characters, a valid command at most 8 bytes); Home Assistant's status is
 * smaller. A larger incoming packet is skipped with a code, its framing kept
 * (firmware/mqtt/framer.ts). A larger message to send (a discovery message)
 * leaves as its header from the buffer and its payload as it is.
 */
export const ESP8266_4MB = {
  chip: "esp8266" as const,
  variables: 1600,
  txBufferSize: 256,
  maxPacketSize: 160,
  inflightWindow: 2,
  sendQueueBytes: 1024,
  tls: false,
  labels: ESP8266_LABELS,
  adcPins: ["A0"],
  inputOnlyPins: ["A0"],
  flashPins: ESP8266_FLASH_PINS,
  strappingPins: ESP8266_STRAPPING_PINS,
  consolePins: ESP8266_CONSOLE_PINS,
};
