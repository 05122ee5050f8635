/**
 * One error space for the whole firmware.
 *
 * Every function that can fail returns a negative integer code from this file
 * (0 or a positive value means success) and never throws; throwing is kept for
 * programmer and configuration errors found at boot. Each layer owns a range:
 *
 *   -100 .. -149  codec       (firmware/mqtt)
 *   -200 .. -249  session     (firmware/session)
 *   -300 .. -349  platform    (hal/)
 *   -400 .. -449  device app  (firmware/app)
 *
 * Recovery rule: any error on a connected client means close the socket, back
 * off, reconnect. The device prints the number; the host turns it into a name
 * and a message with errorName()/errorMessage() in base/error-text.ts, which
 * is not part of the device bundle.
 */

export const E_OK = 0;

// ---- codec: encoding ------------------------------------------------------
/** The caller's output buffer cannot hold the packet. */
export const E_BUFFER_TOO_SHORT = -101;
/** A string or binary field is over 65,535 bytes, or the packet over 268,435,455. */
export const E_FIELD_TOO_LONG = -102;
/** A topic name or filter breaks the rules of MQTT 3.1.1 section 4.7. */
export const E_INVALID_TOPIC = -103;
/** Text is not well-formed UTF-8 or holds U+0000 [MQTT-1.5.3-1] [MQTT-1.5.3-2]. */
export const E_INVALID_UTF8 = -104;
/** A QoS of 3 (reserved) [MQTT-3.3.1-4]. */
export const E_INVALID_QOS = -105;
/** An argument outside its range (packet id 0, keepalive over 65,535, ...). */
export const E_INVALID_ARGUMENT = -106;

// ---- codec: decoding ------------------------------------------------------
/** Fixed-header flag bits that the spec reserves are not as required [MQTT-2.2.2-1]. */
export const E_RESERVED_FLAGS = -110;
/** The remaining length runs over 4 bytes [MQTT-2.2.3]. */
export const E_BAD_REMAINING_LENGTH = -111;
/** A packet is larger than the configured maximum packet size. */
export const E_PACKET_TOO_LARGE = -112;
/** A field runs past the end of the packet. */
export const E_TRUNCATED = -113;
/** Packet type 0 or 15: reserved, the stream cannot be trusted any more. */
export const E_UNKNOWN_TYPE = -114;
/** A packet type a client never receives (CONNECT, SUBSCRIBE, PINGREQ, ...). */
export const E_UNEXPECTED_TYPE = -115;
/** A well-framed packet whose content breaks the spec (bad length, id 0, bad code). */
export const E_MALFORMED = -116;
/** A SUBACK that refused at least one filter (return code 0x80). The record is still filled. */
export const E_SUBACK_FAILURE = -117;

// ---- session ---------------------------------------------------------------
/** The operation needs a connection and there is none. */
export const E_NOT_CONNECTED = -201;
/** No CONNACK came within the connect timeout. */
export const E_CONNACK_TIMEOUT = -202;
/** Nothing came from the broker within 1.5 times the keepalive. */
export const E_KEEPALIVE_TIMEOUT = -203;
/** The bounded queue of outgoing QoS 1/2 messages is full. */
export const E_QUEUE_FULL = -204;
/** An ack for a packet id that is not in flight. */
export const E_UNKNOWN_PACKET_ID = -205;
/** A packet that is not allowed in the connection's state (a second CONNACK, a PUBLISH before CONNACK). */
export const E_PROTOCOL = -206;
/** The client was stopped by the application. */
export const E_STOPPED = -207;
/** A QoS 0 message offered while offline: dropped (policy in firmware/session/client.ts). */
export const E_OFFLINE_DROPPED = -208;
/** An application message handler threw; the message counts as delivered. */
export const E_HANDLER_FAILED = -209;
/** More inbound QoS 2 messages came than the client keeps ids for: they were refused, and once every id had its PUBREL the connection was closed so that the broker resends them. */
export const E_INBOUND_QOS2_FULL = -210;
/** The broker refused the connection: unacceptable protocol version (CONNACK 1). */
export const E_CONNACK_PROTOCOL = -211;
/** The broker refused the connection: client identifier rejected (CONNACK 2). */
export const E_CONNACK_ID_REJECTED = -212;
/** The broker refused the connection: server unavailable (CONNACK 3). */
export const E_CONNACK_UNAVAILABLE = -213;
/** The broker refused the connection: bad user name or password (CONNACK 4). */
export const E_CONNACK_BAD_CREDENTIALS = -214;
/** The broker refused the connection: not authorized (CONNACK 5). */
export const E_CONNACK_NOT_AUTHORIZED = -215;
/** The broker answered a QoS 2 PUBLISH with PUBACK (it supports QoS 1 at most): the message was completed at QoS 1. */
export const E_QOS_DOWNGRADED = -216;

// ---- platform (hal/): -300 - Espruino's own socket code where one exists ----
/** The socket is closed. */
export const E_SOCKET_CLOSED = -301;
/** Out of memory. */
export const E_SOCKET_NO_MEMORY = -302;
/** Connection timed out. */
export const E_SOCKET_TIMEOUT = -303;
/** No route to host. */
export const E_SOCKET_NO_ROUTE = -304;
/** The bounded send queue is full. */
export const E_SOCKET_QUEUE_FULL = -305;
/** The host name was not found. */
export const E_SOCKET_DNS = -306;
/** Too many sockets open. */
export const E_SOCKET_MAX = -307;
/** Connection reset or refused. */
export const E_SOCKET_RESET = -309;
/** Any other socket failure. */
export const E_SOCKET_UNKNOWN = -310;
/** A bad argument to the socket layer (host, port, options). */
export const E_SOCKET_BAD_ARGUMENT = -312;
/** The TLS handshake failed (certificate not trusted, name mismatch, no common cipher). */
export const E_TLS_HANDSHAKE = -313;
/** Invalid TLS data on the connection. */
export const E_TLS_DATA = -314;
/** Joining WiFi failed: wrong password. */
export const E_WIFI_WRONG_PASSWORD = -320;
/** Joining WiFi failed: no access point with that name. */
export const E_WIFI_NO_AP = -321;
/** Joining WiFi failed or the link dropped, for another reason. */
export const E_WIFI_FAILED = -322;

/** The board has no such pin. */
export const E_PIN_INVALID = -330;
/** The pin cannot do that (analog on a pin without ADC, output on an input-only pin). */
export const E_PIN_UNSUPPORTED = -331;

/** The sensor did not answer in time. */
export const E_SENSOR_TIMEOUT = -335;
/** The sensor's answer failed its checksum or CRC. */
export const E_SENSOR_CHECKSUM = -336;
/** No sensor found on the pin (no presence pulse, no device on the bus). */
export const E_SENSOR_NOT_FOUND = -337;
/** A reading is already under way. */
export const E_SENSOR_BUSY = -338;
/** The sensor kind is not known to the firmware. */
export const E_SENSOR_KIND = -339;

/** Storage is full. */
export const E_STORAGE_FULL = -340;
/** A Storage name is empty or longer than 28 characters. */
export const E_STORAGE_NAME = -341;
/** Storage failed otherwise. */
export const E_STORAGE_FAILED = -342;

// ---- device app (firmware/app) ----------------------------------------------
/** The configuration is missing or invalid (the boot log names the field). */
export const E_CONFIG = -401;
/** start() ran already: the code only starting needs was freed then; load the bundle again (a reset, or load()). */
export const E_STARTED = -402;
/** A configuration set remotely (config/set) did not reach the broker; the device went back to the last one that did. */
export const E_CONFIG_ROLLED_BACK = -403;
/** A command names an actuator the configuration does not have. */
export const E_COMMAND_UNKNOWN_ACTUATOR = -410;
/** A command's value is not valid for the actuator. */
export const E_COMMAND_BAD_VALUE = -411;
/** A retained command was ignored (retainedCommands is off). */
export const E_COMMAND_RETAINED = -412;
/** A device command (<root>cmd/<name>) the device does not know, or one its platform cannot do (a restart where there is no restart). */
export const E_COMMAND_UNKNOWN = -413;

// ---- updates over MQTT (firmware/app/ota.ts) ---------------------------------
/** An update's request is not one: not JSON, a field missing or of the wrong type, or a chunk with no update open. */
export const E_OTA_REQUEST = -420;
/** The image is built for another board. */
export const E_OTA_BOARD = -421;
/** The image's version is older than the running firmware's (`force` takes it anyway). */
export const E_OTA_OLDER = -422;
/** The image's size is out of bounds, or a chunk goes past it. */
export const E_OTA_SIZE = -423;
/** The image written does not have the CRC-32 announced. */
export const E_OTA_CRC = -424;
/** The image's authentication tag is wrong: not made with this device's key, or the image was changed. */
export const E_OTA_TAG = -425;
/** The device has no update key (written at provisioning): it takes no update. */
export const E_OTA_NO_KEY = -426;
/** The new image did not reach the broker in its bound: the device went back to the one before. */
export const E_OTA_ROLLED_BACK = -427;
/** The image written could not be read back or hashed whole (the board's memory ran short even after compaction): offer it again. */
export const E_OTA_CHECK_FAILED = -428;
