/**
 * The caller-owned record the decoders fill. One is made at start-up and reused
 * for every packet: decoding builds no object, array or string. Topic, payload
 * and SUBACK codes are described by offsets into the buffer that was decoded;
 * firmware/mqtt/fields.ts turns them into a string or copies them out, and that
 * is the one place where the application is handed new memory.
 */
/** The fields a client's protocol engine reads of a received packet (firmware/session/client.ts); every byte layer fills them. */
export interface ReceivedPacket {
  /** Packet type (constants.ts), 0 before the first decode. */
  type: number;
  /** CONNACK: session present flag. */
  sessionPresent: boolean;
  /** CONNACK: return code 0-5. From a byte layer's decodeReceived, a SUBACK's first return code too. */
  returnCode: number;
  /** PUBLISH: QoS 0-2. */
  qos: number;
  /** PUBLISH: retain flag. */
  retain: boolean;
  /** PUBLISH: DUP flag. */
  dup: boolean;
  /** PUBLISH at QoS 1/2 and every ack: packet id 1-65535 (0 when absent). */
  packetId: number;
  /** PUBLISH: offset and byte length of the topic. */
  topicStart: number;
  topicLength: number;
  /** PUBLISH: offset and byte length of the payload. */
  payloadStart: number;
  payloadLength: number;
}

/** Everything the codec's decoders say of a packet. */
export interface Packet extends ReceivedPacket {
  /** Low nibble of the first byte. */
  flags: number;
  /** Remaining length declared by the fixed header. */
  remainingLength: number;
  /** Offset of the byte after the fixed header. */
  bodyStart: number;
  /** SUBACK: offset and number of the return codes (one byte each). */
  codesStart: number;
  codesCount: number;
}

/** A blank record to pass to the decoders. Never fails. */
export function createPacket(): Packet {
  return {
    type: 0,
    flags: 0,
    remainingLength: 0,
    bodyStart: 0,
    sessionPresent: false,
    returnCode: 0,
    qos: 0,
    retain: false,
    dup: false,
    packetId: 0,
    topicStart: 0,
    topicLength: 0,
    payloadStart: 0,
    payloadLength: 0,
    codesStart: 0,
    codesCount: 0,
  };
}
