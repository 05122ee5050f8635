/**
 * `npm run provision` against a fake board console on 127.0.0.1, through
 * the real espruino CLI: the configuration checked by the firmware's own
 * checkConfig lands in Storage exactly as given, and no password is ever
 * printed, not even when the board echoes everything it receives.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { CONFIG_FILE } from "../../firmware/app/config";
import { OTA_KEY_FILE } from "../../firmware/app/ota";
import { crc32 } from "../../scripts/flash/crc32";
import { startFakeEspruino, type FakeEspruino } from "../support/fake-espruino";
import { npmRun } from "../support/npm-run";

const WIFI_PASSWORD = 'w1f1-"pass"\\word';
const BROKER_PASSWORD = "b-s3cret:@/pw";

/** Base64 runs of 8+ characters in `text` (file data the CLI sent through atob). */
function base64Runs(text: string): string[] {
  return (text.match(/[A-Za-z0-9+/]{8,}={0,2}/g) || []).filter((r) => /\d|[+/]/.test(r));
}

describe("npm run provision (the real espruino CLI, a fake board console)", function () {
  this.timeout(30000);
  let board: FakeEspruino | null = null;
  let dir = "";
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "fabmqtt-provision-"));
  });
  afterEach(async () => {
    if (board) await board.close();
    board = null;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("writes the checked configuration exactly as given and masks the passwords in all it passes on from an echoing board", async () => {
    // A console that echoes every line, even those the CLI sends with echo off: the upload lines come back.
    board = await startFakeEspruino({ chip: "esp8266", echoAll: true });
    const file = path.join(dir, "bench.json");
    fs.writeFileSync(
      file,
      JSON.stringify({
        broker: { host: "ignored", port: 1, keepalive: 20 },
        qos: 2,
        sensors: [{ name: "climate", kind: "dht22", pin: "D4", period: 30 }],
        actuators: [{ name: "relay", kind: "relay", pin: "D5", safe: "off" }],
      }),
    );
    const r = await npmRun([
      "run",
      "-s",
      "provision",
      "--",
      "--board",
      "esp8266-nodemcu",
      "--port",
      "tcp://127.0.0.1:" + board.port,
      "--config",
      file,
      "--ssid",
      "fablab",
      "--password",
      WIFI_PASSWORD,
      "--broker",
      "mqtt://board1:" + encodeURIComponent(BROKER_PASSWORD) + "@192.168.1.10:1883",
      "--device",
      "bench-1",
      "--base",
      "lab/fabmqtt",
    ]);
    assert.equal(r.code, 0, r.all);
    const stored = board.storage.files.get(CONFIG_FILE);
    assert.ok(stored, "fabmqtt.json is in Storage");
    assert.deepEqual(JSON.parse(stored!.toString("utf8")), {
      wifi: { ssid: "fablab", password: WIFI_PASSWORD },
      broker: { host: "192.168.1.10", port: 1883, keepalive: 20, username: "board1", password: BROKER_PASSWORD },
      device: "bench-1",
      base: "lab/fabmqtt",
      qos: 2,
      sensors: [{ name: "climate", kind: "dht22", pin: "D4", period: 30 }],
      actuators: [{ name: "relay", kind: "relay", pin: "D5", safe: "off" }],
    });
    // The board did echo the upload (so masking had work to do) ...
    assert.match(r.stdout, /espruino \| --\] >require\("Storage"\)\.write\("fabmqtt\.json",atob\("\*\*\*"\),0,\d+\)/);
    // ... and nothing shows a password, plainly, escaped, or as the base64 the CLI sent.
    for (const secret of [WIFI_PASSWORD, BROKER_PASSWORD, JSON.stringify(WIFI_PASSWORD).slice(1, -1), encodeURIComponent(BROKER_PASSWORD)]) {
      assert.equal(r.all.includes(secret), false, "printed: " + secret);
    }
    const sent = base64Runs(board.input());
    assert.ok(sent.length > 0, "the CLI sent the file as base64");
    for (const run of sent) assert.equal(r.all.includes(run), false, "printed what the CLI sent: " + run);
    assert.match(r.stdout, /broker mqtt:\/\/board1:\*\*\*@192\.168\.1\.10:1883/);
    assert.doesNotMatch(r.stderr, /certificate/, "no TLS, no word about certificates");
  });

  it("never prints the configuration's CRC-32 (with the WiFi password it gives the broker's away), not even from an echoing board", async () => {
    board = await startFakeEspruino({ chip: "esp8266", echoAll: true });
    const r = await npmRun(
      [
        "run",
        "-s",
        "provision",
        "--",
        "--board",
        "esp8266-nodemcu",
        "--port",
        "tcp://127.0.0.1:" + board.port,
        "--ssid",
        "fablab",
        "--broker",
        "mqtt://board1@192.168.1.10",
        "--fast",
      ],
      { FABMQTT_WIFI_PASSWORD: WIFI_PASSWORD, FABMQTT_BROKER_PASSWORD: "1234567" },
    );
    assert.equal(r.code, 0, r.all);
    assert.match(r.stdout, /the board confirmed fabmqtt\.json/);
    const crc = crc32(board.storage.files.get(CONFIG_FILE)!);
    const forms = [String(crc), String(crc | 0), crc.toString(16), crc.toString(16).toUpperCase(), ("0000000" + crc.toString(16)).slice(-8)];
    for (const form of forms) assert.equal(r.all.toLowerCase().includes(form.toLowerCase()), false, "printed the CRC-32 as " + form);
    assert.ok(board.output().length > 0 && /FABMQTT-STORED/.test(r.stdout), "the board's report went by");
  });

  it("takes the passwords from the environment with a plain `npm run` (whose banner shows the command line)", async () => {
    board = await startFakeEspruino({ chip: "esp32" });
    const r = await npmRun(
      [
        "run",
        "provision",
        "--",
        "--board",
        "esp32-devkitc",
        "--port",
        "tcp://127.0.0.1:" + board.port,
        "--ssid",
        "fablab",
        "--broker",
        "mqtts://board1@broker.lab:8883",
        "--fast",
      ],
      { FABMQTT_WIFI_PASSWORD: WIFI_PASSWORD, FABMQTT_BROKER_PASSWORD: BROKER_PASSWORD },
    );
    assert.equal(r.code, 0, r.all);
    assert.match(r.stdout, /> tsx scripts\/provision\.ts --board esp32-devkitc/, "npm printed the command line");
    const c = JSON.parse(board.storage.files.get(CONFIG_FILE)!.toString("utf8"));
    assert.equal(c.wifi.password, WIFI_PASSWORD);
    assert.deepEqual(c.broker, { host: "broker.lab", port: 8883, tls: true, username: "board1", password: BROKER_PASSWORD });
    assert.match(c.device, /^fabmqtt-[0-9a-f]{6}$/, "a device id was made up");
    for (const secret of [WIFI_PASSWORD, BROKER_PASSWORD, JSON.stringify(WIFI_PASSWORD).slice(1, -1)]) assert.equal(r.all.includes(secret), false);
  });

  it("--key-file: makes a new update key when the file is missing, writes it to the board, and never prints it", async () => {
    board = await startFakeEspruino({ chip: "esp8266" });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fabmqtt-key-"));
    const keyFile = path.join(dir, "bench-1.key");
    const args = ["run", "-s", "provision", "--", "--board", "esp8266-nodemcu", "--port", "tcp://127.0.0.1:" + board.port];
    const rest = ["--ssid", "fablab", "--broker", "mqtt://board1@192.168.1.10:1883", "--device", "bench-1", "--key-file", keyFile, "--fast"];
    const r = await npmRun(args.concat(rest), { FABMQTT_WIFI_PASSWORD: WIFI_PASSWORD, FABMQTT_BROKER_PASSWORD: BROKER_PASSWORD });
    assert.equal(r.code, 0, r.all);
    const key = fs.readFileSync(keyFile, "utf8").trim();
    assert.match(key, /^[0-9a-f]{64}$/);
    assert.equal((fs.statSync(keyFile).mode & 0o777).toString(8), "600");
    assert.equal(board.storage.files.get(OTA_KEY_FILE)!.toString("latin1"), key);
    assert.equal(r.all.includes(key), false, "the key is not printed");
    assert.match(r.stdout, /made a new update key/);
    // A key file that is there is used as it is; one that is not a key is refused before connecting.
    fs.writeFileSync(keyFile, "not a key");
    const bad = await npmRun(args.concat(rest), { FABMQTT_WIFI_PASSWORD: WIFI_PASSWORD, FABMQTT_BROKER_PASSWORD: BROKER_PASSWORD });
    assert.equal(bad.code, 2, bad.all);
    assert.match(bad.stderr, /--key-file: .*16 to 64 bytes in hex/);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("warns, for mqtts://, that Espruino encrypts but never verifies the broker's certificate, even with a CA", async () => {
    board = await startFakeEspruino({ chip: "esp32" });
    const file = path.join(dir, "ca.json");
    fs.writeFileSync(file, JSON.stringify({ broker: { host: "x", port: 1, ca: "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n" } }));
    const r = await npmRun(
      [
        "run",
        "-s",
        "provision",
        "--",
        "--board",
        "esp32-devkitc",
        "--port",
        "tcp://127.0.0.1:" + board.port,
        "--ssid",
        "fablab",
        "--config",
        file,
        "--broker",
        "mqtts://board1@broker.lab:8883",
        "--fast",
      ],
      { FABMQTT_BROKER_PASSWORD: BROKER_PASSWORD },
    );
    assert.equal(r.code, 0, r.all);
    assert.match(r.stderr, /warning: Espruino never verifies the broker's certificate \(not even with broker\.ca\): the link to broker\.lab:8883 is encrypted/);
    assert.match(r.stderr, /TLS 1\.2 only, RSA or DHE-RSA key exchange only, no SNI/);
    assert.equal(r.all.includes(BROKER_PASSWORD), false);
  });

  it("refuses a bad configuration with exit code 2 and the field named, before connecting, and warns when npm showed --password", async () => {
    board = await startFakeEspruino({ chip: "esp8266" });
    const file = path.join(dir, "bad.json");
    fs.writeFileSync(file, JSON.stringify({ actuators: [{ name: "relay", kind: "relay", pin: "D6" }] }));
    const r = await npmRun([
      "run",
      "provision",
      "--",
      "--board",
      "esp8266-nodemcu",
      "--port",
      "tcp://127.0.0.1:" + board.port,
      "--config",
      file,
      "--ssid",
      "fablab",
      "--password",
      WIFI_PASSWORD,
      "--broker",
      "mqtt://192.168.1.10",
    ]);
    assert.equal(r.code, 2, r.all);
    assert.match(r.stderr, /provision: bad configuration for esp8266-nodemcu: actuators\[0\]\.pin: D6 is not a usable pin on esp8266-nodemcu/);
    assert.match(r.stderr, /warning: a password is on the command line \(--password\): npm printed the command line above/);
    assert.match(r.stderr, /FABMQTT_WIFI_PASSWORD/);
    assert.equal(board.connections(), 0, "nothing was sent");
  });

  it("warns about a broker URL's password on the command line, which npm prints when it has a space, and names the variable to use", async () => {
    const r = await npmRun(
      [
        "run",
        "provision",
        "--",
        "--board",
        "esp8266-nodemcu",
        "--port",
        "tcp://127.0.0.1:9",
        "--ssid",
        "fablab",
        "--broker",
        "mqtt://board1:pass word@192.168.1.10",
        "--config",
        path.join(dir, "missing.json"),
      ],
      { FABMQTT_WIFI_PASSWORD: WIFI_PASSWORD },
    );
    assert.equal(r.code, 2, r.all);
    assert.match(r.stdout, /--broker mqtt:\/\/board1:pass word@/, "npm printed the password: the reason for the warning");
    assert.match(r.stderr, /warning: a password is on the command line \(--broker\): npm printed the command line above/);
    assert.match(r.stderr, /FABMQTT_BROKER_PASSWORD/);
    assert.equal(r.stderr.includes("pass word"), false, "the warning does not repeat it");
  });

  it("warns about a password on the command line also when npm printed nothing (process list, shell history)", async () => {
    const r = await npmRun([
      "run",
      "-s",
      "provision",
      "--",
      "--board",
      "esp8266-nodemcu",
      "--port",
      "tcp://127.0.0.1:9",
      "--ssid",
      "fablab",
      "--password=" + WIFI_PASSWORD,
      "--broker=mqtt://board1:" + encodeURIComponent(BROKER_PASSWORD) + "@192.168.1.10",
      "--config",
      path.join(dir, "missing.json"),
    ]);
    assert.equal(r.code, 2, r.all);
    assert.match(r.stderr, /warning: a password is on the command line \(--password, --broker\): other users of this machine can see it/);
    assert.match(r.stderr, /FABMQTT_WIFI_PASSWORD.*FABMQTT_BROKER_PASSWORD/);
    for (const secret of [WIFI_PASSWORD, BROKER_PASSWORD, encodeURIComponent(BROKER_PASSWORD)])
      assert.equal(r.all.includes(secret), false, "printed: " + secret);
  });

  /** provision in a process of its own, held in its upload by a board that never answers; resolves once the temporary copy is on disk. */
  async function stuckProvision() {
    board = await startFakeEspruino({ chip: "esp8266", deaf: true });
    const tmp = path.join(dir, "tmp");
    fs.mkdirSync(tmp);
    const child = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        path.join(import.meta.dirname, "..", "..", "scripts", "provision.ts"),
        "--board",
        "esp8266-nodemcu",
        "--port",
        "tcp://127.0.0.1:" + board.port,
        "--ssid",
        "fablab",
        "--broker",
        "mqtt://board1@192.168.1.10",
        "--timeout",
        "30",
      ],
      {
        env: { ...process.env, TMPDIR: tmp, FABMQTT_WIFI_PASSWORD: WIFI_PASSWORD, FABMQTT_BROKER_PASSWORD: BROKER_PASSWORD },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    const run = {
      child,
      out: "",
      exited: new Promise<number | null>((resolve) => child.on("exit", (c) => resolve(c))),
      copies: () => fs.readdirSync(tmp).filter((n) => n.startsWith("fabmqtt-flash-")),
      copy: Buffer.alloc(0),
    };
    child.stdout!.on("data", (d) => (run.out += d));
    child.stderr!.on("data", (d) => (run.out += d));
    const started = Date.now();
    while (!(run.copies().length === 1 && fs.existsSync(path.join(tmp, run.copies()[0], "file0.bin")) && board!.connections() > 0)) {
      assert.ok(Date.now() - started < 15000, "the upload never started: " + run.out);
      await new Promise((r) => setTimeout(r, 50));
    }
    run.copy = fs.readFileSync(path.join(tmp, run.copies()[0], "file0.bin"));
    return run;
  }

  for (const [signal, code] of [
    ["SIGINT", 130],
    ["SIGTERM", 143],
  ] as const) {
    it(`removes the temporary copy of the configuration on ${signal} and exits with ${code}`, async () => {
      const run = await stuckProvision();
      assert.ok(run.copy.toString("utf8").includes(JSON.stringify(BROKER_PASSWORD).slice(1, -1)), "the copy holds the passwords");
      run.child.kill(signal);
      const exitCode = await run.exited;
      assert.deepEqual(run.copies(), [], "no copy left in the temporary directory");
      assert.equal(exitCode, code, run.out);
    });
  }

  it("keeps the expected CRC-32 off the espruino CLI's command line, which other users see in the process list", async function () {
    if (!fs.existsSync("/proc/self/cmdline")) this.skip();
    const run = await stuckProvision();
    const port = "tcp://127.0.0.1:" + board!.port;
    const lines: string[] = [];
    for (const pid of fs.readdirSync("/proc").filter((n) => /^\d+$/.test(n))) {
      try {
        const line = fs
          .readFileSync("/proc/" + pid + "/cmdline", "latin1")
          .split("\0")
          .join(" ");
        if (line.includes("espruino-cli.js") && line.includes(port)) lines.push(line);
      } catch {
        // a process that ended meanwhile
      }
    }
    run.child.kill("SIGINT");
    await run.exited;
    assert.equal(lines.length, 1, "the espruino CLI runs: " + run.out);
    const crc = crc32(run.copy);
    for (const form of [String(crc), String(crc | 0), crc.toString(16)])
      assert.equal(lines[0].includes(form), false, "the CLI's command line holds the CRC-32: " + lines[0]);
  });
});
