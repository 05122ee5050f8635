import type { Board } from "./types";

/**
 * Espruino's Linux build on a PC or a Raspberry Pi: the network is the host's
 * (no WiFi module). On a Raspberry Pi Espruino's D0..D27 are the BCM GPIO
 * numbers (through sysfs); eight are offered here (a PC build fakes them). `variables` is the fixed pool the
 * project runs this bundle on to stand in for an ESP8266 (`npm run
 * test:espruino`); a normal PC build grows its pool as needed.
 */
const board: Board = {
  id: "linux",
  name: "Espruino for Linux (PC, Raspberry Pi)",
  chip: "linux",
  variables: 1600,
  bundleBudget: 210000,
  minBundleBudget: 64000,
  txBufferSize: 512,
  maxPacketSize: 1024,
  inflightWindow: 2,
  sendQueueBytes: 1024,
  tls: true,
  labels: { D4: "GPIO4", D5: "GPIO5", D6: "GPIO6", D12: "GPIO12", D13: "GPIO13", D16: "GPIO16", D17: "GPIO17", D27: "GPIO27" },
  adcPins: [],
  inputOnlyPins: [],
  flashPins: [],
  strappingPins: [],
  consolePins: [],
  roles: {},
  activeLow: [],
};

export default board;
