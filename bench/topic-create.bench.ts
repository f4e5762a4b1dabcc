/**
 * Topic creation cost against the number of existing topics: `npm run bench:topics` [-- --creates N
 * --flood N].
 *
 * For 1,000 and 8,000 existing topics (written into topics.json before start), an in-process broker
 * (no name server) takes UPDATE_AND_CREATE_TOPIC requests from a client in the same process:
 * - `creates` one after the other: creates/s;
 * - a flood of `flood` at once: its duration and the longest event-loop stall meanwhile
 *   (perf_hooks.monitorEventLoopDelay), which is what lets a broker's registration lapse;
 * then a clean restart checks that every created topic is still there.
 * Prints the creates/s ratio 8k : 1k (1.0 = cost independent of the table size).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Broker } from '../src/server/broker/index.js';
import { RemotingClient } from '../src/transport/index.js';
import { RequestCode } from '../src/protocol/codes/request-code.js';
import { createRequest } from '../src/protocol/command/remoting-command.js';
import type { RemotingCommand } from '../src/protocol/command/remoting-command.js';
import { CreateTopicRequestHeader } from '../src/protocol/headers/admin.js';

const { values } = parseArgs({
  options: {
    creates: { type: 'string', default: '200' },
    flood: { type: 'string', default: '500' },
  },
});
const CREATES = Number(values.creates);
const FLOOD = Number(values.flood);

interface Result {
  existing: number;
  createsPerSec: number;
  floodMillis: number;
  maxStallMillis: number;
  kept: boolean;
}

/** UPDATE_AND_CREATE_TOPIC with a timeout long enough for the slowest flood. */
function createTopic(client: RemotingClient, addr: string, topic: string): Promise<RemotingCommand> {
  const extFields = CreateTopicRequestHeader.encode({
    topic,
    defaultTopic: 'TBW102',
    readQueueNums: 4,
    writeQueueNums: 4,
    perm: 6,
    topicFilterType: 'SINGLE_TAG',
    order: false,
  });
  const request = createRequest(RequestCode.UPDATE_AND_CREATE_TOPIC, { extFields });
  return client.invokeSync(addr, request, 600_000);
}

function seedTopics(dir: string, count: number): void {
  const table: Record<string, unknown> = {};
  for (let i = 0; i < count; i++) {
    const topicName = `Existing${i}`;
    table[topicName] = {
      topicName,
      readQueueNums: 8,
      writeQueueNums: 8,
      perm: 6,
      topicFilterType: 'SINGLE_TAG',
      topicSysFlag: 0,
      order: false,
    };
  }
  fs.mkdirSync(path.join(dir, 'config'), { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'config', 'topics.json'),
    JSON.stringify({ topicConfigTable: table, dataVersion: { timestamp: Date.now(), counter: 1 } }),
  );
}

async function runOne(existing: number): Promise<Result> {
  const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'rmq-topics-'));
  seedTopics(dir, existing);
  const client = new RemotingClient();
  let broker = new Broker({ storePath: dir, port: 0 });
  try {
    await broker.start();
    const addr = broker.address;
    const created: string[] = [];
    const create = async (topic: string): Promise<void> => {
      const r = await createTopic(client, addr, topic);
      if (r.code !== 0) throw new Error(`create ${topic}: ${r.code} ${r.remark}`);
      created.push(topic);
    };
    await create('Warmup');
    const begin = performance.now();
    for (let i = 0; i < CREATES; i++) await create(`Sequential${i}`);
    const createsPerSec = CREATES / ((performance.now() - begin) / 1000);

    const delay = monitorEventLoopDelay({ resolution: 5 });
    delay.enable();
    const floodBegin = performance.now();
    await Promise.all(Array.from({ length: FLOOD }, (_, i) => create(`Flood${i}`)));
    const floodMillis = performance.now() - floodBegin;
    delay.disable();

    await broker.shutdown();
    broker = new Broker({ storePath: dir, port: 0 });
    await broker.start();
    const kept = created.every((topic) => broker.topics.select(topic) !== undefined);
    return { existing, createsPerSec, floodMillis, maxStallMillis: delay.max / 1e6, kept };
  } finally {
    await client.shutdown();
    await broker.shutdown();
    await fs.promises.rm(dir, { recursive: true, force: true });
  }
}

const results: Result[] = [];
for (const existing of [1_000, 8_000]) {
  const r = await runOne(existing);
  results.push(r);
  process.stdout.write(
    `${String(existing).padStart(5)} existing topics: ${r.createsPerSec.toFixed(0).padStart(6)} creates/s, ` +
      `flood of ${FLOOD} in ${r.floodMillis.toFixed(0)} ms, longest event-loop stall ${r.maxStallMillis.toFixed(0)} ms` +
      `${r.kept ? '' : '  TOPICS LOST ON RESTART'}\n`,
  );
}
process.stdout.write(
  `creates/s ratio 8k : 1k = ${(results[1]!.createsPerSec / results[0]!.createsPerSec).toFixed(2)} ` +
    `(${CREATES} sequential creates each, ${os.cpus().length} CPUs)\n`,
);
