/**
 * The platform as the firmware sees it. hal/espruino implements it on the
 * board, hal/node on the host (tests, simulator); the bundle picks one, and
 * firmware code never asks which. Errors are negative codes from
 * firmware/errors.ts (platform range -300..-349); nothing here throws at run
 * time.
 */

/** Milliseconds from an arbitrary origin; only differences matter (see firmware/time.ts). */
export interface Clock {
  now(): number;
}

/** Where to connect. */
export interface NetTarget {
  host: string;
  port: number;
  /** Present for TLS. */
  tls?: TlsOptions | null;
}

/** TLS settings. The Node HAL verifies certificates unless told not to; Espruino never does. */
export interface TlsOptions {
  /** CA certificate(s), PEM text. */
  ca?: string;
  /** Client certificate and key, PEM text. */
  cert?: string;
  key?: string;
  /** Verify the server's certificate chain and name. Default true; false must be said explicitly. */
  verify?: boolean;
  /** Name to verify and to send as SNI; defaults to host. */
  servername?: string;
}

/**
 * What a socket tells its owner. Order is always: onConnect once (or not at
 * all), any number of onData, then at most one onError, then onClose exactly
 * once. Data may arrive split or merged anyhow. No callback runs inside the
 * call that caused it (Espruino's emit is asynchronous: the HALs behave alike).
 */
export interface SocketHandlers {
  onConnect(): void;
  /** A chunk of bytes: Uint8Array on Node, an 8-bit String on Espruino. Valid only during the call. */
  onData(chunk: Uint8Array | string): void;
  onError(code: number): void;
  onClose(): void;
}

/** An open or opening connection. */
export interface Socket {
  /**
   * Queues bytes [start, end) of `data` for sending; they are copied before the
   * call returns. Returns 0, E_SOCKET_CLOSED after close, or E_SOCKET_QUEUE_FULL
   * when the bounded send queue is already full (nothing was queued then; a
   * write into a queue with room is taken whole, so a packet written as header
   * then payload is never cut).
   */
  write(data: Uint8Array, start: number, end: number): number;
  /** Closes at once; onClose follows (asynchronously). Safe to call twice. */
  close(): void;
}

/** Opens TCP or TLS connections. */
export interface Net {
  /**
   * Starts a connection. Returns the socket, or a negative code when it failed
   * at once (on some targets a refused connect throws synchronously: the HAL
   * turns that into a code, and no handler is called then).
   */
  connect(target: NetTarget, handlers: SocketHandlers): Socket | number;
}
