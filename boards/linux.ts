import type { Board } from "./types";

/**
 * Espruino's Linux build on a PC or a Raspberry Pi: the network is the host's
 * (no WiFi module), no pins are offered. `variables` is the fixed pool the
 * project runs this bundle on to stand in for an ESP8266 (`npm run
 * test:espruino`); a normal PC build grows its pool as needed.
 */
const board: Board = {
  id: "linux",
  name: "Espruino for Linux (PC, Raspberry Pi)",
  chip: "linux",
  variables: 1600,
  bundleBudget: 160000,
  minBundleBudget: 48000,
  txBufferSize: 512,
  maxPacketSize: 1024,
  inflightWindow: 2,
  sendQueueBytes: 1024,
  tls: true,
  labels: {},
  adcPins: [],
  inputOnlyPins: [],
  flashPins: [],
  strappingPins: [],
  consolePins: [],
  roles: {},
  activeLow: [],
};

export default board;
