/** MQTT 3.1.1 wire constants (OASIS standard, 29 October 2014). */

// Control packet types, section 2.2.1 (high nibble of the first byte).
export const CONNECT = 1;
export const CONNACK = 2;
export const PUBLISH = 3;
export const PUBACK = 4;
export const PUBREC = 5;
export const PUBREL = 6;
export const PUBCOMP = 7;
export const SUBSCRIBE = 8;
export const SUBACK = 9;
export const UNSUBSCRIBE = 10;
export const UNSUBACK = 11;
export const PINGREQ = 12;
export const PINGRESP = 13;
export const DISCONNECT = 14;

// Protocol name and level, section 3.1.2.1 and 3.1.2.2.
export const PROTOCOL_LEVEL_311 = 4;

// CONNECT flags, section 3.1.2.3.
export const CONNECT_FLAG_CLEAN_SESSION = 0x02;
export const CONNECT_FLAG_WILL = 0x04;
export const CONNECT_FLAG_WILL_RETAIN = 0x20;
export const CONNECT_FLAG_PASSWORD = 0x40;
export const CONNECT_FLAG_USERNAME = 0x80;

// CONNACK return codes, section 3.2.2.3.
export const CONNACK_ACCEPTED = 0;
export const CONNACK_BAD_PROTOCOL = 1;
export const CONNACK_ID_REJECTED = 2;
export const CONNACK_SERVER_UNAVAILABLE = 3;
export const CONNACK_BAD_CREDENTIALS = 4;
export const CONNACK_NOT_AUTHORIZED = 5;

// SUBACK return code for a refused filter, section 3.9.3.
export const SUBACK_FAILURE = 0x80;

// Limits, section 1.5.3 and 2.2.3.
export const MAX_STRING_BYTES = 65535;
export const MAX_REMAINING_LENGTH = 268435455;
export const MAX_PACKET_ID = 65535;
