/** The board the bundle is built for: rollup maps `board` to the compact view of boards/<id>.ts (boards/device-view.ts). */
declare module "board" {
  const board: import("../boards/types").DeviceBoard;
  export default board;
  /** The board's chip and TLS support as constants: code for another chip, or TLS on a firmware without it, is left out of the bundle. */
  export const BOARD_CHIP: "esp32" | "esp8266" | "linux";
  export const BOARD_TLS: boolean;
}
