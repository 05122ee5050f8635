/**
 * `npm run provision -- --board <id> --port <port> --ssid <name> --password <wifi>
 *  --broker mqtt://user:pass@host:port [--device id] [--base topic] ...` (or
 * `--config file.json`, flags overriding it): builds the device configuration,
 * checks it with the firmware's own checkConfig for that board, then writes
 * it to the board's Storage file fabmqtt.json with the espruino CLI and has
 * the board confirm it. Passwords are never printed: they are masked in
 * everything passed on from the CLI and the board. They may also come from
 * FABMQTT_WIFI_PASSWORD and FABMQTT_BROKER_PASSWORD.
 * Exit codes: 0 written and checked, 1 the upload failed, 2 bad arguments or configuration.
 */
import crypto from "node:crypto";
import fs from "node:fs";
import { parseArgs } from "node:util";
import { checkConfig, CONFIG_FILE } from "../firmware/app/config";
import { toDeviceBoard } from "../boards/device-view";
import { brokerAddresses, plainPasswordWarning } from "./simulator/broker-url";
import { argvSecrets, argvSecretsWarning } from "./flash/argv-secrets";
import { maskSecrets } from "./flash/mask";
import { brokerSummary, buildConfig, espruinoTlsWarning, type ProvisionInput } from "./flash/provision-config";
import { defaultTimeoutMs, uploadToStorage } from "./flash/storage-upload";
import { readTarget, TARGET_OPTIONS } from "./flash/target";
import { OTA_KEY_FILE } from "../firmware/app/ota";
import { newKeyText, readKey } from "./ota/image";

const USAGE = `npm run -s provision -- --board <id> --port <port> --ssid <wifi> --password <wifi password>
    --broker mqtt://user:password@host:1883 [--device <id>] [--base <topic>] [--qos 0|1|2]
    [--keepalive <s>] [--discovery <prefix>] [--config file.json] [--key-file <file>] [--fast] [--timeout <seconds>]

  --config   a JSON configuration (sensors, actuators, ...); the flags override its fields
  --device   client id and topic level (default: fabmqtt-<6 random hex digits>)
  --key-file the device's update key for npm run ota (hex), written to the board; made when the file does not exist
  Passwords can come from FABMQTT_WIFI_PASSWORD and FABMQTT_BROKER_PASSWORD instead, and
  should: on the command line other users see them in the process list, and npm run prints them.`;

const OPTIONS = {
  ...TARGET_OPTIONS,
  config: { type: "string" },
  ssid: { type: "string" },
  password: { type: "string" },
  broker: { type: "string" },
  device: { type: "string" },
  base: { type: "string" },
  qos: { type: "string" },
  keepalive: { type: "string" },
  discovery: { type: "string" },
  "key-file": { type: "string" },
} as const;

/** Whether npm printed this command line (with its arguments) before running it: `npm run` without -s. */
function npmPrintedCommandLine(): boolean {
  return process.env.npm_lifecycle_event === "provision" && process.env.npm_config_loglevel !== "silent";
}

async function main(): Promise<number> {
  const onCommandLine = argvSecrets(process.argv.slice(2));
  const onArgv = ([] as string[]).concat(...onCommandLine.map((f) => f.texts));
  let values;
  try {
    values = parseArgs({ options: OPTIONS, strict: true, allowPositionals: false }).values;
  } catch (e) {
    console.error("provision: " + maskSecrets((e as Error).message, onArgv) + "\n\n" + USAGE);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const onArgvWarning = argvSecretsWarning(onCommandLine, npmPrintedCommandLine());
  if (onArgvWarning) console.error("provision: " + onArgvWarning);
  const target = readTarget(values);
  if (typeof target === "string") {
    console.error("provision: " + target + "\n\n" + USAGE);
    return 2;
  }
  const input: ProvisionInput = {
    ssid: values.ssid,
    wifiPassword: process.env.FABMQTT_WIFI_PASSWORD ?? values.password,
    broker: values.broker,
    brokerPassword: process.env.FABMQTT_BROKER_PASSWORD,
    device: values.device,
    base: values.base,
    qos: values.qos,
    keepalive: values.keepalive,
    discovery: values.discovery,
  };
  if (values.config !== undefined) {
    try {
      input.configText = fs.readFileSync(values.config, "utf8");
    } catch (e) {
      console.error("provision: --config: cannot read " + values.config + " (" + (e as NodeJS.ErrnoException).code + ")");
      return 2;
    }
  }
  // Secrets known before the configuration is even assembled, so that no message can show them.
  const early = [...onArgv, process.env.FABMQTT_WIFI_PASSWORD, process.env.FABMQTT_BROKER_PASSWORD].filter((s): s is string => !!s);
  const built = buildConfig(input, () => "fabmqtt-" + crypto.randomBytes(3).toString("hex"));
  if (typeof built === "string") {
    console.error("provision: " + maskSecrets(built, early));
    return 2;
  }
  const secrets = [...early, ...built.secrets];
  const mask = (s: string) => maskSecrets(s, secrets);
  const config = built.config;
  const problem = checkConfig(config, toDeviceBoard(target.board));
  if (problem) {
    console.error("provision: bad configuration for " + target.board.id + ": " + mask(problem));
    return 2;
  }
  for (const a of brokerAddresses(config.broker)) {
    const warning = plainPasswordWarning({ host: a.host, port: a.port, tls: !!config.broker.tls, password: config.broker.password });
    if (warning) console.error("provision: " + warning);
  }
  const tlsWarning = espruinoTlsWarning(config);
  if (tlsWarning) console.error("provision: " + mask(tlsWarning));
  const data = Buffer.from(JSON.stringify(config), "utf8");
  const files = [{ name: CONFIG_FILE, data }];
  const keyFile = values["key-file"];
  if (keyFile) {
    // The update key goes over USB only: npm run ota never sends it, and the device never publishes it.
    if (!fs.existsSync(keyFile)) {
      fs.writeFileSync(keyFile, newKeyText(), { mode: 0o600 });
      console.log("provision: made a new update key in " + keyFile + " (keep it: npm run ota needs it)");
    }
    const key = readKey(keyFile);
    if (typeof key === "string") {
      console.error("provision: --key-file: " + key);
      return 2;
    }
    files.push({ name: OTA_KEY_FILE, data: Buffer.from(key.toString("hex"), "latin1") });
    secrets.push(key.toString("hex"));
  }
  const timeoutMs = target.timeoutMs ?? defaultTimeoutMs(data.length, target.fast);
  console.log(
    mask(
      "provision: device " +
        config.device +
        " on " +
        target.board.id +
        ", WiFi " +
        JSON.stringify(config.wifi.ssid) +
        ", broker " +
        brokerSummary(config) +
        ", " +
        (config.sensors || []).length +
        " sensors, " +
        (config.actuators || []).length +
        " actuators",
    ),
  );
  console.log(
    "provision: " +
      CONFIG_FILE +
      " (" +
      data.length +
      " B, checked for " +
      target.board.id +
      ") to " +
      target.port +
      " (espruino CLI, time limit " +
      Math.round(timeoutMs / 1000) +
      " s)",
  );
  const result = await uploadToStorage({
    port: target.port,
    chip: target.board.chip,
    files,
    fast: target.fast,
    timeoutMs,
    secrets,
    onLine: (line) => console.log("  espruino | " + line),
  });
  if (!result.ok) {
    console.error("provision failed: " + result.problem);
    return 1;
  }
  console.log(
    "provision: done in " +
      (result.ms / 1000).toFixed(1) +
      " s; the board confirmed " +
      files.map((f) => f.name).join(" and ") +
      ". Reset the board (or type load() in its console) to start fabmqtt.",
  );
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error("provision: " + (e as Error).message);
    process.exit(1);
  },
);
