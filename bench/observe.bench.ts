/**
 * What observability costs on the send path, against an in-process embedded cluster: async sends
 * (128 B, 128 in flight) with nothing (the baseline), with an AbortSignal (a fresh controller) on every send, and with a
 * no-op listener on every producer event; then a micro-bench of the event sites alone, unobserved
 * vs skipped. Prints msgs/s and ratios to the baseline (1.00 = free). Rounds alternate so drift
 * hits every variant alike.
 * Run: npm run bench:observe   (env BENCH_SECONDS = seconds per round, default 2)
 */
import { Producer } from '../src/client/producer/producer.js';
import { ProducerEvents } from '../src/client/producer/producer-events.js';
import { SendCall } from '../src/client/producer/send/send-call.js';
import { attemptStarting, sendSettled, sendStarted } from '../src/client/producer/send/send-events.js';
import { EventHub } from '../src/client/events/event-hub.js';
import { namesOf } from '../src/client/events/event-types.js';
import type { ProducerEventMap } from '../src/client/producer/producer-events.js';
import { MessageQueue } from '../src/client/message-queue.js';
import { systemClock } from '../src/client/clock.js';
import { silentLogger } from '../src/common/logger.js';
import { Message } from '../src/protocol/message/index.js';
import { startEmbeddedCluster } from '../src/server/embedded-cluster.js';
import { makeTopicConfig } from '../src/protocol/body/topic-config.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? '2');
const WINDOW = 128;
const TOPIC = 'BenchObserveTopic';

type Variant = 'plain' | 'signal' | 'listeners';

async function round(producer: Producer, variant: Variant): Promise<number> {
  const body = Buffer.alloc(128, 'x');
  const end = performance.now() + SECONDS * 1000;
  let ok = 0;
  const worker = async (): Promise<void> => {
    while (performance.now() < end) {
      const options = variant === 'signal' ? { signal: new AbortController().signal } : undefined;
      await producer.sendAsync(new Message(TOPIC, body), options);
      ok++;
    }
  };
  const begin = performance.now();
  await Promise.all(Array.from({ length: WINDOW }, worker));
  return ok / ((performance.now() - begin) / 1000);
}

function eventSitesMicro(): { unobserved: number; skipped: number } {
  const hub = new EventHub<ProducerEventMap>(namesOf(ProducerEvents), silentLogger);
  const host = { events: hub, clock: systemClock };
  const message = new Message(TOPIC, 'x');
  const mq = new MessageQueue(TOPIC, 'broker-a', 0);
  const n = 5_000_000;
  const time = (observed: boolean): number => {
    const begin = performance.now();
    for (let i = 0; i < n; i++) {
      const call = new SendCall(message, 'ASYNC', TOPIC);
      if (observed) {
        if (hub.active) sendStarted(host, call, 1);
        attemptStarting(host, call, mq);
        if (hub.active) sendSettled(host, call, 0, true, undefined);
      } else {
        call.attempts++;
        call.queue = mq;
      }
    }
    return n / ((performance.now() - begin) / 1000);
  };
  time(true);
  time(false);
  return { unobserved: time(true), skipped: time(false) };
}

const cluster = await startEmbeddedCluster();
try {
  for (const broker of cluster.brokers) {
    broker.topics.update(makeTopicConfig(TOPIC, { readQueueNums: 4, writeQueueNums: 4 }));
  }
  const producer = new Producer({ producerGroup: 'PG_bench_observe', nameServer: cluster.namesrvAddress });
  await producer.start();
  await producer.send(new Message(TOPIC, 'warm-up'));
  const totals: Record<Variant, number[]> = { plain: [], signal: [], listeners: [] };
  const noop = (): void => undefined;
  for (let r = 0; r < 3; r++) {
    for (const variant of ['plain', 'signal', 'listeners'] as const) {
      const offs =
        variant === 'listeners' ? Object.values(ProducerEvents).map((name) => producer.on(name, noop)) : [];
      totals[variant].push(await round(producer, variant));
      for (const off of offs) off();
    }
  }
  await producer.shutdown();
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
  const base = median(totals.plain);
  for (const variant of ['plain', 'signal', 'listeners'] as const) {
    const tps = median(totals[variant]);
    console.log(
      `async 128B ${variant.padEnd(9)}: ${Math.round(tps)} msg/s (median of 3), ratio to plain ${(tps / base).toFixed(2)}`,
    );
  }
  const micro = eventSitesMicro();
  console.log(
    `event sites per send call, nobody listening: ${(micro.unobserved / 1e6).toFixed(1)} M/s vs skipped ${(micro.skipped / 1e6).toFixed(1)} M/s, ratio ${(micro.unobserved / micro.skipped).toFixed(2)}`,
  );
} finally {
  await cluster.stop();
}
