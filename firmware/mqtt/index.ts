/** The MQTT 3.1.1 codec: encoders, decoders, framer, with no I/O, no timers and no allocation per packet. */
export * from "./constants";
export * from "./encode";
export * from "./decode";
export * from "./framer";
export * from "./fields";
export * from "./packet";
export * from "./topic-check";
export { STRINGS_ARE_BYTES, textByteLength, checkUtf8, readText } from "./utf8";
