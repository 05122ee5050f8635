/** The board the bundle is built for: rollup maps the `board` module to boards/<id>.ts. */
declare module "board" {
  const board: import("../boards/types").Board;
  export default board;
}
