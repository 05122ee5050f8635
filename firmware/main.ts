import board from "board";
import * as codec from "./mqtt/index";
import * as errors from "./errors";
import { createClient } from "./session/client";

/**
 * The bundle's entry. At this stage the bundle carries the codec, the MQTT
 * client and the board description; the device program builds on them.
 */
export { board, codec, errors, createClient };
