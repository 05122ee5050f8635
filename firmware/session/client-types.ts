import type { Payload } from "../mqtt/encode";
import type { Clock, Net, NetTarget, Storage } from "../../hal/types";
import type { Message, MessageHandler } from "./subscriptions";

/** The client's states: stopped, waiting to reconnect, opening a connection, connected. */
export const ST_IDLE = 0;
export const ST_WAITING = 1;
export const ST_CONNECTING = 2;
export const ST_CONNECTED = 3;

export interface Will {
  topic: string;
  payload: Payload;
  qos: number;
  retain: boolean;
}

/**
 * What the client calls back, each as a method of the handler object (so that
 * an object can hand itself over, with no function bound per callback). Every
 * one is optional.
 */
export interface ClientHandler {
  onConnect?(sessionPresent: boolean): void;
  onDisconnect?(code: number): void;
  /** Messages no filter handler took. */
  onMessage?(m: Message): void;
  /**
   * A QoS 1/2 message was acknowledged: its sequence number from publish(),
   * and the QoS it was completed at (2 after PUBCOMP; 1 after PUBACK, also for
   * a QoS 2 message the broker took at QoS 1, see E_QOS_DOWNGRADED).
   */
  onPublished?(seq: number, qos: number): void;
  /** SUBACK for a filter: the granted QoS, or E_SUBACK_FAILURE. */
  onSubscribe?(filter: string, result: number): void;
  /** UNSUBACK for a filter given to unsubscribe(). */
  onUnsubscribe?(filter: string): void;
  /** PINGRESP: the broker answered the keepalive's PINGREQ. */
  onPingResponse?(): void;
  /** Faults that do not close the connection (a handler threw, an oversized message, a saved session that could not be read or written). */
  onError?(code: number): void;
}

/**
 * How the client connects, and how much memory it takes. The client reads
 * the options while it is made and keeps what it needs of them (their values,
 * not the object): a caller may drop or reuse the object afterwards.
 */
export interface ClientOptions {
  net: Net;
  clock: Clock;
  /** Numbers in [0, 1) for the backoff jitter; Math.random by default. */
  random?: () => number;
  host: string;
  port: number;
  tls?: NetTarget["tls"];
  /**
   * Failover: the brokers to connect to in turn (at least one); when given,
   * host, port and tls are not used. After a failed connect, or a lost connection and its
   * backoff, the next attempt goes to the next one (the first after the
   * last); stats().broker says which. Messages in flight go to it as after
   * any reconnect.
   */
  brokers?: NetTarget[] | null;
  clientId: string;
  username?: string | null;
  password?: Payload | null;
  /** Default true. */
  cleanSession?: boolean;
  /** Seconds, default 60; 0 turns keepalive off. */
  keepalive?: number;
  will?: Will | null;
  txBufferSize?: number;
  maxPacketSize?: number;
  inflightWindow?: number;
  /** Outgoing QoS 1/2 messages held in all (in flight and queued). */
  queueSize?: number;
  maxSubscriptions?: number;
  /** Inbound QoS 2 ids awaiting PUBREL (default 32); more in flight from the broker means a reconnect (see inbound-qos2.ts). */
  inboundQos2?: number;
  /** The timings, in ms: defaults 10,000, 1,000, 60,000 and 30,000. */
  connectTimeoutMs?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  stableMs?: number;
  /**
   * Keep the session through a power cut (docs/design.md, "The client's policies", power cuts): the state
   * is saved as the file `name` of `storage`, at most once per `intervalMs`
   * (default 5000) while messages wait, and read back when the client is
   * created. Use it with cleanSession false.
   */
  persistSession?: { storage: Storage; name: string; intervalMs?: number } | null;
  /** The object whose methods the client calls back (ClientHandler); none by default. */
  handler?: ClientHandler | null;
}

export interface Client {
  /** Starts connecting (and reconnecting). Never fails. */
  start(): void;
  /** Sends DISCONNECT when connected, closes, and stops reconnecting. Queued messages stay. */
  stop(): void;
  /** Drives timeouts, keepalive, reconnects and the send queue. Call it often. */
  tick(): void;
  /** 0 (QoS 0 sent), a sequence number > 0 (QoS 1/2 accepted), or a negative code. */
  publish(topic: string, payload: Payload, qos: number, retain: boolean): number;
  /** 0, or E_INVALID_TOPIC / E_INVALID_QOS / E_QUEUE_FULL (subscription table full). */
  subscribe(filter: string, qos: number, handler?: MessageHandler | null): number;
  /** 0, or E_INVALID_ARGUMENT when there is no such subscription. */
  unsubscribe(filter: string): number;
  /** ST_IDLE, ST_WAITING, ST_CONNECTING or ST_CONNECTED. */
  state(): number;
  /** Counters and sizes for monitoring and tests: a new object each call (none is kept between calls). */
  stats(): ClientStats;
}

export interface ClientStats {
  connects: number;
  reconnectAttempt: number;
  inFlight: number;
  queued: number;
  lastError: number;
  reconnectAt: number;
  /** QoS 2 messages the broker completed at QoS 1 (PUBACK). */
  downgraded: number;
  /** With persistSession: every message published with a sequence number up to this one survives a power cut. */
  durableSeq: number;
  /** With brokers: the index of the one connected to, or tried next; 0 without. */
  broker: number;
}
