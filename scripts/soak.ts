/**
 * Soak: `npm run soak -- --minutes N` (issue 10, "Proof that stays"). An embedded name server and
 * broker (SYNC_FLUSH) in this process; a steady async produce (paced, with a bounded window of sends
 * in flight) and a pull consumer reading every queue; injected timeouts (a sync send with a 1 ms
 * budget every few seconds: it times out and, as Java, closes the connection under the async sends in
 * flight) and a broker restart on the same store every few minutes. Every `--report-seconds` it prints
 * RSS, heap, the producer's response-table size and the message counts (soak-ledger.ts); at the end it
 * stops producing, shuts the producer down (the drain), lets the consumer catch up and exits 1 if any
 * acknowledged message was never consumed (lost). Duplicates are counted, not failed: at-least-once
 * allows them (a retry after a lost answer).
 *
 * Options: --minutes (default 10), --restart-every-seconds (default a third of the run, 30..180),
 * --down-seconds (3), --rate msgs/s (300), --window (64), --timeout-every-seconds (5; 0: none),
 * --report-seconds (60), --overdue-seconds (30).
 */
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { Producer } from '../src/client/index.js';
import { producerStats } from '../src/client/producer/producer.js';
import { PullConsumer, PullStatus } from '../src/client/consumer/index.js';
import type { MessageQueue } from '../src/client/message-queue.js';
import { makeTopicConfig } from '../src/protocol/body/topic-config.js';
import { startEmbeddedCluster } from '../src/server/embedded-cluster.js';
import { SoakLedger } from './soak-ledger.js';

const TOPIC = 'SoakTopic';
const QUEUES = 4;

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    'restart-every-seconds': { type: 'string' },
    'down-seconds': { type: 'string', default: '3' },
    rate: { type: 'string', default: '300' },
    window: { type: 'string', default: '64' },
    'timeout-every-seconds': { type: 'string', default: '5' },
    'report-seconds': { type: 'string', default: '60' },
    'overdue-seconds': { type: 'string', default: '30' },
  },
});

function positive(name: string, raw: string | undefined, allowZero = false): number {
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0 || (!allowZero && n === 0)) {
    console.error(`--${name} must be a ${allowZero ? 'non-negative' : 'positive'} number, got ${raw}`);
    process.exit(2);
  }
  return n;
}

const minutes = positive('minutes', values.minutes);
const runMillis = minutes * 60_000;
const restartEvery =
  values['restart-every-seconds'] !== undefined
    ? positive('restart-every-seconds', values['restart-every-seconds'], true)
    : Math.min(180, Math.max(30, Math.round((minutes * 60) / 3)));
const downSeconds = positive('down-seconds', values['down-seconds'], true);
const rate = positive('rate', values.rate);
const window = Math.floor(positive('window', values.window));
const timeoutEvery = positive('timeout-every-seconds', values['timeout-every-seconds'], true);
const reportSeconds = positive('report-seconds', values['report-seconds']);
const overdueSeconds = positive('overdue-seconds', values['overdue-seconds']);

const began = Date.now();
const second = (): number => Math.floor((Date.now() - began) / 1000);
const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)}MB`;
const ledger = new SoakLedger();
let restarts = 0;
let injectedTimeouts = 0;
let stopping = false;
/** Wakes the workers' pauses when the run ends. */
const stop = new AbortController();
/** A pause the end of the run cuts short. */
const pause = (ms: number): Promise<void> =>
  sleep(ms, undefined, { signal: stop.signal }).catch(() => undefined);

const cluster = await startEmbeddedCluster({ brokers: 1, flushDiskType: 'SYNC_FLUSH' });
const broker = (): (typeof cluster.brokers)[number] => cluster.brokers[0]!;
broker().topics.update(makeTopicConfig(TOPIC, { readQueueNums: QUEUES, writeQueueNums: QUEUES }));

const producer = new Producer({ producerGroup: 'PG_soak', nameServer: cluster.namesrvAddress });
await producer.start();
const consumer = new PullConsumer({ consumerGroup: 'CG_soak', nameServer: cluster.namesrvAddress });
await consumer.start();

/** The topic's queues once the name server routes it (the broker registers the new topic soon). */
async function routedQueues(): Promise<MessageQueue[]> {
  for (let tries = 0; ; tries++) {
    const queues = await consumer.fetchMessageQueues(TOPIC).catch(() => []);
    if (queues.length === QUEUES) return queues;
    if (tries === 200) throw new Error(`topic ${TOPIC} not routed after 20 s`);
    await sleep(100);
  }
}

function report(label: string): ReturnType<SoakLedger['counts']> {
  const memory = process.memoryUsage();
  const stats = producerStats(producer);
  const c = ledger.counts(second(), overdueSeconds);
  console.log(
    `[soak ${label}] t=${second()}s rss=${mb(memory.rss)} heap=${mb(memory.heapUsed)} ` +
      `responseTable=${stats.responseTableSize ?? '-'} sendsInFlight=${stats.sendsInFlight} ` +
      `sent=${c.sent} acked=${c.acked} failed=${c.failed} consumed=${c.consumed} ` +
      `unconsumed=${c.unconsumed} lost(overdue>${overdueSeconds}s)=${c.overdue} dup=${c.duplicated} ` +
      `storedUnacked=${c.storedUnacked} restarts=${restarts} injectedTimeouts=${injectedTimeouts}`,
  );
  return c;
}

function sendOne(inFlight: { n: number }): void {
  const seq = ledger.nextSeq();
  inFlight.n++;
  producer
    .sendAsync({ topic: TOPIC, body: String(seq), keys: [`soak-${seq}`] })
    .then(
      (r) => (r.sendStatus === 'SEND_OK' ? ledger.ack(seq, second()) : ledger.fail()),
      () => ledger.fail(),
    )
    .finally(() => inFlight.n--);
}

/** Paced async sends, at most `window` in flight, until stopping. */
async function produce(): Promise<void> {
  const inFlight = { n: 0 };
  const start = Date.now();
  let issued = 0;
  while (!stopping) {
    const due = Math.floor(((Date.now() - start) / 1000) * rate);
    while (issued < due && inFlight.n < window && !stopping) {
      sendOne(inFlight);
      issued++;
    }
    if (issued < due && inFlight.n >= window) issued = due; // behind: skip, do not burst later
    await sleep(10);
  }
}

/** A sync send with a 1 ms budget now and then: a prompt timeout, which closes the connection. */
async function injectTimeouts(): Promise<void> {
  if (timeoutEvery === 0) return;
  while (!stopping) {
    await pause(timeoutEvery * 1000);
    if (stopping) return;
    const seq = ledger.nextSeq();
    injectedTimeouts++;
    await producer.send({ topic: TOPIC, body: String(seq), keys: [`soak-${seq}`] }, 1).then(
      (r) => (r.sendStatus === 'SEND_OK' ? ledger.ack(seq, second()) : ledger.fail()),
      () => ledger.fail(),
    );
  }
}

/** Reads one queue from its first offset on, for as long as `keepGoing()` says. */
async function consumeQueue(mq: MessageQueue, keepGoing: () => boolean): Promise<void> {
  let offset = 0n;
  while (keepGoing()) {
    try {
      const r = await consumer.pull(mq, '*', offset, 64, {
        block: true,
        suspendMillis: 1000,
        timeoutMillis: 5000,
      });
      if (r.pullStatus === PullStatus.FOUND) {
        for (const m of r.msgFoundList) ledger.consume(Number(m.body.toString()));
      }
      offset = r.nextBeginOffset;
    } catch {
      await sleep(500); // broker down or restarting
    }
  }
}

async function restartBroker(): Promise<void> {
  if (restartEvery === 0) return;
  while (!stopping) {
    await pause(restartEvery * 1000);
    if (stopping) return;
    await cluster.stopBroker(0);
    await sleep(downSeconds * 1000); // a restart under way completes
    await cluster.startBroker(0);
    restarts++;
    console.log(`[soak] t=${second()}s broker restarted (#${restarts})`);
  }
}

console.log(
  `[soak] ${minutes} min, ${rate} msgs/s, window ${window}, broker restart every ${restartEvery}s ` +
    `(down ${downSeconds}s), a 1 ms sync send every ${timeoutEvery}s, SYNC_FLUSH`,
);
let consuming = true;
const queues = await routedQueues();
const readers = queues.map((mq) => consumeQueue(mq, () => consuming));
const reporter = setInterval(() => report('run'), reportSeconds * 1000);
const workers = [produce(), injectTimeouts(), restartBroker()];
await sleep(runMillis);
stopping = true;
stop.abort();
await Promise.all(workers);
await producer.shutdown();
clearInterval(reporter);
report('produced');

// Catch up: until every acknowledged message was consumed, or nothing new for 30 s.
let last = -1;
let idleSince = Date.now();
while (Date.now() - idleSince < 30_000) {
  const c = ledger.counts(second(), 0);
  if (c.unconsumed === 0) break;
  if (c.consumed !== last) {
    last = c.consumed;
    idleSince = Date.now();
  }
  await sleep(500);
}
consuming = false;
await Promise.all(readers);
const final = ledger.counts(second(), 0);
report('final');
await consumer.shutdown();
await cluster.stop();
const lost = final.unconsumed;
console.log(
  `[soak] ${lost === 0 ? 'PASS' : 'FAIL'}: acked=${final.acked} lost=${lost} duplicated=${final.duplicated}`,
);
process.exit(lost === 0 ? 0 : 1);
