/**
 * The long server fuzz: `npm run fuzz:servers -- --frames 1000000 [--seed N] [--round 20000]`.
 * Starts a name server and a broker in this process, drives them with ServerFuzzer in rounds and runs
 * the honest client after each round. Prints frames/s, crashes (exceptions that escaped a server),
 * honest-client failures and RSS; exits 1 if either count is not 0.
 */
import { parseArgs } from 'node:util';
import { startEmbeddedCluster } from '../src/index.js';
import { HonestClient, ServerFuzzer } from '../test/helpers/server-fuzz.js';

const { values } = parseArgs({
  options: {
    frames: { type: 'string', default: '100000' },
    seed: { type: 'string', default: String(Date.now() % 1_000_000) },
    round: { type: 'string', default: '10000' },
  },
});
const total = Number(values.frames);
const seed = Number(values.seed);
const perRound = Number(values.round);

let crashes = 0;
process.on('uncaughtException', (err) => {
  crashes++;
  console.error(`CRASH: ${err.stack ?? String(err)}`);
});
process.on('unhandledRejection', (err) => {
  crashes++;
  console.error(`CRASH (unhandled rejection): ${String(err)}`);
});

const cluster = await startEmbeddedCluster({ brokers: [{ registerIntervalMillis: 1000 }] });
const honest = new HonestClient(cluster.namesrvAddress, 5000);
await honest.start();
const fuzzer = new ServerFuzzer(seed, {
  broker: cluster.brokers[0]!.address,
  namesrv: cluster.namesrvAddress,
});
console.log(`seed ${seed}, ${total} frames in rounds of ${perRound}`);

let sent = 0;
let honestFailures = 0;
let fuzzMillis = 0;
const mib = (n: number): string => `${(n / 1048576).toFixed(0)} MiB`;
for (let round = 1; sent < total; round++) {
  const started = performance.now();
  const stats = await fuzzer.round(Math.min(perRound, total - sent));
  fuzzMillis += performance.now() - started;
  sent += stats.frames;
  const report = await honest.check();
  if (report.problems.length > 0) {
    honestFailures++;
    console.log(`round ${round}: honest client failed: ${report.problems.slice(0, 3).join('; ')}`);
  }
  const mem = process.memoryUsage();
  console.log(
    `round ${round}: ${sent}/${total} frames, ${Math.round((sent / fuzzMillis) * 1000)} frames/s, ` +
      `${stats.reconnects} reconnects, honest ${report.readBack}/${report.sent}, ` +
      `rss ${mib(mem.rss)}, heap ${mib(mem.heapUsed)}, crashes ${crashes}`,
  );
}
await honest.stop();
await cluster.stop();
console.log(
  `done: ${sent} frames, ${Math.round((sent / fuzzMillis) * 1000)} frames/s, crashes ${crashes}, ` +
    `honest-client failures ${honestFailures}, rss ${mib(process.memoryUsage().rss)}`,
);
process.exit(crashes === 0 && honestFailures === 0 ? 0 : 1);
