/**
 * Child process of bench/producer-side-by-side.ts: one scenario with the Producer of a given dist
 * (before: main's, after: this branch's), printing one JSON line.
 *   load    NAMESRV DIST SECONDS WINDOW auto|plain   128 B async sends with WINDOW in flight:
 *           msg/s, p99 (log-bucketed histogram), client CPU µs per message
 *   memory  NAMESRV DIST COUNT bp|plain              COUNT sendAsync calls fired in a loop that
 *           awaits what sendAsync(msg, callback) returns (with backpressure: the admission; without,
 *           nothing to wait for): peak RSS and heap, sampled every 50 ms, and (with --expose-gc)
 *           the peak live heap after a full collection every 65,536 sends
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { LatencyHistogram } from '../src/cli/commands/bench-histogram.js';
import type { Producer as ProducerType, ProducerOptions } from '../src/index.js';

const [scenario = 'load', namesrv = '', dist = 'dist', a = '3', b = '128', c = 'plain'] =
  process.argv.slice(2);
const TOPIC = 'BenchSideBySide';
const { Producer, Message } = (await import(pathToFileURL(path.resolve(dist, 'index.js')).href)) as {
  Producer: new (o: ProducerOptions) => ProducerType;
  Message: typeof import('../src/index.js').Message; // eslint-disable-line @typescript-eslint/consistent-type-imports
};
const body = Buffer.alloc(128, 0x61);

async function load(seconds: number, window: number, autoBatch: boolean): Promise<void> {
  const producer = new Producer({
    producerGroup: 'bench_side',
    nameServer: namesrv,
    ...(autoBatch && { autoBatch }),
  });
  await producer.start();
  for (let i = 0; i < 100; i++) await producer.send(new Message(TOPIC, body));
  const h = new LatencyHistogram();
  let failed = 0;
  let inFlight = 0;
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  const deadline = t0 + seconds * 1000;
  await new Promise<void>((resolve) => {
    const launch = (): void => {
      while (inFlight < window && performance.now() < deadline) {
        inFlight++;
        const s = performance.now();
        producer.sendAsync(new Message(TOPIC, body)).then(
          () => (h.record((performance.now() - s) * 1000), done()),
          () => (failed++, done()),
        );
      }
      if (inFlight === 0) resolve();
    };
    const done = (): void => {
      inFlight--;
      launch();
    };
    launch();
  });
  const elapsed = performance.now() - t0;
  const used = process.cpuUsage(cpu);
  await producer.shutdown();
  process.stdout.write(
    `${JSON.stringify({ tps: (h.count * 1000) / elapsed, p50Ms: h.percentile(50) / 1000, p99Ms: h.percentile(99) / 1000, cpuMicrosPerMsg: (used.user + used.system) / Math.max(1, h.count), failed })}\n`,
  );
}

async function memory(count: number, backpressure: boolean): Promise<void> {
  const producer = new Producer({
    producerGroup: 'bench_side_mem',
    nameServer: namesrv,
    sendMsgTimeout: 60_000,
    ...(backpressure && { enableBackpressureForAsyncMode: true }),
  });
  await producer.start();
  await producer.send(new Message(TOPIC, body));
  let peakRss = 0;
  let peakHeap = 0;
  let peakLive = 0;
  const gc = (globalThis as { gc?: () => void }).gc;
  const sample = (): void => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  };
  const sampler = setInterval(sample, 50);
  let ok = 0;
  let failed = 0;
  let resolveAll: () => void = () => undefined;
  const all = new Promise<void>((r) => (resolveAll = r));
  const settle = (): void => {
    if (ok + failed === count) resolveAll();
  };
  const callback = { onSuccess: () => (ok++, settle()), onException: () => (failed++, settle()) };
  const t0 = performance.now();
  for (let i = 0; i < count; i++) {
    await (producer.sendAsync(new Message(TOPIC, body), callback) as unknown);
    if ((i & 0x3fff) === 0) sample();
    // The live heap: what a full collection leaves (heapUsed alone also counts garbage not yet collected).
    if ((i & 0xffff) === 0 && gc !== undefined) {
      gc();
      peakLive = Math.max(peakLive, process.memoryUsage().heapUsed);
    }
  }
  await all;
  clearInterval(sampler);
  sample();
  const elapsed = performance.now() - t0;
  await producer.shutdown();
  process.stdout.write(
    `${JSON.stringify({ count, ok, failed, peakRssMiB: peakRss / 1048576, peakHeapMiB: peakHeap / 1048576, peakLiveHeapMiB: peakLive / 1048576, tps: (ok * 1000) / elapsed })}\n`,
  );
}

if (scenario === 'memory') await memory(Number(a), c === 'bp' || b === 'bp');
else await load(Number(a), Number(b), c === 'auto');
process.exit(0);
