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
