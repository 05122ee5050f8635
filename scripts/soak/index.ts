/**
 * `npm run soak`: QoS 1 and QoS 2 messages from fabmqtt to fabmqtt through a
 * fault-injecting proxy and a mosquitto that is SIGKILLed and restarted.
 * Prints the seed first, a table at the end (and with --json one JSON object
 * last); exits 1 when a requirement failed, 2 when the run could not start.
 */
import { parseSoakOptions } from "./options";
import { soakJson, soakTable } from "./report";
import { runSoak } from "./run";

async function main(): Promise<number> {
  let options;
  try {
    options = parseSoakOptions(process.argv.slice(2));
  } catch (e) {
    console.error((e as Error).message);
    return 2;
  }
  console.log(
    `soak seed ${options.seed} (npm run soak -- --seed ${options.seed}${options.profile === "default" ? "" : ` --${options.profile}`} replays the fault decisions)`,
  );
  const result = await runSoak(options, (line) => console.error(line));
  console.log(soakTable(result));
  if (options.json) console.log(soakJson(result));
  return result.verdict.passed ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(e);
    process.exit(2);
  },
);
