/** The board the bundle is built for: rollup maps `board` to the compact view of boards/<id>.ts (boards/device-view.ts). */
declare module "board" {
  const board: import("../boards/types").DeviceBoard;
  export default board;
}
