/**
 * `npm start`, the virtual board: it starts its own broker, publishes
 * telemetry, obeys the mosquitto_pub command it prints, and on Ctrl-C
 * publishes "offline" and exits 0.
 */
import assert from "node:assert/strict";
import { spawn, execFile, type ChildProcess } from "node:child_process";
import net from "node:net";
import { startLiveClient, closeLiveClients, waitFor } from "../../scripts/support/live-client";
import { mosquittoBinary, startMosquitto } from "../../scripts/support/mosquitto";
import { BOARDS } from "../../boards/index";
import { toDeviceBoard } from "../../boards/device-view";
import { checkConfig } from "../../firmware/app/config";
import { simulatorConfig } from "../../scripts/simulator/sim-config";

describe("simulator: npm start", function () {
  this.timeout(30000);
  let child: ChildProcess | null = null;
  afterEach(() => {
    closeLiveClients();
    if (child && child.exitCode === null) child.kill("SIGKILL");
  });

  it("runs the virtual board on an embedded broker and a printed mosquitto_pub line switches the relay", async () => {
    mosquittoBinary(); // mosquitto_pub comes with the mosquitto clients: fail with install advice when missing
    child = spawn(process.execPath, ["--import", "tsx", "scripts/simulator/index.ts", "--port", "0", "--device", "sim-test"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout!.on("data", (d) => (out += d));
    child.stderr!.on("data", (d) => (out += d));
    await waitFor(() => /telemetry sim-test|telemetry fabmqtt\/sim-test\/telemetry\/climate/.test(out), "telemetry in the view:\n" + out, 20000);
    const port = Number(/broker mqtt:\/\/127\.0\.0\.1:(\d+)/.exec(out)![1]);
    const watcher = startLiveClient(port, { clientId: "watcher" });
    watcher.client.subscribe("fabmqtt/sim-test/#", 1);
    await waitFor(() => watcher.messages.some((m) => m.topic === "fabmqtt/sim-test/status" && m.payload.toString() === "online"), "retained online status");
    // The command line exactly as printed.
    const line = /command: (mosquitto_pub .*)$/m.exec(out)![1];
    const argv = line.split(" ").slice(1);
    await new Promise<void>((resolve, reject) => execFile("mosquitto_pub", argv, (err) => (err ? reject(err) : resolve())));
    await waitFor(() => /command +relay -> ON/.test(out), "the view shows the relay switched:\n" + out);
    await waitFor(() => watcher.messages.some((m) => m.topic === "fabmqtt/sim-test/state/relay" && m.payload.toString() === "ON"), "relay state ON");
    // cmd/restart: offline, then the device boots again from the virtual board's Storage.
    watcher.client.publish("fabmqtt/sim-test/cmd/restart", "1", 1, false);
    await waitFor(() => /booted again from Storage/.test(out), "the view shows the restart:\n" + out);
    const statuses = () => watcher.messages.filter((m) => m.topic === "fabmqtt/sim-test/status").map((m) => m.payload.toString());
    await waitFor(() => statuses().join(",").endsWith("offline,online"), "offline then online again: " + statuses().join(","));
    const exited = new Promise<number | null>((resolve) => child!.on("exit", (code) => resolve(code)));
    child.kill("SIGINT");
    assert.equal(await exited, 0, out);
    assert.ok(
      watcher.messages.some((m) => m.topic === "fabmqtt/sim-test/status" && m.payload.toString() === "offline"),
      "offline published on Ctrl-C",
    );
  });

  it("--sleep 10: battery mode, each wake publishes its readings and prints its awake time", async () => {
    child = spawn(process.execPath, ["--import", "tsx", "scripts/simulator/index.ts", "--port", "0", "--device", "sim-sleep", "--sleep", "10"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout!.on("data", (d) => (out += d));
    child.stderr!.on("data", (d) => (out += d));
    await waitFor(() => (out.match(/awake \d+ ms, sleeping 10 s/g) || []).length >= 2, "two wakes in the view:\n" + out, 25000);
    assert.equal((out.match(/booted again from Storage/g) || []).length >= 1, true, out);
    // Each wake published the light reading.
    assert.ok((out.match(/telemetry fabmqtt\/sim-sleep\/telemetry\/light/g) || []).length >= 2, out);
    const exited = new Promise<number | null>((resolve) => child!.on("exit", (code) => resolve(code)));
    child.kill("SIGINT");
    await exited;
  });

  it("takes config/set: answers on config/result, boots into it, and the view shows the new period", async () => {
    child = spawn(process.execPath, ["--import", "tsx", "scripts/simulator/index.ts", "--port", "0", "--device", "sim-config"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout!.on("data", (d) => (out += d));
    child.stderr!.on("data", (d) => (out += d));
    await waitFor(() => /broker mqtt:\/\/127\.0\.0\.1:(\d+)/.test(out) && /mqtt up/.test(out), "connected:\n" + out, 20000);
    const port = Number(/broker mqtt:\/\/127\.0\.0\.1:(\d+)/.exec(out)![1]);
    const watcher = startLiveClient(port, { clientId: "watcher" });
    watcher.client.subscribe("fabmqtt/sim-config/config/result", 1);
    await waitFor(() => watcher.subacks.length === 1, "subscribed");
    watcher.client.publish("fabmqtt/sim-config/config/set", '{"sensors":[{"name":"light","kind":"analog","pin":"A0","period":1}]}', 1, false);
    await waitFor(() => watcher.messages.length === 2, "ok, then kept:\n" + out);
    assert.deepEqual(
      watcher.messages.map((m) => JSON.parse(m.payload.toString())),
      [{ ok: true }, { ok: true, kept: true }],
    );
    const from = out.length;
    await new Promise((r) => setTimeout(r, 4500));
    // The light sensor now every second (it was every 3 s), and no other sensor.
    const lines = out.slice(from).split("\n");
    assert.ok(lines.filter((l) => /telemetry fabmqtt\/sim-config\/telemetry\/light/.test(l)).length >= 4, out.slice(from));
    assert.equal(lines.filter((l) => /telemetry\/climate/.test(l)).length, 0, out.slice(from));
    const exited = new Promise<number | null>((resolve) => child!.on("exit", (code) => resolve(code)));
    child.kill("SIGINT");
    await exited;
  });

  it("on Ctrl-C before any connection, says no offline status was published", async () => {
    const server = net.createServer();
    const port = await new Promise<number>((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as net.AddressInfo).port)));
    await new Promise<void>((resolve) => server.close(() => resolve()));
    // Nothing listens on that port: the board never connects.
    child = spawn(process.execPath, ["--import", "tsx", "scripts/simulator/index.ts", "--broker", `mqtt://127.0.0.1:${port}`, "--device", "sim-nobroker"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout!.on("data", (d) => (out += d));
    child.stderr!.on("data", (d) => (out += d));
    await waitFor(() => /command: mosquitto_pub/.test(out), "the header:\n" + out, 20000);
    await new Promise((r) => setTimeout(r, 1000));
    const exited = new Promise<number | null>((resolve) => child!.on("exit", (code) => resolve(code)));
    child.kill("SIGINT");
    assert.equal(await exited, 0, out);
    assert.doesNotMatch(out, /offline status published, disconnecting/);
    assert.match(out, /not connected, no offline status published/);
  });

  it("says so when the --port asked for is taken, and which port the embedded broker took", async () => {
    const server = net.createServer();
    const port = await new Promise<number>((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as net.AddressInfo).port)));
    try {
      child = spawn(process.execPath, ["--import", "tsx", "scripts/simulator/index.ts", "--port", String(port), "--device", "sim-taken"], {
        stdio: ["ignore", "pipe", "pipe"],
      });
      let out = "";
      child.stdout!.on("data", (d) => (out += d));
      child.stderr!.on("data", (d) => (out += d));
      // The header may come in more than one write: the note is its last line.
      await waitFor(() => /command: mosquitto_pub/.test(out) && /was taken/.test(out), "the header and its note", 20000).catch(() => undefined);
      const used = Number(/broker mqtt:\/\/127\.0\.0\.1:(\d+)/.exec(out)![1]);
      assert.notEqual(used, port);
      assert.match(out, new RegExp("port " + port + " was taken .*listens on " + used));
      const exited = new Promise<number | null>((resolve) => child!.on("exit", (code) => resolve(code)));
      child.kill("SIGINT");
      await exited;
    } finally {
      server.close();
    }
  });

  it("--help lists every board of boards/", async () => {
    const help = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, ["--import", "tsx", "scripts/simulator/index.ts", "--help"], (err, stdout) => (err ? reject(err) : resolve(stdout))),
    );
    const line = /Boards the virtual board runs as: (.+)$/m.exec(help);
    assert.ok(line, help);
    assert.deepEqual(line![1].split(", ").sort(), BOARDS.map((b) => b.id).sort());
  });

  it("gives every board a configuration that fits it; the NodeMCU keeps its pins", () => {
    const target = { host: "127.0.0.1", port: 1883, tls: false };
    for (const board of BOARDS) {
      const config = simulatorConfig(board, target, "sim-1", "fabmqtt");
      assert.equal(checkConfig(config, toDeviceBoard(board)), "", board.id);
      assert.deepEqual(
        config.actuators.map((a) => a.name),
        ["relay", "led", "fan"],
        board.id,
      );
      for (const p of [...config.sensors, ...config.actuators])
        assert.ok(!board.strappingPins.includes(p.pin) || board.roles.led === p.pin, board.id + ": " + p.name + " on strapping pin " + p.pin);
    }
    const nodemcu = simulatorConfig(
      BOARDS.find((b) => b.id === "esp8266-nodemcu")!,
      target,
      "sim-1",
      "fabmqtt",
    );
    assert.deepEqual(
      [...nodemcu.sensors, ...nodemcu.actuators].map((p) => p.name + " " + p.pin + ("activeLow" in p && p.activeLow ? " low" : "")),
      ["climate D4", "light A0", "door D12", "relay D5", "led D2 low", "fan D14"],
    );
    const linux = simulatorConfig(
      BOARDS.find((b) => b.id === "linux")!,
      target,
      "sim-1",
      "fabmqtt",
    );
    assert.deepEqual(
      linux.sensors.map((s) => s.name),
      ["climate", "door"],
      "no ADC on linux: no light sensor",
    );
  });

  for (const boardId of ["esp32-devkitc", "linux"]) {
    it(`starts as --board ${boardId}, names its pins and publishes telemetry`, async () => {
      child = spawn(process.execPath, ["--import", "tsx", "scripts/simulator/index.ts", "--board", boardId, "--port", "0", "--device", "sim-" + boardId], {
        stdio: ["ignore", "pipe", "pipe"],
      });
      let out = "";
      child.stdout!.on("data", (d) => (out += d));
      child.stderr!.on("data", (d) => (out += d));
      await waitFor(() => new RegExp("telemetry fabmqtt/sim-" + boardId + "/telemetry/door").test(out), "telemetry in the view:\n" + out, 20000);
      assert.match(out, /^pins: +climate D\d+ \(\w+ on the board\)/m);
      const exited = new Promise<number | null>((resolve) => child!.on("exit", (code) => resolve(code)));
      child.kill("SIGINT");
      assert.equal(await exited, 0, out);
    });
  }

  it("refuses a bad --device before it prints command lines to copy", async () => {
    child = spawn(process.execPath, ["--import", "tsx", "scripts/simulator/index.ts", "--port", "0", "--device", "bad name!"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout!.on("data", (d) => (out += d));
    child.stderr!.on("data", (d) => (out += d));
    const code = await new Promise<number | null>((resolve) => child!.on("exit", (c) => resolve(c)));
    assert.notEqual(code, 0, out);
    assert.match(out, /device/);
    assert.doesNotMatch(out, /mosquitto_pub|mosquitto_sub/, "no command line to copy");
  });

  it("runs against a mosquitto with a password file, as the walkthrough in docs/device.md does", async () => {
    const broker = await startMosquitto({ passwords: { board1: "b-secret", maker: "m-secret" } });
    try {
      child = spawn(
        process.execPath,
        ["--import", "tsx", "scripts/simulator/index.ts", "--broker", `mqtt://board1:b-secret@127.0.0.1:${broker.port}`, "--device", "walk"],
        { stdio: ["ignore", "pipe", "pipe"] },
      );
      let out = "";
      child.stdout!.on("data", (d) => (out += d));
      child.stderr!.on("data", (d) => (out += d));
      const sub = await new Promise<string>((resolve, reject) => {
        // mosquitto_sub as the walkthrough shows it, for the retained status.
        execFile(
          "mosquitto_sub",
          ["-h", "127.0.0.1", "-p", String(broker.port), "-u", "maker", "-P", "m-secret", "-t", "fabmqtt/walk/status", "-C", "1", "-W", "15", "-v"],
          (err, stdout) => (err ? reject(err) : resolve(stdout)),
        );
      });
      assert.equal(sub.trim(), "fabmqtt/walk/status online");
      await new Promise<void>((resolve, reject) =>
        execFile(
          "mosquitto_pub",
          ["-h", "127.0.0.1", "-p", String(broker.port), "-u", "maker", "-P", "m-secret", "-t", "fabmqtt/walk/set/relay", "-m", "ON"],
          (err) => (err ? reject(err) : resolve()),
        ),
      );
      await waitFor(() => /command +relay -> ON/.test(out), "the relay switched:\n" + out);
      assert.doesNotMatch(out, /b-secret/, "the broker password is never printed");
      assert.match(out, /-u board1 -P <password>/);
      const exited = new Promise<number | null>((resolve) => child!.on("exit", (code) => resolve(code)));
      child.kill("SIGINT");
      assert.equal(await exited, 0);
    } finally {
      await broker.stop();
    }
  });

  it("with --broker twice, lists both and goes to the second when the first refuses", async () => {
    const broker = await startMosquitto();
    const server = net.createServer();
    const dead = await new Promise<number>((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as net.AddressInfo).port)));
    await new Promise<void>((resolve) => server.close(() => resolve()));
    try {
      child = spawn(
        process.execPath,
        [
          "--import",
          "tsx",
          "scripts/simulator/index.ts",
          "--broker",
          `mqtt://127.0.0.1:${dead}`,
          "--broker",
          `mqtt://127.0.0.1:${broker.port}`,
          "--device",
          "sim-two",
        ],
        { stdio: ["ignore", "pipe", "pipe"] },
      );
      let out = "";
      child.stdout!.on("data", (d) => (out += d));
      child.stderr!.on("data", (d) => (out += d));
      const watcher = startLiveClient(broker.port, { clientId: "watch-two" });
      watcher.client.subscribe("fabmqtt/sim-two/status", 1);
      await waitFor(() => watcher.messages.some((m) => m.payload.toString() === "online"), "online on the second broker:\n" + out, 20000);
      assert.match(out, new RegExp(`broker mqtt://127\\.0\\.0\\.1:${dead},127\\.0\\.0\\.1:${broker.port}`));
      const exited = new Promise<number | null>((resolve) => child!.on("exit", (code) => resolve(code)));
      child.kill("SIGINT");
      assert.equal(await exited, 0, out);
    } finally {
      await broker.stop();
    }
  });

  it("refuses a broker URL it cannot use, naming the option", async () => {
    const result = await new Promise<{ code: number | null; err: string }>((resolve) => {
      const c = spawn(process.execPath, ["--import", "tsx", "scripts/simulator/index.ts", "--broker", "http://x"], { stdio: ["ignore", "pipe", "pipe"] });
      let err = "";
      c.stderr!.on("data", (d) => (err += d));
      c.on("exit", (code) => resolve({ code, err }));
    });
    assert.equal(result.code, 2);
    assert.match(result.err, /--broker: the scheme must be mqtt:\/\/ or mqtts:\/\//);
  });
});
