/**
 * The soak's command line: a profile (`--short` about 20-30 s, the default
 * about 2 minutes, `--long`), `--seed S` to replay a run's fault decisions,
 * `--json` for one JSON object as the last line, `--per-qos N` to set the
 * message count directly, `--save-on-changes` for a mosquitto that saves its
 * state after every change instead of once a second, `--inbound-qos2 N`
 * for the receiver's table of inbound QoS 2 ids (256 by default; the client's
 * own default is 32), `--broker-inflight N` for mosquitto's
 * max_inflight_messages (0, no limit, by default), and `--trace FILE` to write every packet on both
 * clients' wires to FILE (and mosquitto's log to FILE.mosquitto.log).
 */

export interface SoakOptions {
  profile: "short" | "default" | "long";
  /** Messages per QoS (QoS 1 and QoS 2 each). */
  perQos: number;
  /** Mean packets between two resets by the proxy. */
  resetEveryPackets: number;
  /** mosquitto SIGKILLs (and restarts) during the run. */
  kills: number;
  seed: number;
  json: boolean;
  /** The whole run is abandoned (and fails) after this long. */
  deadlineMs: number;
  /** Once the sender is done, how long the receiver may go without a new message before the run ends. */
  quietMs: number;
  /**
   * mosquitto saves its state after every change (true) or once a second
   * (false, the default: a save per change rewrites the whole store for every
   * acknowledgement, and under load mosquitto then reads acknowledgements more
   * slowly than resets arrive).
   */
  saveOnChanges: boolean;
  /** mosquitto's max_inflight_messages (0: no limit). */
  brokerInflight: number;
  /** The receiver's `inboundQos2` option: inbound QoS 2 ids it keeps. */
  inboundQos2: number;
  /** Where to write the wire trace, or null. */
  trace: string | null;
}

const PROFILES = {
  short: { perQos: 3000, kills: 2, deadlineMs: 120000 },
  default: { perQos: 10000, kills: 2, deadlineMs: 600000 },
  long: { perQos: 50000, kills: 6, deadlineMs: 3600000 },
};

/** The options from `argv` (process.argv.slice(2)); throws with a usage line on an unknown or bad argument. */
export function parseSoakOptions(argv: string[]): SoakOptions {
  let profile: SoakOptions["profile"] = "default";
  let seed = (Date.now() ^ (process.pid << 16)) >>> 0;
  let json = false;
  let perQos: number | undefined;
  let saveOnChanges = false;
  let inboundQos2 = 256;
  let brokerInflight = 0;
  let trace: string | null = null;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--short") profile = "short";
    else if (a === "--long") profile = "long";
    else if (a === "--json") json = true;
    else if (a === "--save-on-changes") saveOnChanges = true;
    else if (a === "--trace") {
      trace = argv[++i];
      if (!trace) throw new Error("--trace needs a file name");
    } else if (a === "--seed" || a === "--per-qos" || a === "--inbound-qos2" || a === "--broker-inflight") {
      const v = Number(argv[++i]);
      if (!Number.isInteger(v) || v < (a === "--seed" || a === "--broker-inflight" ? 0 : 1)) throw new Error(`${a} needs a whole number, got ${argv[i]}`);
      if (a === "--seed") seed = v >>> 0;
      else if (a === "--per-qos") perQos = v;
      else if (a === "--inbound-qos2") inboundQos2 = v;
      else brokerInflight = v;
    } else
      throw new Error(
        `unknown argument ${a}; usage: npm run soak -- [--short|--long] [--seed S] [--per-qos N] [--save-on-changes] [--inbound-qos2 N] [--broker-inflight N] [--trace FILE] [--json]`,
      );
  }
  const p = PROFILES[profile];
  return {
    profile,
    perQos: perQos ?? p.perQos,
    resetEveryPackets: 200,
    kills: p.kills,
    seed,
    json,
    deadlineMs: p.deadlineMs,
    quietMs: 15000,
    saveOnChanges,
    inboundQos2,
    brokerInflight,
    trace,
  };
}
