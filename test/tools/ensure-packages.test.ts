/**
 * scripts/ensure-packages.sh, the first step of `npm test`: silent when the
 * test packages are there; when they are not, it installs them or stops with
 * one message. The programs are hidden by pointing FABMQTT_PACKAGE_DIRS at an
 * empty directory, and the script runs with a PATH of a temporary directory
 * holding only the apt-get and sudo of each case: stand-ins that record how
 * they were called and "install" by writing the programs into the searched
 * directory. Nothing is installed on this machine.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const SCRIPT = path.join(import.meta.dirname, "..", "..", "scripts", "ensure-packages.sh");
const PROGRAMS = ["mosquitto", "mosquitto_passwd", "mosquitto_pub", "mosquitto_sub", "openssl"];
const INSTALL = "sudo apt-get install -y mosquitto mosquitto-clients openssl";

interface Run {
  code: number;
  out: string;
  ms: number;
}

/** Runs the script with these arguments and environment (optionally as uid 65534 through setpriv); never rejects. */
function run(args: string[], env: NodeJS.ProcessEnv, asNobody = false): Promise<Run> {
  const started = Date.now();
  const argv = asNobody ? ["--reuid=65534", "--regid=65534", "--clear-groups", "/bin/bash", ...args] : args;
  return new Promise((resolve) => {
    execFile(asNobody ? "/usr/bin/setpriv" : "/bin/bash", argv, { env, timeout: 20000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === "number" ? err.code : -1) : 0;
      resolve({ code, out: stdout + stderr, ms: Date.now() - started });
    });
  });
}

/** A world-writable temporary directory (uid 65534 writes in it too); removed after each test. */
function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "fabmqtt-ensure-"));
  fs.chmodSync(d, 0o777);
  made.push(d);
  return d;
}
const made: string[] = [];

/** Writes an executable shell script `name` in `dir`. */
function tool(dir: string, name: string, body: string): void {
  fs.writeFileSync(path.join(dir, name), "#!/bin/sh\n" + body + "\n", { mode: 0o755 });
}

/** A stand-in apt-get in `bin` that logs its arguments to `log` and writes the test programs into `searched` on install. */
function fakeAptGet(bin: string, log: string, searched: string): void {
  const writes = PROGRAMS.map((p) => `printf '#!/bin/sh\\n' > ${searched}/${p}; /bin/chmod 755 ${searched}/${p}`).join("; ");
  tool(bin, "apt-get", `echo "apt-get $* ($DEBIAN_FRONTEND)" >> ${log}\nif [ "$1" = install ]; then ${writes}; fi`);
}

describe("scripts/ensure-packages.sh (npm test's Debian packages)", function () {
  this.timeout(30000);
  afterEach(() => {
    for (const d of made.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });

  it("is the first step of npm test (a pretest script would not run: .npmrc sets ignore-scripts)", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, "..", "..", "package.json"), "utf8"));
    assert.match(pkg.scripts.test, /^bash scripts\/ensure-packages\.sh test && /);
  });

  it("exits 0 at once and prints nothing when mosquitto, its clients and openssl are installed", async () => {
    const r = await run([SCRIPT, "test"], process.env);
    assert.equal(r.code, 0, r.out);
    assert.equal(r.out, "");
    assert.ok(r.ms < 2000, r.ms + " ms");
    assert.equal((await run([SCRIPT, "--missing", "test"], process.env)).out, "");
  });

  it("lists all three as missing when the searched directories hold none of their programs", async () => {
    const r = await run([SCRIPT, "--missing", "test"], { ...process.env, FABMQTT_PACKAGE_DIRS: tempDir() });
    assert.equal(r.code, 0, r.out);
    assert.equal(r.out, "mosquitto\nmosquitto-clients\nopenssl\n");
  });

  it("stops with one message and exit 1 when there is no apt-get", async () => {
    const empty = tempDir();
    const r = await run([SCRIPT, "test"], { PATH: empty, FABMQTT_PACKAGE_DIRS: empty });
    assert.equal(r.code, 1, r.out);
    assert.match(r.out, /^npm test needs these Debian packages, which are missing:\n  mosquitto: .*\n  mosquitto-clients: .*\n  openssl: .*\n/);
    assert.match(r.out, /cannot be installed from here: there is no apt-get on this machine/);
    assert.ok(r.out.endsWith("\n  " + INSTALL + "\n"), r.out);
    assert.equal(r.out.trim().split("\n").length, 7, "one message: " + r.out);
  });

  it("stops with one message and exit 1 when not root and there is no sudo, without calling apt-get", async () => {
    const bin = tempDir();
    const searched = tempDir();
    const log = path.join(bin, "log");
    fakeAptGet(bin, log, searched);
    // As root, the script really runs as uid 65534 (setpriv), from a copy that user can read.
    const asNobody = process.getuid!() === 0;
    const script = path.join(bin, "ensure-packages.sh");
    fs.copyFileSync(SCRIPT, script);
    fs.chmodSync(script, 0o755);
    const r = await run([script, "test"], { PATH: bin, FABMQTT_PACKAGE_DIRS: searched }, asNobody);
    assert.equal(r.code, 1, r.out);
    assert.match(r.out, /cannot be installed from here: this user is not root, and sudo is missing or asks for a password/);
    assert.ok(r.out.endsWith("\n  " + INSTALL + "\n"), r.out);
    assert.equal(fs.existsSync(log), false, "apt-get was not called");
  });

  it("says what it installs and why, then runs apt-get update and install (through sudo -n when not root)", async () => {
    const bin = tempDir();
    const searched = tempDir();
    const log = path.join(bin, "log");
    fakeAptGet(bin, log, searched);
    // Used only when the tests run as a user other than root: a sudo that needs no password.
    tool(bin, "sudo", `echo "sudo $*" >> ${log}\n[ "$1" = -n ] && [ "$2" = true ] && exit 0\nexec /usr/bin/env PATH=${bin} "$@"`);
    const r = await run([SCRIPT, "test"], { PATH: bin, FABMQTT_PACKAGE_DIRS: searched });
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /^Installing the Debian packages npm test needs \(missing here\):\n  mosquitto: the broker tests start a real Mosquitto\n/);
    assert.match(r.out, /Installed: mosquitto mosquitto-clients openssl\n$/);
    const lines = fs.readFileSync(log, "utf8").split("\n");
    const calls = lines.filter((l) => l.startsWith("apt-get"));
    if (process.getuid!() !== 0)
      assert.deepEqual(lines.filter((l) => l.startsWith("sudo")).slice(0, 2), ["sudo -n true", "sudo DEBIAN_FRONTEND=noninteractive apt-get update -qq"]);
    else assert.equal(lines.filter((l) => l.startsWith("sudo")).length, 0, "root runs apt-get itself");
    assert.deepEqual(calls, [
      "apt-get update -qq (noninteractive)",
      "apt-get install -y -qq --no-install-recommends mosquitto mosquitto-clients openssl (noninteractive)",
    ]);
    for (const p of PROGRAMS) assert.ok(fs.existsSync(path.join(searched, p)), p);
  });

  it("exits 1 when apt-get ran but a package is still not found", async () => {
    const bin = tempDir();
    const searched = tempDir();
    tool(bin, "apt-get", "exit 0");
    tool(bin, "sudo", `[ "$1" = -n ] && [ "$2" = true ] && exit 0\nexec /usr/bin/env PATH=${bin} "$@"`);
    const r = await run([SCRIPT, "test"], { PATH: bin, FABMQTT_PACKAGE_DIRS: searched });
    assert.equal(r.code, 1, r.out);
    assert.match(r.out, /apt-get installed them, but these are still not found: mosquitto mosquitto-clients openssl\n$/);
  });
});
