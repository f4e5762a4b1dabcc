/**
 * Child process of the store kill test. Opens a SYNC_FLUSH store and appends messages forever (bounded
 * by `limit`), keeping several puts in flight, and prints one line per acknowledged put:
 *
 *   ACK <index> <queueId> <queueOffset> <physicalOffset>
 *
 * Usage: node --import tsx test/helpers/store-writer.ts <storeDir> <firstIndex> <limit>
 */
import { MessageStore } from '../../src/server/store/index.js';
import { killTestMessage, KILL_TEST_STORE_OPTIONS } from './store-kill-fixtures.js';

const [dir, firstArg, limitArg] = process.argv.slice(2);
if (dir === undefined) throw new Error('usage: store-writer.ts <storeDir> <firstIndex> <limit>');
const first = Number(firstArg ?? 0);
const limit = Number(limitArg ?? 100_000);
const store = new MessageStore({ storePathRootDir: dir, ...KILL_TEST_STORE_OPTIONS });
await store.open();
process.stdout.write('READY\n');

const IN_FLIGHT = 8;
let next = first;
async function worker(): Promise<void> {
  while (next < first + limit) {
    const index = next++;
    const m = killTestMessage(index);
    const r = await store.putMessage(m);
    if (r.status !== 'PUT_OK') {
      process.stdout.write(`FAIL ${index} ${r.status}\n`);
      continue;
    }
    process.stdout.write(`ACK ${index} ${m.queueId} ${r.queueOffset} ${r.physicalOffset}\n`);
  }
}
await Promise.all(Array.from({ length: IN_FLIGHT }, () => worker()));
await store.close();
process.stdout.write('DONE\n');
