/**
 * Push consumer benchmark, against an embedded name server + brokers in a separate process
 * (bench/producer-cluster.ts):
 *   1. drain: a backlog of BENCH_BACKLOG (default 100,000) 128 B messages consumed from the first
 *      offset by one PushConsumer (no-op handler): messages/s;
 *   2. latency: a steady BENCH_RATE (default 5,000) msg/s for BENCH_SECONDS (default 5) s, end-to-end
 *      latency (consume time minus born time, one clock) p50 / p99 / max;
 *   3. rebalance: two members consume a steady 2,000 msg/s while a third joins and then one leaves;
 *      deliveries of a message beyond its first are counted as duplicates.
 * Run: npm run bench:consumer
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Producer } from '../src/client/index.js';
import { PushConsumer } from '../src/client/consumer/index.js';
import type { ConsumedMessage, PushConsumerOptions } from '../src/client/consumer/index.js';

const BACKLOG = Number(process.env.BENCH_BACKLOG ?? '100000');
const RATE = Number(process.env.BENCH_RATE ?? '5000');
const SECONDS = Number(process.env.BENCH_SECONDS ?? '5');
const BROKERS = Number(process.env.BENCH_BROKERS ?? '2');
const BODY = Buffer.alloc(128, 'x');

async function startClusterProcess(): Promise<{ namesrv: string; stop(): Promise<void> }> {
  const script = fileURLToPath(new URL('./producer-cluster.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script, String(BROKERS)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout });
  const namesrv = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('cluster process did not start within 30 s')), 30_000);
    child.once('exit', (code) => reject(new Error(`cluster process exited early (${code})`)));
    lines.on('line', (line) => {
      if (!line.startsWith('NAMESRV ')) return;
      clearTimeout(timer);
      resolve(line.slice('NAMESRV '.length).trim());
    });
  });
  return {
    namesrv,
    stop: () =>
      new Promise<void>((resolve) => {
        const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
        child.once('exit', () => {
          clearTimeout(kill);
          resolve();
        });
        child.stdin.end();
      }),
  };
}

/** Sends `n` messages with up to 64 in flight. */
async function sendMany(producer: Producer, topic: string, n: number): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < n) {
      next++;
      // A loaded machine may time a send out: send it again (the backlog counts messages stored).
      for (let attempt = 0; ; attempt++) {
        try {
          await producer.send({ topic, body: BODY });
          break;
        } catch (err) {
          if (attempt >= 5) throw err;
        }
      }
    }
  };
  await Promise.all(Array.from({ length: 64 }, worker));
}

/** Sends at `rate` msg/s for `seconds` (ticks of 10 ms). */
async function sendSteady(producer: Producer, topic: string, rate: number, seconds: number): Promise<number> {
  const perTick = rate / 100;
  const start = Date.now();
  let sent = 0;
  const pending: Promise<unknown>[] = [];
  while (Date.now() - start < seconds * 1000) {
    const due = Math.floor(((Date.now() - start) / 10 + 1) * perTick);
    for (; sent < due; sent++) pending.push(producer.send({ topic, body: BODY }).catch(() => undefined));
    await new Promise((r) => setTimeout(r, 10));
  }
  await Promise.all(pending);
  return sent;
}

const pct = (sorted: number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

async function waitUntil(check: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (!check() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  return check();
}

async function main(): Promise<void> {
  const cluster = await startClusterProcess();
  const producer = new Producer({
    producerGroup: 'bench_push_pg',
    nameServer: cluster.namesrv,
    sendMsgTimeout: 30_000,
  });
  await producer.start();
  let instance = 0;
  const consumer = (
    group: string,
    handler: (m: ConsumedMessage) => void,
    extra: Partial<PushConsumerOptions> = {},
  ) =>
    new PushConsumer({
      nameServer: cluster.namesrv,
      consumerGroup: group,
      instanceName: `bench-${++instance}`,
      consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
      handler,
      ...extra,
    });
  try {
    console.log(`push consumer benchmark: ${BROKERS} broker(s) in a separate process at ${cluster.namesrv}`);
    // 1. Drain a backlog.
    await sendMany(producer, 'BenchPushDrain', BACKLOG);
    let drained = 0;
    const drain = consumer('bench_drain_cg', () => void drained++);
    await drain.subscribe('BenchPushDrain');
    const t0 = Date.now();
    await drain.start();
    await waitUntil(() => drained >= BACKLOG, 300_000);
    const secs = (Date.now() - t0) / 1000;
    await drain.shutdown();
    console.log(`drain: ${drained} messages in ${secs.toFixed(2)} s = ${Math.round(drained / secs)} msg/s`);

    // 2. End-to-end latency at a steady rate.
    const latencies: number[] = [];
    const steady = consumer('bench_latency_cg', (m) => void latencies.push(Date.now() - m.bornTimestamp), {
      consumeFromWhere: 'CONSUME_FROM_LAST_OFFSET',
    });
    await producer.send({ topic: 'BenchPushLatency', body: BODY }); // creates the topic
    await steady.subscribe('BenchPushLatency');
    await steady.start();
    await new Promise((r) => setTimeout(r, 500));
    latencies.length = 0;
    const sent = await sendSteady(producer, 'BenchPushLatency', RATE, SECONDS);
    await waitUntil(() => latencies.length >= sent, 30_000);
    await steady.shutdown();
    const sorted = [...latencies].sort((a, b) => a - b);
    console.log(
      `latency at ${RATE} msg/s for ${SECONDS} s: ${latencies.length}/${sent} consumed, ` +
        `p50 ${pct(sorted, 50)} ms, p99 ${pct(sorted, 99)} ms, max ${sorted.at(-1) ?? 0} ms`,
    );

    // 3. Duplicates across rebalances.
    const deliveries = new Map<string, number>();
    const count = (m: ConsumedMessage): void =>
      void deliveries.set(m.msgId, (deliveries.get(m.msgId) ?? 0) + 1);
    await producer.send({ topic: 'BenchPushRebalance', body: BODY });
    const members = [0, 1, 2].map(() => consumer('bench_rebalance_cg', count, { rebalanceInterval: 1000 }));
    for (const m of members) await m.subscribe('BenchPushRebalance');
    await members[0]?.start();
    await members[1]?.start();
    const sending = sendSteady(producer, 'BenchPushRebalance', 2000, 6);
    await new Promise((r) => setTimeout(r, 2000));
    await members[2]?.start(); // joins
    await new Promise((r) => setTimeout(r, 2000));
    await members[0]?.shutdown(); // leaves
    const total = (await sending) + 1;
    await waitUntil(() => deliveries.size >= total, 30_000);
    await Promise.all(members.map((m) => m.shutdown()));
    let dups = 0;
    for (const n of deliveries.values()) dups += n - 1;
    console.log(
      `rebalance (join then leave at 2000 msg/s): ${deliveries.size}/${total} distinct consumed, ${dups} duplicate deliveries`,
    );
  } finally {
    await producer.shutdown();
    await cluster.stop();
  }
}

await main();
