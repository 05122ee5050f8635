/**
 * What every broker launcher of `npm run interop` provides: a broker on
 * 127.0.0.1 on its own free port, with one user and password, that can be
 * restarted on the same port and stopped by PID; and the deviations from MQTT
 * 3.1.1 that the broker's own documentation states.
 */

/** A running broker. */
export interface InteropBroker {
  port: number;
  username: string;
  password: string;
  /** Stops it cleanly and starts it again on the same port with the same data; rejects when it does not come back. */
  restart(): Promise<void>;
  /** Stops it and everything it started, and removes its files; never rejects. */
  stop(): Promise<void>;
  /** PIDs of its processes now ([] in-process). */
  pids(): number[];
  /** The tail of its log, for failure reports. */
  logTail(): string;
}

/** A deviation the broker documents: what it does, and where it says so. */
export interface Deviation {
  what: string;
  source: string;
}

/** How to start one broker. */
export interface BrokerLauncher {
  /** Short name, the matrix column. */
  name: string;
  /** The Debian package(s) that provide it ("" for an npm dependency). */
  packages: string;
  /** null when it can be started here, else what is missing (with the install command). */
  missing(): string | null;
  /** Its version, for the report ("?" when unknown). */
  version(): string;
  /** Starts it; rejects with the reason (and its log) when it does not come up. */
  start(): Promise<InteropBroker>;
  /** Keyed by the names the scenarios give to deviations (see scenarios.ts). */
  deviations: Record<string, Deviation>;
  /** Started after the others have finished, by itself (a cluster takes the machine's cores). */
  alone?: boolean;
  /** Only these scenarios run against it (ids); all when absent. */
  onlyScenarios?: string[];
}

/** The user every broker is given. */
export const INTEROP_USER = "fabmqtt";
/** Its password (brokers on 127.0.0.1 only, for this run). */
export const INTEROP_PASSWORD = "interop-Pa55";
