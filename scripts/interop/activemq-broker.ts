/**
 * ActiveMQ "Classic" (Debian's `activemq`) for `npm run interop`, as a JVM of
 * this run, not the system service: its own activemq.base directory with an
 * activemq.xml (KahaDB persistence there, the simple authentication plugin
 * with one user, one mqtt transportConnector on a free port of 127.0.0.1) and
 * a log4j.properties. Debian's package lacks the MQTT codec classes
 * (org.fusesource.mqtt.codec) at run time: they come from
 * `libmqtt-client-java`, whose jar is linked into activemq.base/lib, which
 * ActiveMQ's launcher puts on its class path.
 */
import { spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { freePort } from "../support/mosquitto";
import { INTEROP_PASSWORD, INTEROP_USER, type BrokerLauncher, type InteropBroker } from "./broker";
import { debianVersion, fileTail, waitForPort } from "./host";
import { familyOf, removeOnExit, spawnTracked, stopTracked } from "./processes";

const HOME = "/usr/share/activemq";
const LAUNCHER_JAR = path.join(HOME, "bin", "activemq.jar");
const MQTT_CODEC_JAR = "/usr/share/java/mqtt-client.jar";
const START_MS = 60000;

function javaBinary(): string | null {
  for (const p of ["/usr/lib/jvm/default-java/bin/java", "/usr/bin/java"]) if (fs.existsSync(p)) return p;
  return null;
}

function activemqXml(dir: string, port: number): string {
  return `<beans xmlns="http://www.springframework.org/schema/beans" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
  xsi:schemaLocation="http://www.springframework.org/schema/beans http://www.springframework.org/schema/beans/spring-beans-2.0.xsd
  http://activemq.apache.org/schema/core http://activemq.apache.org/schema/core/activemq-core.xsd">
  <broker xmlns="http://activemq.apache.org/schema/core" brokerName="fabmqtt-interop" useJmx="false"
          persistent="true" schedulerSupport="false" advisorySupport="false" dataDirectory="${dir}/data">
    <persistenceAdapter>
      <kahaDB directory="${dir}/data/kahadb"/>
    </persistenceAdapter>
    <plugins>
      <simpleAuthenticationPlugin anonymousAccessAllowed="false">
        <users>
          <authenticationUser username="${INTEROP_USER}" password="${INTEROP_PASSWORD}" groups="users"/>
        </users>
      </simpleAuthenticationPlugin>
    </plugins>
    <transportConnectors>
      <transportConnector name="mqtt" uri="mqtt://127.0.0.1:${port}"/>
    </transportConnectors>
  </broker>
</beans>
`;
}

const LOG4J = (dir: string) => `log4j.rootLogger=INFO, file
log4j.appender.file=org.apache.log4j.FileAppender
log4j.appender.file.File=${dir}/data/activemq.log
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=%d | %-5p | %m | %c{1}%n
`;

export const activemqLauncher: BrokerLauncher = {
  name: "activemq",
  packages: "activemq libmqtt-client-java",
  missing() {
    const lack: string[] = [];
    if (!fs.existsSync(LAUNCHER_JAR)) lack.push("activemq");
    if (!fs.existsSync(MQTT_CODEC_JAR)) lack.push("libmqtt-client-java");
    if (!javaBinary()) lack.push("default-jre-headless");
    return lack.length ? `ActiveMQ cannot run: apt-get install ${lack.join(" ")}` : null;
  },
  version: () => debianVersion("activemq"),
  async start(): Promise<InteropBroker> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fabmqtt-activemq-"));
    removeOnExit(dir);
    const port = await freePort();
    for (const d of ["conf", "data", "lib", "tmp"]) fs.mkdirSync(path.join(dir, d));
    fs.symlinkSync(MQTT_CODEC_JAR, path.join(dir, "lib", "mqtt-client.jar"));
    fs.writeFileSync(path.join(dir, "conf", "activemq.xml"), activemqXml(dir, port));
    fs.writeFileSync(path.join(dir, "conf", "log4j.properties"), LOG4J(dir));
    const args = [
      "-Xms64m",
      "-Xmx256m",
      "-Djava.awt.headless=true",
      `-Dactivemq.home=${HOME}`,
      `-Dactivemq.base=${dir}`,
      `-Dactivemq.conf=${dir}/conf`,
      `-Dactivemq.data=${dir}/data`,
      `-Djava.io.tmpdir=${dir}/tmp`,
      `-Dlog4j.configuration=file:${dir}/conf/log4j.properties`,
      "-jar",
      LAUNCHER_JAR,
      "start",
      `xbean:file:${dir}/conf/activemq.xml`,
    ];
    const logFile = path.join(dir, "data", "activemq.log");
    const out = fs.openSync(path.join(dir, "stdout.log"), "a");
    let server: ChildProcess | null = null;
    const launch = async () => {
      const child = spawnTracked(javaBinary()!, args, { cwd: dir, stdio: ["ignore", out, out], env: { ...process.env, HOME: dir } });
      server = child;
      const up = await waitForPort(port, START_MS, () => child.exitCode !== null || child.signalCode !== null);
      if (!up) {
        const why = `ActiveMQ did not open MQTT on 127.0.0.1:${port} within ${START_MS / 1000} s:\n${fileTail(logFile)}\n${fileTail(path.join(dir, "stdout.log"))}`;
        await stopTracked(child, 10000);
        throw new Error(why);
      }
    };
    try {
      await launch();
    } catch (e) {
      fs.rmSync(dir, { recursive: true, force: true });
      throw e;
    }
    let stopped = false;
    return {
      port,
      username: INTEROP_USER,
      password: INTEROP_PASSWORD,
      async restart() {
        if (server) await stopTracked(server, 30000);
        await launch();
      },
      async stop() {
        if (stopped) return;
        stopped = true;
        if (server) await stopTracked(server, 30000);
        fs.rmSync(dir, { recursive: true, force: true });
      },
      pids: () => (server?.pid ? familyOf(server.pid) : []),
      logTail: () => fileTail(logFile),
    };
  },
  deviations: {
    "session-present-always-0": {
      what:
        "CONNACK always says session present 0, also when the session was kept (it is: the persistent-session scenario passes); " +
        "with cleanSession false the client keeps its inbound QoS 2 ids whatever the flag says",
      source: "not in ActiveMQ's documentation: seen on the wire, and the CONNACK class of its MQTT codec (mqtt-client 1.16) has no field for the flag",
    },
  },
};

/** The JVM's version line, for the report ("?" when java is missing). */
export function javaVersion(): string {
  const java = javaBinary();
  if (!java) return "?";
  const r = spawnSync(java, ["-version"], { encoding: "utf8" });
  return (r.stderr || r.stdout || "?").split("\n")[0];
}
