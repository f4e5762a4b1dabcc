/**
 * A broker in its own process, for crash tests and benchmarks:
 *   node --import tsx test/helpers/broker-child.ts <storeDir> [ASYNC_FLUSH|SYNC_FLUSH] [port] [optionsJson]
 * Prints one JSON line {"address":"ip:port","pid":n} on stdout once it serves; stops cleanly on
 * SIGTERM / SIGINT (and is SIGKILLed by the crash tests). optionsJson: more broker options (e.g.
 * timer or transaction settings).
 */
import { Broker } from '../../src/server/broker/index.js';
import type { BrokerOptions, FlushDiskType } from '../../src/server/broker/index.js';

const [storePath, flush = 'SYNC_FLUSH', port = '0', extra = '{}'] = process.argv.slice(2);
if (!storePath) {
  process.stderr.write('usage: broker-child.ts <storeDir> [ASYNC_FLUSH|SYNC_FLUSH] [port]\n');
  process.exit(2);
}
const broker = new Broker({
  namesrvAddrs: [],
  storePath,
  port: Number(port),
  flushDiskType: flush as FlushDiskType,
  brokerName: 'broker-child',
  ...(JSON.parse(extra) as Partial<BrokerOptions>),
});
await broker.start();
process.stdout.write(`${JSON.stringify({ address: broker.address, pid: process.pid })}\n`);
let stopping = false;
const stop = (): void => {
  if (stopping) return;
  stopping = true;
  broker.shutdown().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
