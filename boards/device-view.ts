import type { Board, DeviceBoard } from "./types";

/** " D2 D4 " from ["D2", "D4"]: the form the device searches with indexOf(" D2 "). */
function pinSet(pins: string[]): string {
  return pins.length ? " " + pins.join(" ") + " " : " ";
}

/** The compact view of a board that goes into its bundle. Never fails on a validated board. */
export function toDeviceBoard(board: Board): DeviceBoard {
  return {
    id: board.id,
    chip: board.chip,
    txBufferSize: board.txBufferSize,
    maxPacketSize: board.maxPacketSize,
    inflightWindow: board.inflightWindow,
    sendQueueBytes: board.sendQueueBytes,
    tls: board.tls,
    pins: pinSet(Object.keys(board.labels)),
    adc: pinSet(board.adcPins),
    inputOnly: pinSet(board.inputOnlyPins),
  };
}
