/**
 * The byte layer the protocol engine uses. This file names the Node one
 * (bytes.ts); the Espruino bundles are built with this module mapped to
 * text.ts (rollup.config.js), which exports the same functions on 8-bit
 * Strings. See firmware/session/client.ts for how the engine uses them.
 */
export * from "./bytes";
