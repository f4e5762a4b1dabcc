/**
 * Broker append throughput: `npm run bench:broker` [-- --messages N --inflight N].
 *
 * The broker runs in a child process (test/helpers/broker-child.ts) on a fresh temp store; this
 * process is the client, keeping many SEND_MESSAGE_V2 requests in flight over one connection.
 * For 128 B and 4 KiB bodies, ASYNC_FLUSH and SYNC_FLUSH: msgs/s, MB/s (bodies) and, for sync flush,
 * commit-log fdatasyncs per message (group commit makes it < 1).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { RemotingClient } from '../src/transport/index.js';
import { createRequest } from '../src/protocol/command/remoting-command.js';
import { RequestCode } from '../src/protocol/codes/request-code.js';
import { SendMessageRequestHeader } from '../src/protocol/headers/send.js';
import { decodeKVTable } from '../src/protocol/body/kv-table.js';
import { encodeProperties } from '../src/protocol/message/properties.js';
import { createTopic } from '../test/helpers/broker-client.js';
import { startBrokerProcess } from '../test/helpers/broker-process.js';

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '20000' },
    inflight: { type: 'string', default: '256' },
  },
});
const MESSAGES = Number(values.messages);
const IN_FLIGHT = Number(values.inflight);
const QUEUES = 4;
const TOPIC = 'BenchTopic';

interface Result {
  size: number;
  flush: string;
  msgsPerSec: number;
  mbPerSec: number;
  fsyncsPerMsg: number;
  errors: number;
}

async function runOne(size: number, flush: 'ASYNC_FLUSH' | 'SYNC_FLUSH'): Promise<Result> {
  const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'rmq-bench-'));
  const proc = await startBrokerProcess(dir, flush);
  const client = new RemotingClient({ asyncPermits: 65535 });
  try {
    const admin = await createTopic(client, proc.address, TOPIC, QUEUES);
    if (admin.code !== 0) throw new Error(`create topic: ${admin.remark}`);
    const body = Buffer.alloc(size, 0x61);
    const properties = encodeProperties({ WAIT: 'true', UNIQ_KEY: 'BENCH0000000000000000000000000000' });
    const sendOne = async (i: number): Promise<boolean> => {
      const extFields = SendMessageRequestHeader.encode(
        {
          producerGroup: 'BENCH_PG',
          topic: TOPIC,
          defaultTopic: 'TBW102',
          defaultTopicQueueNums: 4,
          queueId: i % QUEUES,
          sysFlag: 0,
          bornTimestamp: Date.now(),
          flag: 0,
          properties,
          reconsumeTimes: 0,
          unitMode: false,
          batch: false,
        },
        { v2: true },
      );
      const r = await client.invokeSync(
        proc.address,
        createRequest(RequestCode.SEND_MESSAGE_V2, { extFields, body }),
        30_000,
      );
      return r.code === 0;
    };
    const runBatch = async (count: number): Promise<number> => {
      let next = 0;
      let errors = 0;
      const worker = async (): Promise<void> => {
        while (next < count) {
          const i = next++;
          if (!(await sendOne(i))) errors++;
        }
      };
      await Promise.all(Array.from({ length: IN_FLIGHT }, () => worker()));
      return errors;
    };
    const runtime = async (): Promise<Map<string, string>> => {
      const r = await client.invokeSync(
        proc.address,
        createRequest(RequestCode.GET_BROKER_RUNTIME_INFO),
        5000,
      );
      return decodeKVTable(r.body ?? Buffer.from('{}')).table;
    };
    await runBatch(Math.min(2000, MESSAGES / 10)); // warm-up
    const fsyncsBefore = Number((await runtime()).get('commitLogFsyncs') ?? 0);
    const started = process.hrtime.bigint();
    const errors = await runBatch(MESSAGES);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const fsyncs = Number((await runtime()).get('commitLogFsyncs') ?? 0) - fsyncsBefore;
    return {
      size,
      flush,
      msgsPerSec: MESSAGES / seconds,
      mbPerSec: (MESSAGES * size) / seconds / (1024 * 1024),
      fsyncsPerMsg: fsyncs / MESSAGES,
      errors,
    };
  } finally {
    await client.shutdown();
    proc.child.kill('SIGTERM');
    await proc.exited;
    await fs.promises.rm(dir, { recursive: true, force: true });
  }
}

const results: Result[] = [];
for (const flush of ['ASYNC_FLUSH', 'SYNC_FLUSH'] as const) {
  for (const size of [128, 4096]) {
    const r = await runOne(size, flush);
    results.push(r);
    process.stdout.write(
      `${flush.padEnd(11)} body ${String(size).padStart(4)} B: ${r.msgsPerSec.toFixed(0).padStart(7)} msgs/s ` +
        `${r.mbPerSec.toFixed(2).padStart(7)} MB/s  fsyncs/msg ${r.fsyncsPerMsg.toFixed(4)}` +
        `${r.errors ? `  errors ${r.errors}` : ''}\n`,
    );
  }
}
const get = (flush: string, size: number): Result =>
  results.find((r) => r.flush === flush && r.size === size)!;
process.stdout.write(
  `\n${MESSAGES} messages per run, ${IN_FLIGHT} in flight, client and broker in separate processes, ${os.cpus().length} CPUs\n` +
    `sync/async ratio: 128 B ${(get('SYNC_FLUSH', 128).msgsPerSec / get('ASYNC_FLUSH', 128).msgsPerSec).toFixed(2)}, ` +
    `4 KiB ${(get('SYNC_FLUSH', 4096).msgsPerSec / get('ASYNC_FLUSH', 4096).msgsPerSec).toFixed(2)}\n`,
);
