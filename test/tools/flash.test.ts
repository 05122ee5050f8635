/**
 * `npm run flash` against a fake board console on 127.0.0.1 (test/support/
 * fake-espruino.ts), through the real espruino CLI: what lands in Storage,
 * and every way the upload can fail being reported as a failure.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { BOOT_CODE, BOOT_FILE, BUNDLE_FILE } from "../../scripts/flash/boot-code";
import { startFakeEspruino, type FakeEspruino } from "../support/fake-espruino";
import { npmRun } from "../support/npm-run";

const BUNDLE = path.join(import.meta.dirname, "..", "..", "dist", "esp8266-nodemcu", "fabmqtt.min.js");

/** A port on 127.0.0.1 that nothing listens on (taken from the system, then released). */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

describe("npm run flash (the real espruino CLI, a fake board console)", function () {
  this.timeout(30000);
  let board: FakeEspruino | null = null;
  afterEach(async () => {
    if (board) await board.close();
    board = null;
  });

  it("writes the built bundle and the boot code to Storage byte for byte, and erases what would shadow the boot code", async () => {
    board = await startFakeEspruino({ chip: "esp8266", files: { ".bootrst": "old()", ".varimg": "old image" } });
    const r = await npmRun(["run", "-s", "flash", "--", "--board", "esp8266-nodemcu", "--port", "tcp://127.0.0.1:" + board.port, "--fast"]);
    assert.equal(r.code, 0, r.all);
    const built = fs.readFileSync(BUNDLE);
    assert.ok(built.length > 10000, "a real bundle was built");
    assert.ok(board.storage.files.get(BUNDLE_FILE)!.equals(built), "Storage file fabmqtt is the built bundle");
    assert.equal(board.storage.files.get(BOOT_FILE)!.toString("latin1"), BOOT_CODE);
    assert.equal(board.storage.files.has(".bootrst"), false);
    assert.equal(board.storage.files.has(".varimg"), false);
    // The CLI's own Storage writes did it, in chunks decoded on the board.
    assert.ok(board.input().includes('require("Storage").write("fabmqtt",atob("'), board.input().slice(0, 300));
    assert.match(r.stdout, /the board confirmed fabmqtt \(\d+ B\) and \.bootcde \(size and CRC-32\)/);
    // Between "Connected" and "done": the upload's progress, from 0% to 100%.
    const between = r.stdout.slice(r.stdout.indexOf("Connected"), r.stdout.indexOf("flash: done"));
    const percents = [...between.matchAll(/upload +\| [\d,]+ of ([\d,]+) B sent \((\d+)%\)/g)].map((m) => Number(m[2]));
    assert.ok(percents.length >= 2 && percents[0] === 0 && percents[percents.length - 1] === 100, between);
    const total = Number(/of ([\d,]+) B sent/.exec(between)![1].replace(/,/g, ""));
    assert.ok(total > built.length, "the base64 Storage writes are more than the bundle: " + total);
  });

  it("fails, with the CLI's words, when nothing listens on the port", async () => {
    const port = await closedPort();
    const r = await npmRun(["run", "-s", "flash", "--", "--board", "esp8266-nodemcu", "--port", "tcp://127.0.0.1:" + port, "--timeout", "15"]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /flash failed: the board never confirmed the upload/);
    assert.match(r.stderr, /RECEIVE ERROR: .*ECONNREFUSED/, "the espruino CLI's own words");
    assert.ok(r.ms < 15000, "within the time limit: " + r.ms + " ms");
  });

  it("stops the CLI at the time limit when the board only prints and never answers", async () => {
    board = await startFakeEspruino({ chip: "esp8266", deaf: true, chatterMs: 100 });
    const r = await npmRun(["run", "-s", "flash", "--", "--board", "esp8266-nodemcu", "--port", "tcp://127.0.0.1:" + board.port, "--fast", "--timeout", "3"]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /flash failed: the espruino CLI did not finish within 3 s/);
    assert.match(r.stderr, /Connected/, "what the CLI said so far");
    assert.ok(r.ms < 8000, "stopped near the limit: " + r.ms + " ms");
    assert.equal(board.storage.files.size, 0);
  });

  it("succeeds on a board that keeps printing once it has confirmed the files", async () => {
    board = await startFakeEspruino({ chip: "esp32", chatterMs: 100 });
    const r = await npmRun(["run", "-s", "flash", "--", "--board", "esp32-devkitc", "--port", "tcp://127.0.0.1:" + board.port, "--fast", "--timeout", "15"]);
    assert.equal(r.code, 0, r.all);
    assert.ok(
      board.storage.files.get(BUNDLE_FILE)!.equals(fs.readFileSync(path.join(import.meta.dirname, "..", "..", "dist", "esp32-devkitc", "fabmqtt.min.js"))),
    );
  });

  it("fails when a chunk arrives changed (the CRC-32 check), and checks sizes alone on firmware without E.CRC32", async () => {
    board = await startFakeEspruino({ chip: "esp8266", corrupt: BUNDLE_FILE });
    const bad = await npmRun(["run", "-s", "flash", "--", "--board", "esp8266-nodemcu", "--port", "tcp://127.0.0.1:" + board.port, "--fast"]);
    assert.equal(bad.code, 1, bad.all);
    assert.match(bad.stderr, /flash failed: fabmqtt differs from what was sent \(CRC-32 compared on the board\)/);
    await board.close();
    board = await startFakeEspruino({ chip: "esp8266", crc32: false });
    const sizes = await npmRun(["run", "-s", "flash", "--", "--board", "esp8266-nodemcu", "--port", "tcp://127.0.0.1:" + board.port, "--fast"]);
    assert.equal(sizes.code, 0, sizes.all);
    assert.match(sizes.stdout, /size only: this firmware has no E\.CRC32/);
  });
});
