import net from "node:net";
import type { Config } from "../../firmware/app/config";

/** Where the virtual board connects, from `--broker mqtt://user:pass@host:port` (or mqtts://). */
export interface BrokerTarget {
  host: string;
  port: number;
  tls: boolean;
  username?: string;
  password?: string;
}

/** Parses a broker URL. Returns the target, or a sentence saying what is wrong (never echoing a password). */
export function parseBrokerUrl(text: string): BrokerTarget | string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return "--broker: not a URL (mqtt://user:password@host:port or mqtts://...)";
  }
  if (url.protocol !== "mqtt:" && url.protocol !== "mqtts:") return "--broker: the scheme must be mqtt:// or mqtts://";
  const tls = url.protocol === "mqtts:";
  const port = url.port ? Number(url.port) : tls ? 8883 : 1883;
  if (!url.hostname) return "--broker: no host";
  const target: BrokerTarget = { host: url.hostname.replace(/^\[|\]$/g, ""), port, tls };
  if (url.username) target.username = decodeURIComponent(url.username);
  if (url.password) target.password = decodeURIComponent(url.password);
  return target;
}

/**
 * Whether `host` is this machine: a dotted-quad IPv4 address in 127.0.0.0/8,
 * `localhost`, or `::1` (bracketed or not). Anything else, a name such as
 * 127.evil.example included, is another machine: false.
 */
export function isLoopback(host: string): boolean {
  const h = host.toLowerCase();
  if (h === "localhost" || h === "::1" || h === "[::1]") return true;
  return net.isIPv4(h) && h.startsWith("127.");
}

/** A warning when a password would cross the network unencrypted, else "". */
export function plainPasswordWarning(t: BrokerTarget): string {
  if (t.tls || t.password === undefined || isLoopback(t.host)) return "";
  return "warning: the broker password goes to " + t.host + " over plain TCP; anyone on that network can read it (use mqtts://)";
}

/** Each broker of a checked configuration (`host`, or every one of `hosts`) with its port, in the order the device tries them. Never fails. */
export function brokerAddresses(b: Config["broker"]): { host: string; port: number }[] {
  return (b.hosts ?? [b.host ?? ""]).map((h) => {
    const colon = h.indexOf(":");
    return colon < 0 ? { host: h, port: b.port } : { host: h.slice(0, colon), port: Number(h.slice(colon + 1)) };
  });
}
