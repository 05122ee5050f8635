/**
 * One fleet run: the boards start together, then a steady phase (telemetry
 * rate at the broker, command round trips), then, when asked, broker
 * restarts: one with the firmware's backoff jitter, one with it off, each
 * timed until every board is back, with the most connection attempts and
 * connects in one second.
 */
import v8 from "node:v8";
import vm from "node:vm";
import { peakPerSecond, perSecond, startFleet, type Fleet, type FleetOptions } from "./boards";
import { percentile, startMonitor, type Monitor } from "./monitor";
import type { NetTarget } from "../../hal/types";

/** What a restart round needs of the broker: stop it, and start it again on the same port. */
export interface RestartableBroker {
  stop(): Promise<void>;
  start(): Promise<void>;
}

export interface RunOptions {
  fleet: FleetOptions;
  /** Where the monitor connects (tried in turn). */
  monitorBrokers: NetTarget[];
  /** Seconds of the steady phase. */
  duration: number;
  /** Restart rounds (jitter on, then off) when given. */
  broker: RestartableBroker | null;
  /** Seconds the broker stays down in a restart. */
  downSeconds: number;
  /** The restart rounds, by jitter: on (as the firmware ships), then off, by default. */
  rounds?: boolean[];
  log: (line: string) => void;
}

export interface RestartFigures {
  jitter: boolean;
  downSeconds: number;
  /** From the stop until every board was connected again; null when some never were. */
  secondsUntilAllBack: number | null;
  /** From the broker's return until every board was connected again. */
  secondsAfterBrokerBack: number | null;
  /** Connection attempts: over the whole round (the first wave meets a closed port), and from the broker's return. */
  peakAttemptsPerSecond: number;
  peakAttemptsAfterBack: number;
  /** Accepted CONNACKs. */
  peakConnectsPerSecond: number;
  attemptsPerSecond: number[];
  onlineAfter: number;
  leftBehind: number;
}

export interface FleetReport {
  boards: number;
  secondsUntilAllOnline: number | null;
  memoryPerBoard: { heapBytes: number; externalBytes: number; rssBytes: number };
  steady: {
    seconds: number;
    online: number;
    telemetryPerSecond: number;
    commandsSent: number;
    commandsAnswered: number;
    roundTripP50Ms: number;
    roundTripP99Ms: number;
  };
  restarts: RestartFigures[];
  onlineAfterRestart: number | null;
  ok: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until `check()` or `ms` passed; resolves with the time it held, or null. */
async function until(check: () => boolean, ms: number): Promise<number | null> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (check()) return Date.now();
    if (Date.now() > deadline) return null;
    await sleep(50);
  }
}

/** A full garbage collection, so that heap figures are what is alive. */
function collect(): void {
  v8.setFlagsFromString("--expose-gc");
  (vm.runInNewContext("gc") as () => void)();
}

function memory() {
  collect();
  const m = process.memoryUsage();
  return { heap: m.heapUsed, external: m.external, rss: m.rss };
}

/**
 * When a board's client counts failed attempts (after a restart), waits until
 * every connection has been up for the client's stableMs (30 s): the next
 * loss then resets the count, and every round starts from attempt 0.
 */
async function settle(fleet: Fleet): Promise<void> {
  if (!fleet.boards.some((b) => b.device.client.stats().reconnectAttempt > 0)) return;
  const last = fleet.connects.length ? fleet.connects[fleet.connects.length - 1] : 0;
  const wait = last + 31000 - Date.now();
  if (wait > 0) await sleep(wait);
}

async function restartRound(fleet: Fleet, broker: RestartableBroker, jitter: boolean, o: RunOptions): Promise<RestartFigures> {
  const n = fleet.boards.length;
  fleet.setJitter(jitter);
  const stopAt = Date.now();
  await broker.stop();
  // Every board notices the loss (the broker closed its connections) before the broker is back.
  await until(() => fleet.online() === 0, 10000);
  await sleep(Math.max(0, stopAt + o.downSeconds * 1000 - Date.now()));
  await broker.start();
  const backAt = Date.now();
  const allBack = await until(() => fleet.online() === n, 120000 + n * 60);
  const online = fleet.online();
  const end = allBack ?? Date.now();
  const figures: RestartFigures = {
    jitter,
    downSeconds: Math.round((backAt - stopAt) / 100) / 10,
    secondsUntilAllBack: allBack === null ? null : (allBack - stopAt) / 1000,
    secondsAfterBrokerBack: allBack === null ? null : (allBack - backAt) / 1000,
    peakAttemptsPerSecond: peakPerSecond(
      fleet.attempts.filter((t) => t <= end),
      stopAt,
    ),
    peakAttemptsAfterBack: peakPerSecond(
      fleet.attempts.filter((t) => t <= end),
      backAt,
    ),
    peakConnectsPerSecond: peakPerSecond(
      fleet.connects.filter((t) => t <= end),
      stopAt,
    ),
    attemptsPerSecond: perSecond(fleet.attempts, stopAt, Math.ceil((end - stopAt) / 1000)),
    onlineAfter: online,
    leftBehind: n - online,
  };
  o.log(
    `restart (jitter ${jitter ? "on" : "off"}): broker down ${figures.downSeconds.toFixed(1)} s; ` +
      (allBack === null
        ? `${figures.leftBehind} of ${n} boards left behind`
        : `all ${n} back ${figures.secondsUntilAllBack!.toFixed(1)} s after the stop (${figures.secondsAfterBrokerBack!.toFixed(1)} s after the broker came back), none left behind`) +
      `; most in one second: ${figures.peakAttemptsPerSecond} connection attempts (${figures.peakAttemptsAfterBack} once the broker was back), ${figures.peakConnectsPerSecond} connects`,
  );
  return figures;
}

/**
 * Telemetry messages per second that reached the monitor between `from` and
 * `to`, over whole reading periods: boards started together read in step, so
 * their messages come in bursts once a period, and a window that is not a
 * whole number of periods would count one burst too many or too few.
 */
function telemetryRate(monitor: Monitor, from: number, to: number, periodSeconds: number): number {
  const span = Math.max(1, Math.floor((to - from) / 1000 / periodSeconds)) * periodSeconds * 1000;
  const count = monitor.telemetryTimes.filter((t) => t >= from && t < from + span).length;
  return Math.round((count / (span / 1000)) * 10) / 10;
}

/** Runs the fleet as `o` says; resolves with the figures, rejects only when a board cannot be booted. */
export async function runFleet(o: RunOptions): Promise<FleetReport> {
  const n = o.fleet.boards;
  const monitor: Monitor = startMonitor({
    brokers: o.monitorBrokers,
    username: o.fleet.username,
    password: o.fleet.password,
    base: o.fleet.base,
    clientId: o.fleet.prefix + "monitor",
  });
  let fleet: Fleet | null = null;
  try {
    await monitor.ready(30000);
    const before = memory();
    const bootAt = Date.now();
    fleet = startFleet(o.fleet);
    const allOnline = await until(() => fleet!.online() === n, 60000 + n * 60);
    const startup = allOnline === null ? null : (allOnline - bootAt) / 1000;
    o.log(
      allOnline === null
        ? `start: only ${fleet.online()} of ${n} boards online after ${((Date.now() - bootAt) / 1000).toFixed(0)} s`
        : `start: all ${n} boards online ${startup!.toFixed(1)} s after boot`,
    );
    const after = memory();
    const per = {
      heapBytes: Math.round((after.heap - before.heap) / n),
      externalBytes: Math.round((after.external - before.external) / n),
      rssBytes: Math.round((after.rss - before.rss) / n),
    };
    o.log(
      `memory per board in Node: ${(per.heapBytes / 1024).toFixed(1)} KiB heap, ${(per.externalBytes / 1024).toFixed(1)} KiB external (buffers), ${(per.rssBytes / 1024).toFixed(1)} KiB resident`,
    );

    // The first readings, taken at the connects, all come at once: the steady phase starts once they are in.
    await until(() => monitor.telemetryOf.size === n, o.fleet.period * 1000 + 10000);
    // Steady phase: every board gets a command about every 10 s, round robin.
    const steadyFrom = Date.now();
    const perTick = Math.max(1, Math.round(n / 100));
    let next = 0;
    while (Date.now() - steadyFrom < o.duration * 1000) {
      for (let k = 0; k < perTick; k++) monitor.command(fleet.boards[next++ % n].id);
      await sleep(100);
    }
    const steadyTo = Date.now();
    await until(() => monitor.pending.size === 0, 5000);
    const seconds = (steadyTo - steadyFrom) / 1000;
    const steady = {
      seconds,
      online: fleet.online(),
      telemetryPerSecond: telemetryRate(monitor, steadyFrom, steadyTo, o.fleet.period),
      commandsSent: monitor.sent,
      commandsAnswered: monitor.rtts.length,
      roundTripP50Ms: percentile(monitor.rtts, 50),
      roundTripP99Ms: percentile(monitor.rtts, 99),
    };
    o.log(
      `steady ${seconds.toFixed(0)} s: ${steady.online} of ${n} online; telemetry at the broker ${steady.telemetryPerSecond} messages/s; ` +
        `${steady.commandsAnswered} of ${steady.commandsSent} commands answered, round trip p50 ${steady.roundTripP50Ms} ms, p99 ${steady.roundTripP99Ms} ms`,
    );

    const restarts: RestartFigures[] = [];
    if (o.broker) {
      for (const jitter of o.rounds ?? [true, false]) {
        await settle(fleet);
        restarts.push(await restartRound(fleet, o.broker, jitter, o));
      }
    }
    const onlineAfterRestart = o.broker ? fleet.online() : null;
    const ok = allOnline !== null && restarts.every((r) => r.leftBehind === 0);
    return { boards: n, secondsUntilAllOnline: startup, memoryPerBoard: per, steady, restarts, onlineAfterRestart, ok };
  } finally {
    if (fleet) fleet.stop();
    monitor.close();
    await sleep(300);
  }
}
