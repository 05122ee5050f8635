import type { Config } from "../../firmware/app/config";
import { brokerAddresses, parseBrokerUrl } from "../simulator/broker-url";

/** What `npm run provision` was given; every field optional (flags override the --config file). */
export interface ProvisionInput {
  /** The text of the --config file. */
  configText?: string;
  ssid?: string;
  wifiPassword?: string;
  /** mqtt://user:password@host:port or mqtts://... */
  broker?: string;
  /** Overrides the password in the broker URL (from FABMQTT_BROKER_PASSWORD). */
  brokerPassword?: string;
  device?: string;
  base?: string;
  qos?: string;
  keepalive?: string;
  discovery?: string;
}

/** The configuration to write, and the secrets in it (never to be printed). */
export interface Provisioned {
  config: Config;
  secrets: string[];
}

/** A whole number from a flag, or NaN (checkConfig then names the field). */
function whole(text: string): number {
  return /^-?\d+$/.test(text.trim()) ? Number(text) : NaN;
}

/**
 * Builds the configuration from a --config file and the flags (flags win).
 * Returns it with its secrets, or a sentence naming the bad option ("--config:
 * not valid JSON", "--broker: no host"). Shape and values are then checked
 * with the firmware's checkConfig; this only assembles.
 */
export function buildConfig(input: ProvisionInput, makeDeviceId: () => string): Provisioned | string {
  let c: Record<string, any> = {};
  if (input.configText !== undefined) {
    try {
      c = JSON.parse(input.configText);
    } catch {
      return "--config: not valid JSON";
    }
    if (!c || typeof c !== "object" || Array.isArray(c)) return "--config: not a JSON object";
  }
  if (input.ssid !== undefined || input.wifiPassword !== undefined) {
    c.wifi = c.wifi && typeof c.wifi === "object" ? { ...c.wifi } : {};
    if (input.ssid !== undefined) c.wifi.ssid = input.ssid;
    if (input.wifiPassword !== undefined) c.wifi.password = input.wifiPassword;
  }
  if (c.wifi === undefined) c.wifi = { ssid: "" };
  if (input.broker !== undefined) {
    const t = parseBrokerUrl(input.broker);
    if (typeof t === "string") return t;
    // The URL says where and who; the file's other broker fields (keepalive) stay.
    const {
      host: _h,
      hosts: _hs,
      port: _p,
      tls: _t,
      username: _u,
      password: _w,
      ...kept
    } = c.broker && typeof c.broker === "object" ? c.broker : ({} as Record<string, unknown>);
    const b: Record<string, unknown> = { host: t.host, port: t.port, ...kept };
    if (t.tls) b.tls = true;
    if (t.username !== undefined) b.username = t.username;
    if (t.password !== undefined) b.password = t.password;
    c.broker = b;
  }
  if (input.brokerPassword !== undefined) {
    if (!c.broker || typeof c.broker !== "object") return "--broker: needed with FABMQTT_BROKER_PASSWORD";
    c.broker = { ...c.broker, password: input.brokerPassword };
  }
  if (input.keepalive !== undefined) {
    if (!c.broker || typeof c.broker !== "object") return "--keepalive: needs --broker";
    c.broker = { ...c.broker, keepalive: whole(input.keepalive) };
  }
  if (input.device !== undefined) c.device = input.device;
  if (c.device === undefined) c.device = makeDeviceId();
  if (input.base !== undefined) c.base = input.base;
  if (input.qos !== undefined) c.qos = whole(input.qos);
  if (input.discovery !== undefined) c.discovery = input.discovery;
  const secrets: string[] = [];
  if (c.wifi && typeof c.wifi.password === "string" && c.wifi.password) secrets.push(c.wifi.password);
  if (c.broker && typeof c.broker.password === "string" && c.broker.password) secrets.push(c.broker.password);
  return { config: c as Config, secrets };
}

/** The broker(s) as a URL with the password replaced by "***" ("mqtt://u:***@a:1883,b:1884" for several), for progress output. */
export function brokerSummary(config: Config): string {
  const b = config.broker;
  const user = b.username !== undefined ? encodeURIComponent(b.username) + (b.password !== undefined ? ":***" : "") + "@" : "";
  return (
    (b.tls ? "mqtts://" : "mqtt://") +
    user +
    brokerAddresses(b)
      .map((a) => a.host + ":" + a.port)
      .join(",")
  );
}

/**
 * The warning for a TLS broker on an Espruino board, "" without TLS: the
 * link is encrypted but not authenticated, since Espruino never verifies the
 * certificate (with or without broker.ca), and its TLS is narrow.
 */
export function espruinoTlsWarning(config: Config): string {
  const b = config.broker;
  if (!b.tls) return "";
  return (
    "warning: Espruino never verifies the broker's certificate (not even with broker.ca): the link to " +
    brokerAddresses(b)
      .map((a) => a.host + ":" + a.port)
      .join(", ") +
    " is encrypted, but anyone on the path can pose as the broker and take the password. The broker must also offer what Espruino's TLS has: TLS 1.2 only, RSA or DHE-RSA key exchange only, no SNI"
  );
}
