/**
 * The pieces of `npm run flash` and `npm run provision` on their own: CRC-32,
 * masking of secrets, the board's upload report, assembling a configuration,
 * reading the target options, showing the upload's progress.
 */
import assert from "node:assert/strict";
import vm from "node:vm";
import { crc32 } from "../../scripts/flash/crc32";
import { MASK, maskSecrets, secretForms } from "../../scripts/flash/mask";
import { compareStored, parseStoredReports, storedCheckExpression } from "../../scripts/flash/stored-check";
import { brokerSummary, buildConfig } from "../../scripts/flash/provision-config";
import { readTarget } from "../../scripts/flash/target";
import { argvSecrets, argvSecretsWarning } from "../../scripts/flash/argv-secrets";
import { CLI_CHUNK_BYTES } from "../../scripts/flash/storage-upload";
import { createProgressPrinter, progressText } from "../../scripts/flash/progress";

const fixedId = () => "fabmqtt-abc123";

describe("flash: CRC-32", () => {
  it("gives the standard check value and treats a string as one byte per character", () => {
    assert.equal(crc32("123456789"), 0xcbf43926);
    assert.equal(crc32(Buffer.from("123456789")), 0xcbf43926);
    assert.equal(crc32(""), 0);
    assert.equal(crc32("\xff\x00"), crc32(Uint8Array.of(0xff, 0)));
  });
});

describe("flash: masking secrets", () => {
  // No 4 characters of it occur in the JSON around it.
  const secret = 'Q7@z "kx" 9!m';

  it("masks the secret, its JSON-escaped and URL-encoded forms, and atob() data", () => {
    const text = `plain ${secret} json "${JSON.stringify(secret).slice(1, -1)}" url ${encodeURIComponent(secret)} write(atob("QUJDREVGR0g="),0)`;
    const out = maskSecrets(text, [secret]);
    assert.equal(out.includes("kx"), false, out);
    assert.equal(out.includes("QUJDREVGR0g"), false);
    assert.ok(out.includes('atob("' + MASK));
    assert.equal(maskSecrets("nothing here", [secret, ""]), "nothing here");
  });

  it("masks the base64 the CLI sends at any offset, also when its chunks cut the secret, without atob( in front", () => {
    const json = JSON.stringify({ wifi: { ssid: "fablab", password: secret } });
    const at = json.indexOf("Q7@z");
    // Every position of the secret against the CLI's chunk boundaries, and each byte alignment.
    for (let shift = 0; shift < 24; shift++) {
      const padded = "x".repeat(CLI_CHUNK_BYTES - at - shift + 3) + json;
      const chunks: string[] = [];
      for (let i = 0; i < padded.length; i += CLI_CHUNK_BYTES) chunks.push(Buffer.from(padded.slice(i, i + CLI_CHUNK_BYTES), "utf8").toString("base64"));
      const out = maskSecrets(chunks.join("\n"), [secret]);
      for (const line of out.split("\n")) {
        for (const part of line.split(MASK)) {
          // What is left unmasked decodes to none of the secret's 4-byte pieces, at any base64 phase.
          for (let phase = 0; phase < 4; phase++) {
            const decoded = Buffer.from(part.slice(phase).replace(/=+$/, ""), "base64").toString("latin1");
            for (let k = 0; k + 4 <= secret.length; k++) assert.equal(decoded.includes(secret.slice(k, k + 4)), false, "shift " + shift + ": " + decoded);
          }
        }
      }
    }
  });

  it("offers no short forms that would mask unrelated text", () => {
    for (const f of secretForms("abcdefgh")) assert.ok(f.length >= 4, f);
    assert.deepEqual(secretForms(""), []);
  });
});

describe("flash: the board's report after an upload", () => {
  it("is an ES5 expression that compares each file on the board, erases the ones asked, and prints no CRC-32", () => {
    const expect = [
      { name: "fabmqtt", size: 3, crc: crc32("abc") },
      { name: "other", size: 3, crc: crc32("abd") },
      { name: ".bootcde", size: 5, crc: 7 },
    ];
    const files: Record<string, string> = { fabmqtt: "abc", other: "abc", ".bootrst": "x" };
    const run = (crc: boolean) => {
      let printed = "";
      vm.runInNewContext(storedCheckExpression(expect, [".bootrst"]), {
        print: (s: string) => (printed += s + "\n"),
        E: crc ? { CRC32: (s: string) => crc32(s) } : {},
        JSON,
        require: () => ({ read: (n: string) => files[n], erase: (n: string) => delete files[n] }),
      });
      return printed;
    };
    const printed = run(true);
    assert.deepEqual(parseStoredReports(printed), [
      { name: "fabmqtt", size: 3, same: true },
      { name: "other", size: 3, same: false },
      { name: ".bootcde", size: -1, same: null },
    ]);
    assert.equal(".bootrst" in files, false);
    for (const c of [crc32("abc"), crc32("abd")]) {
      assert.equal(printed.includes(String(c)) || printed.toLowerCase().includes(c.toString(16)), false, "printed a CRC-32: " + printed);
    }
    assert.deepEqual(
      parseStoredReports(run(false)).map((r) => r.same),
      [null, null, null],
      "firmware without E.CRC32 compares sizes only",
    );
  });

  it("compares sizes and the board's verdict, naming the first file that is missing or differs, with no CRC-32 in the words", () => {
    const files = [{ name: "a", data: Buffer.from("hello") }];
    assert.equal(compareStored(files, [{ name: "a", size: 5, same: true }]), "");
    assert.equal(compareStored(files, [{ name: "a", size: 5, same: null }]), "", "size only without E.CRC32");
    assert.match(compareStored(files, []), /did not report a/);
    assert.match(compareStored(files, [{ name: "a", size: -1, same: null }]), /a is not in the board's Storage/);
    assert.match(compareStored(files, [{ name: "a", size: 4, same: false }]), /a has 4 bytes .* 5 were sent/);
    assert.equal(compareStored(files, [{ name: "a", size: 5, same: false }]), "a differs from what was sent (CRC-32 compared on the board)");
  });

  it("reads reports from the CLI's prefixed lines and skips cut ones", () => {
    const out =
      '--] >FABMQTT-STORED {"name":"a","size":1,"same":true}\r\n--] FABMQTT-STORED {"name":"b","si\r\n--] FABMQTT-STORED {"name":"c","size":1,"crc":2}\r\n';
    assert.deepEqual(parseStoredReports(out), [{ name: "a", size: 1, same: true }]);
  });
});

describe("provision: assembling the configuration", () => {
  it("takes the broker from the URL, keeps the file's other fields, and lets flags win", () => {
    const p = buildConfig(
      {
        configText: JSON.stringify({
          wifi: { ssid: "old", password: "old-pw" },
          broker: { host: "x", port: 1, keepalive: 15, username: "u0" },
          device: "d0",
          sensors: [],
        }),
        ssid: "fablab",
        broker: "mqtt://board1:p%40ss@10.0.0.2:1884",
        device: "bench-1",
        qos: "0",
      },
      fixedId,
    );
    assert.ok(typeof p !== "string", String(p));
    assert.deepEqual(p.config, {
      wifi: { ssid: "fablab", password: "old-pw" },
      broker: { host: "10.0.0.2", port: 1884, keepalive: 15, username: "board1", password: "p@ss" },
      device: "bench-1",
      qos: 0,
      sensors: [],
    });
    assert.deepEqual(p.secrets, ["old-pw", "p@ss"]);
    assert.equal(brokerSummary(p.config), "mqtt://board1:***@10.0.0.2:1884");
  });

  it("keeps a file's broker.hosts, shows every broker, and lets --broker replace them", () => {
    const text = JSON.stringify({
      wifi: { ssid: "lab" },
      broker: { hosts: ["10.0.0.2", "10.0.0.3:1884"], port: 1883, username: "u", password: "pw" },
      device: "d",
    });
    const kept = buildConfig({ configText: text }, fixedId);
    assert.ok(typeof kept !== "string");
    assert.equal(brokerSummary(kept.config), "mqtt://u:***@10.0.0.2:1883,10.0.0.3:1884");
    const replaced = buildConfig({ configText: text, broker: "mqtt://10.0.0.9" }, fixedId);
    assert.ok(typeof replaced !== "string");
    assert.deepEqual(replaced.config.broker, { host: "10.0.0.9", port: 1883 });
  });

  it("makes up a device id when none is given and names the option when the input is unusable", () => {
    const p = buildConfig({ broker: "mqtts://h" }, fixedId);
    assert.ok(typeof p !== "string");
    assert.equal(p.config.device, "fabmqtt-abc123");
    assert.deepEqual(p.config.broker, { host: "h", port: 8883, tls: true });
    assert.equal(buildConfig({ configText: "{" }, fixedId), "--config: not valid JSON");
    assert.equal(buildConfig({ configText: "[]" }, fixedId), "--config: not a JSON object");
    assert.match(String(buildConfig({ broker: "http://h" }, fixedId)), /^--broker: /);
    assert.match(String(buildConfig({ brokerPassword: "x" }, fixedId)), /^--broker: needed/);
    assert.match(String(buildConfig({ keepalive: "10" }, fixedId)), /^--keepalive: needs --broker/);
  });
});

describe("provision: passwords on the command line", () => {
  it("finds --password and the password of any URL, whatever its flag, as written and decoded", () => {
    const found = argvSecrets([
      "--ssid",
      "lab",
      "--password",
      "w pw",
      "--broker=mqtt://u:p%40ss word@h:1883",
      "--port",
      "tcp://admin:a@b/c@10.0.0.9:23",
      "--device",
      "d",
    ]);
    assert.deepEqual(found, [
      { flag: "--password", texts: ["w pw"] },
      { flag: "--broker", texts: ["p%40ss word", "p@ss word"] },
      { flag: "--port", texts: ["a@b/c"] },
    ]);
    assert.deepEqual(argvSecrets(["--broker", "mqtt://u@h", "--port", "/dev/ttyUSB0"]), []);
  });

  it("warns naming the flags and the variables to use, never the passwords", () => {
    const w = argvSecretsWarning(argvSecrets(["--password=w-pw", "--broker", "mqtts://u:b-pw@h"]), false);
    assert.match(w, /^warning: a password is on the command line \(--password, --broker\): other users .* process list/);
    assert.match(w, /FABMQTT_WIFI_PASSWORD;.*FABMQTT_BROKER_PASSWORD/);
    assert.equal(/w-pw|b-pw/.test(w), false);
    assert.match(argvSecretsWarning(argvSecrets(["--broker", "mqtt://u:b@h"]), true), /npm printed the command line above/);
    assert.match(argvSecretsWarning(argvSecrets(["--port", "tcp://u:b@h:23"]), false), /\(--port\): .*leave the password out of --port instead$/);
    assert.equal(argvSecretsWarning([], true), "");
  });
});

describe("flash: --board, --port and --timeout", () => {
  it("reads a target and names the option that is missing or wrong", () => {
    const t = readTarget({ board: "wemos-d1-mini", port: "tcp://10.0.0.9:23", fast: true, timeout: "90" });
    assert.ok(typeof t !== "string");
    assert.equal(t.board.chip, "esp8266");
    assert.equal(t.timeoutMs, 90000);
    assert.match(String(readTarget({ port: "x" })), /^--board: missing/);
    assert.match(String(readTarget({ board: "esp9000", port: "x" })), /^--board: unknown board "esp9000" \(one of esp32-devkitc/);
    assert.match(String(readTarget({ board: "linux" })), /^--port: missing/);
    assert.match(String(readTarget({ board: "linux", port: "x", timeout: "0" })), /^--timeout: seconds/);
  });
});

describe("flash: the upload's progress", () => {
  it("says bytes sent, percent and time left, once enough is known to estimate", () => {
    assert.equal(progressText(0, 62446, 0), "0 of 62,446 B sent (0%)");
    assert.equal(progressText(600, 62446, 50), "600 of 62,446 B sent (0%)", "too early to tell the time left");
    assert.equal(progressText(6354, 62446, 2800), "6,354 of 62,446 B sent (10%), about 25 s left");
    assert.equal(progressText(62446, 62446, 28000), "62,446 of 62,446 B sent (100%)");
  });

  it("prints a line each tenth to a log, timing from the first count", () => {
    const lines: string[] = [];
    let now = 1000;
    const printer = createProgressPrinter({ write: (t: string) => lines.push(t) }, "  upload   | ", () => now);
    for (let sent = 0; sent <= 10000; sent += 500) {
      printer.update(sent, 10000);
      now += 100;
    }
    printer.end();
    assert.equal(lines.length, 11, lines.join(""));
    assert.equal(lines[0], "  upload   | 0 of 10,000 B sent (0%)\n");
    assert.equal(lines[5], "  upload   | 5,000 of 10,000 B sent (50%), about 1 s left\n");
    assert.equal(lines[10], "  upload   | 10,000 of 10,000 B sent (100%)\n");
  });

  it("rewrites one line on a terminal and ends it before other output", () => {
    const out: string[] = [];
    const printer = createProgressPrinter({ isTTY: true, write: (t: string) => out.push(t) }, "> ", () => 0);
    printer.update(10, 100);
    printer.update(20, 100);
    printer.end();
    printer.end();
    assert.deepEqual(out, ["\r\x1b[K> 10 of 100 B sent (10%)", "\r\x1b[K> 20 of 100 B sent (20%)", "\n"]);
  });
});
