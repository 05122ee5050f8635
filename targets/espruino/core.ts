/**
 * The codec and the client alone, with no platform (dist/core/fabmqtt-core.js):
 * what `npm run test:espruino` loads to measure what the MQTT part of fabmqtt
 * costs in variables, and a base for programs that bring their own Net and
 * Clock (see hal/types.ts).
 */
export { createClient, ST_IDLE, ST_WAITING, ST_CONNECTING, ST_CONNECTED } from "../../firmware/session/client";
