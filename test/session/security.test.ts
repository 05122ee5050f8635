/**
 * Security rules that are not tested elsewhere: the warning for a password
 * over plain TCP to another machine, and certificate verification on by
 * default on the host (turning it off takes an explicit verify: false).
 * Elsewhere: no secret in logs through refused logins and WiFi failures
 * (app-device.test.ts), a wrong CA refused by a TLS mosquitto
 * (mosquitto-client.test.ts), commands only for configured actuators
 * (app-device.test.ts).
 */
import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import tls from "node:tls";
import * as E from "../../base/errors";
import { findBoard } from "../../boards/index";
import { createNodeHal } from "../../hal/node/index";
import { createNodeNet } from "../../hal/node/net";
import type { SocketHandlers } from "../../hal/types";
import { parseBrokerUrl, plainPasswordWarning, type BrokerTarget } from "../../scripts/simulator/broker-url";

describe("security", () => {
  it("warns when a password would go over plain TCP to a host that is not this machine", () => {
    const target = (url: string) => parseBrokerUrl(url) as BrokerTarget;
    assert.match(plainPasswordWarning(target("mqtt://maker:secret@192.168.1.10:1883")), /over plain TCP/);
    assert.doesNotMatch(plainPasswordWarning(target("mqtt://maker:secret@192.168.1.10:1883")), /secret/, "the warning does not repeat the password");
    assert.equal(plainPasswordWarning(target("mqtt://maker:secret@127.0.0.1:1883")), "");
    assert.equal(plainPasswordWarning(target("mqtt://maker:secret@localhost:1883")), "");
    assert.equal(plainPasswordWarning(target("mqtt://192.168.1.10:1883")), "", "no password, nothing to warn about");
  });

  it("counts only real loopback addresses as this machine, not names that merely start with 127.", () => {
    const warns = (host: string) => plainPasswordWarning({ host, port: 1883, tls: false, password: "secret" }) !== "";
    for (const host of ["127.evil.example", "127.0.0.1.evil.example", "127.0.0.256", "127.1", "0127.0.0.1", "localhost.evil.example", "::2", "[::2]"]) {
      assert.equal(warns(host), true, host + " is not this machine");
    }
    for (const host of ["127.0.0.1", "127.255.255.254", "127.1.2.3", "localhost", "LOCALHOST", "::1", "[::1]"]) {
      assert.equal(warns(host), false, host + " is this machine");
    }
    assert.equal(plainPasswordWarning(parseBrokerUrl("mqtt://u:p@127.evil.example") as BrokerTarget) !== "", true, "through the URL parser too");
    assert.equal(plainPasswordWarning(parseBrokerUrl("mqtt://u:p@[::1]:1883") as BrokerTarget), "");
  });

  it("verifies the server certificate by default on the host; only verify: false turns it off", async function () {
    this.timeout(20000);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fabmqtt-sec-"));
    let server: tls.Server | null = null;
    try {
      execFileSync(
        "openssl",
        [
          "req",
          "-x509",
          "-newkey",
          "rsa:2048",
          "-nodes",
          "-keyout",
          path.join(dir, "k.pem"),
          "-out",
          path.join(dir, "c.pem"),
          "-days",
          "1",
          "-subj",
          "/CN=127.0.0.1",
        ],
        { stdio: "ignore" },
      );
      server = tls.createServer({ key: fs.readFileSync(path.join(dir, "k.pem")), cert: fs.readFileSync(path.join(dir, "c.pem")) }, (s) => s.end());
      await new Promise<void>((r) => server!.listen(0, "127.0.0.1", () => r()));
      const port = (server!.address() as { port: number }).port;
      const warnings: string[] = [];
      const attempt = (verify?: boolean) =>
        new Promise<string>((resolve) => {
          let error = 0;
          const h: SocketHandlers = {
            onConnect: () => resolve("connected"),
            onData: () => undefined,
            onError: (code) => (error = code),
            onClose: () => resolve("closed " + error),
          };
          const sock = createNodeNet({ warn: (t) => warnings.push(t) }).connect({ host: "127.0.0.1", port, tls: verify === undefined ? {} : { verify } }, h);
          if (typeof sock === "number") resolve("failed " + sock);
        });
      assert.equal(await attempt(), "closed " + E.E_TLS_HANDSHAKE, "a self-signed certificate is refused by default");
      assert.deepEqual(warnings, [], "no warning while the certificate is verified");
      assert.equal(await attempt(false), "connected", "verify: false accepts it");
      assert.equal(warnings.length, 1, "and says so");
      assert.match(warnings[0], new RegExp("^warning: TLS to 127\\.0\\.0\\.1:" + port + " without verifying the certificate \\(broker\\.insecure\\)"));
    } finally {
      server?.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("says in the Node HAL's log when a connection does not verify the certificate, once per broker", () => {
    const hal = createNodeHal(findBoard("linux")!);
    const handlers: SocketHandlers = { onConnect: () => undefined, onData: () => undefined, onError: () => undefined, onClose: () => undefined };
    const socks = [1, 2].map(() => hal.net.connect({ host: "127.0.0.1", port: 9, tls: { verify: false } }, handlers));
    for (const sock of socks) if (typeof sock !== "number") sock.close();
    assert.deepEqual(hal.log.lines.filter((l) => /without verifying the certificate/.test(l)).length, 1, hal.log.lines.join("\n"));
    const verified = hal.net.connect({ host: "127.0.0.1", port: 9, tls: {} }, handlers);
    if (typeof verified !== "number") verified.close();
    assert.equal(hal.log.lines.filter((l) => /without verifying/.test(l)).length, 1, "a verified connection says nothing");
  });
});
