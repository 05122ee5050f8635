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
