/**
 * Runs one interop scenario against one broker: gives it logged-in clients
 * whose wire is recorded, unique topics and client ids, a way to state a
 * deviation from MQTT 3.1.1 (accepted only when it is documented: by the broker, or in its launcher with the evidence), and
 * a time limit. The outcome is pass, fail, or "differs" (as the broker
 * documents) with a note; a scenario never hangs and never throws out.
 */
import * as E from "../../base/errors";
import { errorName } from "../../base/error-text";
import type { ClientOptions } from "../../firmware/session/client";
import { startLiveClient, waitFor, type LiveClient } from "../support/live-client";
import type { BrokerLauncher, InteropBroker } from "./broker";
import { createWire, type Wire } from "./wire";

export type Status = "pass" | "fail" | "differs";

export interface Outcome {
  status: Status;
  note: string;
  ms: number;
}

/** A live client with its recorded wire. */
export interface WiredClient extends LiveClient {
  wire: Wire;
  id: string;
}

export interface ScenarioContext {
  broker: InteropBroker;
  /** A client logged in with the broker's user (override anything), started at once; closed after the scenario. */
  client(over?: Partial<ClientOptions>): WiredClient;
  /** A fresh client id (at most 23 characters, as MQTT 3.1.1 servers must accept). */
  clientId(): string;
  /** A topic unique to this run and scenario, under `parts`. */
  topic(...parts: string[]): string;
  /**
   * The broker deviates from MQTT 3.1.1 (`key`, one of the names the launchers
   * document): recorded as "differs" when the broker documents it, else the
   * scenario fails with `observed`.
   */
  differ(key: string, observed: string): void;
  /** Adds a remark to the outcome (shown with pass too). */
  note(text: string): void;
  waitFor(check: () => boolean, what: string, ms?: number): Promise<void>;
  sleep(ms: number): Promise<void>;
}

export interface Scenario {
  id: string;
  title: string;
  /** The whole scenario's limit; past it the scenario fails. */
  limitMs: number;
  /** Only against these brokers (launcher names); against every one when absent. */
  onlyBrokers?: string[];
  run(ctx: ScenarioContext): Promise<void>;
}

/** A failure with a message meant for the matrix. */
export class ScenarioFailure extends Error {}

let clientCount = 0;
const runTag = `${process.pid.toString(36)}${Date.now().toString(36).slice(-4)}`;

/** "E_CONNACK_NOT_AUTHORIZED (-215)" for a code, for notes (errorName's fallback for an unknown code). */
export function codeName(code: number): string {
  return `${errorName(code)} (${code})`;
}

/** The disconnect codes a client saw, named, for notes; "no disconnect" when there were none. */
export function disconnects(c: LiveClient): string {
  const codes = c.events.filter((e) => e.startsWith("disconnect:")).map((e) => Number(e.slice("disconnect:".length)));
  if (codes.length === 0) return "no disconnect";
  const first = codes[0];
  return `${codes.length} disconnect(s), first ${codeName(first)}${codes.every((c) => c === first) ? "" : `, then ${[...new Set(codes.slice(1))].map(codeName).join(", ")}`}`;
}

/** Whether `scenario` runs against the broker of `launcher` (each may restrict the other). */
export function scenarioApplies(scenario: Scenario, launcher: BrokerLauncher): boolean {
  if (scenario.onlyBrokers && !scenario.onlyBrokers.includes(launcher.name)) return false;
  return !launcher.onlyScenarios || launcher.onlyScenarios.includes(scenario.id);
}

/** Runs `scenario` against `broker` within its time limit; resolves with the outcome, never rejects. */
export async function runScenario(scenario: Scenario, launcher: BrokerLauncher, broker: InteropBroker): Promise<Outcome> {
  const started = Date.now();
  const clients: WiredClient[] = [];
  const notes: string[] = [];
  const differences: string[] = [];
  const ctx: ScenarioContext = {
    broker,
    clientId: () => `fi${runTag}${(clientCount++).toString(36)}`.slice(0, 23),
    client(over = {}) {
      const wire = createWire();
      const id = over.clientId ?? ctx.clientId();
      const c = startLiveClient(broker.port, { username: broker.username, password: broker.password, clientId: id, net: wire.net, ...over }) as WiredClient;
      c.wire = wire;
      c.id = id;
      clients.push(c);
      return c;
    },
    topic: (...parts) => ["fabmqtt-interop", runTag, scenario.id, ...parts].join("/"),
    differ(key, observed) {
      const documented = launcher.deviations[key];
      if (!documented) throw new ScenarioFailure(`${observed} (not a deviation ${launcher.name} documents)`);
      differences.push(`${observed}: ${documented.what} (${documented.source})`);
    },
    note: (text) => void notes.push(text),
    waitFor: (check, what, ms = 10000) => waitFor(check, what, ms),
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
  };
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ScenarioFailure(`no result within the ${scenario.limitMs / 1000} s limit`)), scenario.limitMs);
  });
  let failure: string | null = null;
  try {
    await Promise.race([scenario.run(ctx), limit]);
  } catch (e) {
    failure = e instanceof Error ? e.message : String(e);
    const last = clients[clients.length - 1];
    if (last && !(e instanceof ScenarioFailure)) failure += `; wire: ${last.wire.transcript(8)}; ${disconnects(last)}`;
  } finally {
    clearTimeout(timer);
    for (const c of clients) c.close();
  }
  const ms = Date.now() - started;
  if (failure !== null) return { status: "fail", note: [failure, ...differences, ...notes].join("; "), ms };
  if (differences.length) return { status: "differs", note: [...differences, ...notes].join("; "), ms };
  return { status: "pass", note: notes.join("; "), ms };
}

/** The CONNACK refusal codes a wrong password may get under MQTT 3.1.1 (4 or 5). */
export const REFUSED_CREDENTIALS = [E.E_CONNACK_BAD_CREDENTIALS, E.E_CONNACK_NOT_AUTHORIZED];
