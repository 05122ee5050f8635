import * as E from "./errors";

/**
 * Host-side names and messages for the codes in errors.ts. Not imported by the
 * device bundle (the strings would cost variables on an ESP8266).
 */
const MESSAGES: { [code: number]: string } = {};
MESSAGES[E.E_OK] = "no error";
MESSAGES[E.E_BUFFER_TOO_SHORT] = "the output buffer cannot hold the packet";
MESSAGES[E.E_FIELD_TOO_LONG] = "a field is over 65,535 bytes or the packet over 268,435,455";
MESSAGES[E.E_INVALID_TOPIC] = "the topic name or filter is not valid";
MESSAGES[E.E_INVALID_UTF8] = "the text is not well-formed UTF-8 or holds U+0000";
MESSAGES[E.E_INVALID_QOS] = "QoS must be 0, 1 or 2";
MESSAGES[E.E_INVALID_ARGUMENT] = "an argument is out of range";
MESSAGES[E.E_RESERVED_FLAGS] = "reserved fixed-header flag bits are wrong";
MESSAGES[E.E_BAD_REMAINING_LENGTH] = "the remaining length runs over 4 bytes";
MESSAGES[E.E_PACKET_TOO_LARGE] = "the packet is larger than the maximum packet size";
MESSAGES[E.E_TRUNCATED] = "a field runs past the end of the packet";
MESSAGES[E.E_UNKNOWN_TYPE] = "reserved packet type 0 or 15";
MESSAGES[E.E_UNEXPECTED_TYPE] = "a packet type a client never receives";
MESSAGES[E.E_MALFORMED] = "the packet breaks the MQTT 3.1.1 rules";
MESSAGES[E.E_SUBACK_FAILURE] = "the broker refused a subscription (SUBACK 0x80)";

/** The constant's name for a code (`E_TRUNCATED`), or `E_UNKNOWN(<code>)` for a code not defined. */
export function errorName(code: number): string {
  const names = Object.keys(E) as (keyof typeof E)[];
  for (const name of names) if (E[name] === code) return name;
  return "E_UNKNOWN(" + code + ")";
}

/** A sentence for a code, or "unknown error <code>" for a code not defined. */
export function errorMessage(code: number): string {
  const text = MESSAGES[code];
  return text === undefined ? "unknown error " + code : text;
}
MESSAGES[E.E_NOT_CONNECTED] = "not connected to the broker";
MESSAGES[E.E_CONNACK_TIMEOUT] = "the broker did not answer CONNECT in time";
MESSAGES[E.E_KEEPALIVE_TIMEOUT] = "nothing came from the broker within 1.5 times the keepalive";
MESSAGES[E.E_QUEUE_FULL] = "the queue of outgoing QoS 1/2 messages is full";
MESSAGES[E.E_UNKNOWN_PACKET_ID] = "an acknowledgement for a packet id not in flight";
MESSAGES[E.E_PROTOCOL] = "a packet not allowed in this state of the connection";
MESSAGES[E.E_STOPPED] = "the client was stopped";
MESSAGES[E.E_OFFLINE_DROPPED] = "a QoS 0 message offered while offline was dropped";
MESSAGES[E.E_HANDLER_FAILED] = "a message handler threw";
MESSAGES[E.E_INBOUND_QOS2_FULL] = "more QoS 2 messages await PUBREL than the client keeps ids for: refused, reconnecting";
MESSAGES[E.E_CONNACK_PROTOCOL] = "connection refused: unacceptable protocol version";
MESSAGES[E.E_CONNACK_ID_REJECTED] = "connection refused: client identifier rejected";
MESSAGES[E.E_CONNACK_UNAVAILABLE] = "connection refused: server unavailable";
MESSAGES[E.E_CONNACK_BAD_CREDENTIALS] = "connection refused: bad user name or password";
MESSAGES[E.E_CONNACK_NOT_AUTHORIZED] = "connection refused: not authorized";
MESSAGES[E.E_QOS_DOWNGRADED] = "the broker answered a QoS 2 publish with PUBACK: it took the message at QoS 1";
MESSAGES[E.E_SOCKET_CLOSED] = "the socket is closed";
MESSAGES[E.E_SOCKET_NO_MEMORY] = "out of memory in the socket layer";
MESSAGES[E.E_SOCKET_TIMEOUT] = "the connection timed out";
MESSAGES[E.E_SOCKET_NO_ROUTE] = "no route to host";
MESSAGES[E.E_SOCKET_QUEUE_FULL] = "the socket's send queue is full";
MESSAGES[E.E_SOCKET_DNS] = "host name not found";
MESSAGES[E.E_SOCKET_MAX] = "too many sockets open";
MESSAGES[E.E_SOCKET_RESET] = "connection reset or refused";
MESSAGES[E.E_SOCKET_UNKNOWN] = "socket failure";
MESSAGES[E.E_SOCKET_BAD_ARGUMENT] = "bad argument to the socket layer";
MESSAGES[E.E_TLS_HANDSHAKE] = "the TLS handshake failed (certificate not trusted or no common cipher)";
MESSAGES[E.E_TLS_DATA] = "invalid TLS data";
MESSAGES[E.E_WIFI_WRONG_PASSWORD] = "WiFi: wrong password";
MESSAGES[E.E_WIFI_NO_AP] = "WiFi: no access point with that name";
MESSAGES[E.E_WIFI_FAILED] = "WiFi: joining failed or the link dropped";
MESSAGES[E.E_PIN_INVALID] = "the board has no such pin";
MESSAGES[E.E_PIN_UNSUPPORTED] = "the pin cannot do that";
MESSAGES[E.E_SENSOR_TIMEOUT] = "the sensor did not answer in time";
MESSAGES[E.E_SENSOR_CHECKSUM] = "the sensor's answer failed its checksum";
MESSAGES[E.E_SENSOR_NOT_FOUND] = "no sensor found on the pin";
MESSAGES[E.E_SENSOR_BUSY] = "a sensor reading is already under way";
MESSAGES[E.E_SENSOR_KIND] = "unknown sensor kind";
MESSAGES[E.E_STORAGE_FULL] = "storage is full";
MESSAGES[E.E_STORAGE_NAME] = "a storage name must be 1 to 28 characters";
MESSAGES[E.E_STORAGE_FAILED] = "storage failed";
MESSAGES[E.E_CONFIG] = "the configuration is missing or invalid";
MESSAGES[E.E_STARTED] = "start() ran already: reset the board or type load() to start again";
MESSAGES[E.E_CONFIG_ROLLED_BACK] = "the configuration set remotely did not reach the broker: back to the last one that did";
MESSAGES[E.E_COMMAND_UNKNOWN_ACTUATOR] = "the command names an actuator that is not configured";
MESSAGES[E.E_COMMAND_BAD_VALUE] = "the command's value is not valid for the actuator";
MESSAGES[E.E_COMMAND_RETAINED] = "a retained command was ignored";
MESSAGES[E.E_COMMAND_UNKNOWN] = "the device command is unknown, or the platform cannot do it";
MESSAGES[E.E_OTA_REQUEST] = "the update request is not valid, or no update is open";
MESSAGES[E.E_OTA_BOARD] = "the update is built for another board";
MESSAGES[E.E_OTA_OLDER] = "the update is older than the running firmware (force takes it)";
MESSAGES[E.E_OTA_SIZE] = "the update's size is out of bounds";
MESSAGES[E.E_OTA_CRC] = "the update written does not have its CRC-32";
MESSAGES[E.E_OTA_TAG] = "the update's authentication tag is wrong";
MESSAGES[E.E_OTA_NO_KEY] = "the device has no update key: provision one";
MESSAGES[E.E_OTA_ROLLED_BACK] = "the new firmware did not reach the broker: back to the one before";
MESSAGES[E.E_OTA_CHECK_FAILED] = "the update could not be read back or hashed (memory): offer it again";
