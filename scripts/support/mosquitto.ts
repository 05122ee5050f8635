/**
 * A real Mosquitto (Debian's `mosquitto` package) on 127.0.0.1 for tests and
 * benchmarks: its own temporary directory, ports, password file, TLS
 * certificates made with openssl, and persistence. When mosquitto is missing,
 * startMosquitto() throws with the install command: tests fail, never skip.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";

export interface MosquittoOptions {
  passwords?: Record<string, string>;
  allowAnonymous?: boolean;
  tls?: boolean;
  persistence?: boolean;
  /** max_queued_messages (default 100,000: mosquitto's 1,000 would drop QoS 1/2 messages under test load). */
  maxQueued?: number;
  /** max_inflight_messages (default 20 as in mosquitto; 0 = no limit). */
  maxInflight?: number;
  /**
   * set_tcp_nodelay: mosquitto's own small packets (PUBREC, PUBCOMP) leave at
   * once instead of waiting under Nagle's rule for the peer's delayed ACK
   * (40 ms on Linux), which stalls any client that keeps a bounded window.
   */
  noDelay?: boolean;
  /**
   * With persistence: save after every change (default true), or only every
   * second (false), as a broker tuned for throughput would; a SIGKILL then
   * loses what changed since the last save.
   */
  saveOnChanges?: boolean;
}

export interface Mosquitto {
  port: number;
  tlsPort?: number;
  caPem?: string;
  dir: string;
  pid(): number;
  /** Stops it (SIGTERM, persistence saved) and removes its directory. */
  stop(): Promise<void>;
  /** Kills it with SIGKILL, as a power cut would. */
  kill9(): Promise<void>;
  /** Stops it with SIGTERM (it saves its state), keeping its directory for restart(). */
  terminate(): Promise<void>;
  /** Starts it again on the same ports and directory (after kill9). */
  restart(): Promise<void>;
  log(): string;
}

const running = new Set<ChildProcess>();
process.on("exit", () => {
  for (const p of running) p.kill("SIGKILL");
});

/** Path of the mosquitto binary; throws with install instructions when it is missing. */
export function mosquittoBinary(): string {
  for (const p of ["/usr/sbin/mosquitto", "/usr/bin/mosquitto", "/usr/local/sbin/mosquitto", "/usr/local/bin/mosquitto"]) if (fs.existsSync(p)) return p;
  throw new Error(
    "mosquitto is not installed. Install it with `apt-get install mosquitto mosquitto-clients openssl` " +
      "(npm test does this first when it can); the broker tests need a real broker and do not skip.",
  );
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Resolves true once 127.0.0.1:`port` accepts a connection, false after `ms`
 * or as soon as `gaveUp()` says the process serving it is gone.
 */
export function waitForPort(port: number, ms: number, gaveUp: () => boolean = () => false): Promise<boolean> {
  const deadline = Date.now() + ms;
  return new Promise((resolve) => {
    const attempt = () => {
      const s = net.connect({ host: "127.0.0.1", port });
      s.on("connect", () => {
        s.destroy();
        resolve(true);
      });
      s.on("error", () => {
        s.destroy();
        if (Date.now() > deadline || gaveUp()) resolve(false);
        else setTimeout(attempt, 25);
      });
    };
    attempt();
  });
}

/** A CA and a server certificate for 127.0.0.1 and localhost, made with openssl in `dir`. */
function makeCertificates(dir: string): void {
  const run = (args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
  run(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=fabmqtt test CA", "-days", "2", "-keyout", "ca.key", "-out", "ca.crt"]);
  run(["req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-keyout", "server.key", "-out", "server.csr"]);
  fs.writeFileSync(path.join(dir, "san.ext"), "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
  run(["x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-days", "2", "-extfile", "san.ext", "-out", "server.crt"]);
}

/** Starts a mosquitto as `opts` say; resolves once it accepts connections. Throws when it cannot. */
export async function startMosquitto(opts: MosquittoOptions = {}): Promise<Mosquitto> {
  const binary = mosquittoBinary();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fabmqtt-mosquitto-"));
  const port = await freePort();
  const tlsPort = opts.tls ? await freePort() : undefined;
  const conf: string[] = [
    "per_listener_settings false",
    `allow_anonymous ${opts.allowAnonymous !== false && !opts.passwords ? "true" : opts.allowAnonymous ? "true" : "false"}`,
    `max_queued_messages ${opts.maxQueued ?? 100000}`,
    `max_inflight_messages ${opts.maxInflight ?? 20}`,
    `log_dest file ${path.join(dir, "mosquitto.log")}`,
    "log_type error",
    "log_type warning",
    "log_type notice",
    "log_type information",
    `listener ${port} 127.0.0.1`,
  ];
  if (opts.noDelay) conf.push("set_tcp_nodelay true");
  if (process.getuid && process.getuid() === 0) conf.unshift("user root");
  if (opts.passwords) {
    const file = path.join(dir, "passwd");
    let first = true;
    for (const [user, pass] of Object.entries(opts.passwords)) {
      execFileSync("mosquitto_passwd", first ? ["-b", "-c", file, user, pass] : ["-b", file, user, pass], { stdio: "pipe" });
      first = false;
    }
    fs.chmodSync(file, 0o600);
    conf.push(`password_file ${file}`);
  }
  if (opts.persistence) {
    // By default saved after every change, so a SIGKILL loses little the broker acknowledged.
    conf.push(
      "persistence true",
      `persistence_location ${dir}/`,
      "autosave_interval 1",
      `autosave_on_changes ${opts.saveOnChanges === false ? "false" : "true"}`,
    );
  }
  let caPem: string | undefined;
  if (tlsPort) {
    makeCertificates(dir);
    caPem = fs.readFileSync(path.join(dir, "ca.crt"), "utf8");
    conf.push(`listener ${tlsPort} 127.0.0.1`, `cafile ${dir}/ca.crt`, `certfile ${dir}/server.crt`, `keyfile ${dir}/server.key`);
  }
  const confFile = path.join(dir, "mosquitto.conf");
  fs.writeFileSync(confFile, conf.join("\n") + "\n");
  const logFile = path.join(dir, "mosquitto.log");
  let child: ChildProcess | null = null;

  const launch = async () => {
    const c = spawn(binary, ["-c", confFile], { stdio: "ignore" });
    running.add(c);
    c.on("exit", () => running.delete(c));
    child = c;
    const ok = await waitForPort(port, 10000);
    if (!ok || (tlsPort && !(await waitForPort(tlsPort, 5000)))) {
      c.kill("SIGKILL");
      const log = fs.existsSync(logFile) ? fs.readFileSync(logFile, "utf8") : "(no log)";
      throw new Error(`mosquitto did not start on 127.0.0.1:${port}:\n${log}`);
    }
  };
  const killWith = (signal: NodeJS.Signals) =>
    new Promise<void>((resolve) => {
      const c = child;
      if (!c || c.exitCode !== null || c.signalCode !== null) return resolve();
      c.once("exit", () => resolve());
      c.kill(signal);
    });

  await launch();
  return {
    port,
    tlsPort,
    caPem,
    dir,
    pid: () => (child && child.pid) || 0,
    stop: async () => {
      await killWith("SIGTERM");
      fs.rmSync(dir, { recursive: true, force: true });
    },
    kill9: () => killWith("SIGKILL"),
    terminate: () => killWith("SIGTERM"),
    restart: launch,
    log: () => (fs.existsSync(logFile) ? fs.readFileSync(logFile, "utf8") : ""),
  };
}

function runTool(tool: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(tool, ["-h", "127.0.0.1", ...args], { timeout: 20000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${tool} failed: ${err.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

/** Runs mosquitto_pub against 127.0.0.1 with these arguments; resolves with its output. */
export function mosquittoPub(args: string[]): Promise<string> {
  return runTool("mosquitto_pub", args);
}

/** Runs mosquitto_sub against 127.0.0.1 (give -C and -W so it ends); resolves with what it printed. */
export function mosquittoSub(args: string[]): Promise<string> {
  return runTool("mosquitto_sub", args);
}
