/**
 * The compiled broker (dist/, what `rmq broker` runs) in its own process, for the broker benchmarks:
 *   node bench/broker-child-dist.mjs <storeDir> [ASYNC_FLUSH|SYNC_FLUSH]
 * Same protocol as test/helpers/broker-child.ts (one JSON line {"address","pid"} once serving; SIGTERM
 * stops cleanly). Run `npm run build:esm` in the tree first. Measuring dist rather than the sources under
 * tsx matters: tsx wraps every closure created per message in a naming helper, which costs CPU per message
 * that users never pay.
 */
import { Broker } from '../dist/server/broker/index.js';

const [storePath, flush = 'SYNC_FLUSH'] = process.argv.slice(2);
if (!storePath) {
  process.stderr.write('usage: broker-child-dist.mjs <storeDir> [ASYNC_FLUSH|SYNC_FLUSH]\n');
  process.exit(2);
}
const broker = new Broker({
  namesrvAddrs: [],
  storePath,
  port: 0,
  flushDiskType: flush,
  brokerName: 'broker-child',
});
await broker.start();
process.stdout.write(`${JSON.stringify({ address: broker.address, pid: process.pid })}\n`);
let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  broker.shutdown().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
