/**
 * Child process of bench/producer-side-by-side.ts: one client (ours from a given dist, or ali-ons) sends
 * COUNT messages of SIZE bytes (a JSON-like body, compressible as real bodies are) with WINDOW in
 * flight to NAMESRV after a warm-up, and prints one JSON line: messages, elapsed ms and this process's
 * CPU µs over the measured part only. COMPRESS_OVER=N sets both clients' compressMsgBodyOverHowmuch
 * (a huge N: no compression, to split compression's share off); CPU_PROFILE / HEAP_PROFILE: below.
 *   node --import tsx bench/client-cpu-worker.ts ours|ons NAMESRV TOPIC COUNT WINDOW SIZE [DIST_DIR]
 */
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Producer as ProducerType } from '../src/index.js';
import { jsonBody } from './json-body.js';

const [client = 'ours', namesrv = '', topic = 'BenchZ', countArg, windowArg, sizeArg, dist] =
  process.argv.slice(2);
const count = Number(countArg);
const window = Number(windowArg);
const size = Number(sizeArg);

const body = jsonBody(size);
const over = process.env.COMPRESS_OVER ? Number(process.env.COMPRESS_OVER) : undefined;

/**
 * Profiles of the measured part only (warm-up and start-up left out): CPU_PROFILE=FILE a V8 CPU
 * profile (bench/cpu-profile-top.ts reads it), HEAP_PROFILE=FILE an allocation sampling profile that
 * keeps the objects garbage collected meanwhile (what the sends allocate, not what survives).
 */
async function startProfiles(): Promise<() => Promise<void>> {
  const cpuFile = process.env.CPU_PROFILE ?? '';
  const heapFile = process.env.HEAP_PROFILE ?? '';
  if (cpuFile === '' && heapFile === '') return async () => undefined;
  const { Session } = await import('node:inspector/promises');
  const session = new Session();
  session.connect();
  if (heapFile !== '') {
    await session.post('HeapProfiler.enable');
    await session.post('HeapProfiler.startSampling', {
      samplingInterval: 4096,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    });
  }
  if (cpuFile !== '') {
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 100 });
    await session.post('Profiler.start');
  }
  return async () => {
    if (cpuFile !== '') writeFileSync(cpuFile, JSON.stringify((await session.post('Profiler.stop')).profile));
    if (heapFile !== '') {
      writeFileSync(heapFile, JSON.stringify((await session.post('HeapProfiler.stopSampling')).profile));
    }
    session.disconnect();
  };
}

async function windowed(n: number, one: () => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next++ < n) await one();
  };
  await Promise.all(Array.from({ length: window }, worker));
}

async function measure(one: () => Promise<unknown>): Promise<void> {
  await windowed(Math.min(2000, count), one); // warm-up (JIT, connections), not measured
  const stopProfiles = await startProfiles();
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  await windowed(count, one);
  const used = process.cpuUsage(cpu);
  await stopProfiles();
  process.stdout.write(
    `${JSON.stringify({ client, messages: count, elapsedMs: performance.now() - t0, cpuMicros: used.user + used.system })}\n`,
  );
}

if (client === 'ons') {
  const home = mkdtempSync(path.join(tmpdir(), 'rmq-bench-ons-'));
  process.env.HOME = home; // ali-ons derives a directory from $HOME when loaded
  const require = createRequire(import.meta.url);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- untyped devDependency
  const ons = require('ali-ons') as any;
  const quiet = { info() {}, debug() {}, warn() {}, error() {} };
  const producer = new ons.Producer({
    nameSrv: namesrv,
    httpclient: {},
    logger: quiet,
    producerGroup: 'bench_ons_pg',
    ...(over !== undefined && { compressMsgBodyOverHowmuch: over }),
  });
  producer.on('error', () => undefined);
  await producer.ready();
  await measure(() => producer.send(new ons.Message(topic, 'TagA', body)));
  await producer.close();
  rmSync(home, { recursive: true, force: true });
} else {
  const root = dist !== undefined ? pathToFileURL(path.resolve(dist, 'index.js')).href : '../src/index.js';
  const { Producer } = (await import(root)) as { Producer: typeof ProducerType };
  const producer = new Producer({
    producerGroup: 'bench_ours_pg',
    nameServer: namesrv,
    ...(over !== undefined && { compressMsgBodyOverHowmuch: over }),
  });
  await producer.start();
  await measure(() => producer.send({ topic, tags: 'TagA', body }));
  await producer.shutdown();
}
process.exit(0);
