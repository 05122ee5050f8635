/**
 * A fabmqtt client in its own process, for tests that need it to die abruptly:
 * connects to 127.0.0.1:<port> with a will, prints "connected", then waits to
 * be killed.   tsx test/support/will-child.ts <port> <will-topic> <will-payload>
 */
import { startLiveClient } from "../../scripts/support/live-client";

const [port, topic, payload] = process.argv.slice(2);
startLiveClient(Number(port), {
  keepalive: 60,
  username: process.env.FABMQTT_TEST_USER,
  password: process.env.FABMQTT_TEST_PASS,
  will: { topic, payload, qos: 1, retain: false },
  onConnect: () => process.stdout.write("connected\n"),
});
