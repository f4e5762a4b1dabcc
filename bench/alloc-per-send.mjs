/**
 * Bytes the producer allocates per message, by allocation site: an embedded cluster in a child process,
 * then WINDOW async sends of 128 B kept in flight for SECONDS under V8's sampling heap profiler with
 * the objects minor and major GCs collected included (what the young generation churns through, not
 * only what survives), summed per function and divided by the messages sent.
 *   node bench/alloc-per-send.mjs [SECONDS=3] [WINDOW=8192] [TOP=25]   (env AUTO_BATCH=0: single sends)
 * Plain node over dist/ (`npm run build:esm` first), as auto-batch-side-by-side.mjs. The sampling
 * interval is 4 KiB, so small sites are estimates; the total is what to compare between trees.
 */
import { spawn } from 'node:child_process';
import { Session } from 'node:inspector/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';

const SELF = fileURLToPath(import.meta.url);
const DIST = path.resolve(path.dirname(SELF), '..', 'dist');
const load = (file) => import(pathToFileURL(path.join(DIST, file)).href);

if (process.argv[2] === 'cluster') {
  const { startEmbeddedCluster } = await load('server/embedded-cluster.js');
  const c = await startEmbeddedCluster({ brokers: 1 });
  process.stdout.write(`NAMESRV ${c.namesrvAddress}\n`);
  createInterface({ input: process.stdin }).on('line', () => void c.stop().then(() => process.exit(0)));
} else {
  const [seconds = '3', window = '8192', top = '25'] = process.argv.slice(2);
  const cluster = spawn(process.execPath, [SELF, 'cluster'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const line = await new Promise((resolve) =>
    createInterface({ input: cluster.stdout }).once('line', resolve),
  );
  const { Producer, Message } = await load('index.js');
  const producer = new Producer({
    producerGroup: 'bench_alloc',
    nameServer: String(line).slice('NAMESRV '.length),
    autoBatch: process.env.AUTO_BATCH !== '0',
  });
  await producer.start();
  const body = Buffer.alloc(128, 0x61);
  for (let i = 0; i < 100; i++) await producer.sendAsync(new Message('BenchAlloc', body));
  const session = new Session();
  session.connect();
  await session.post('HeapProfiler.startSampling', {
    samplingInterval: 4096,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
  let sent = 0;
  let inFlight = 0;
  const deadline = performance.now() + Number(seconds) * 1000;
  await new Promise((resolve) => {
    const done = () => {
      inFlight--;
      sent++;
      launch();
    };
    const launch = () => {
      while (inFlight < Number(window) && performance.now() < deadline) {
        inFlight++;
        producer.sendAsync(new Message('BenchAlloc', body)).then(done, done);
      }
      if (inFlight === 0) resolve();
    };
    launch();
  });
  const { profile } = await session.post('HeapProfiler.stopSampling');
  await producer.shutdown();
  cluster.stdin.write('stop\n');
  const bySite = new Map();
  let total = 0;
  const walk = (node) => {
    const { functionName, url, lineNumber } = node.callFrame;
    const site = `${functionName || '(anonymous)'} ${url.split('/').slice(-2).join('/')}:${lineNumber + 1}`;
    bySite.set(site, (bySite.get(site) ?? 0) + node.selfSize);
    total += node.selfSize;
    for (const child of node.children) walk(child);
  };
  walk(profile.head);
  const mode = process.env.AUTO_BATCH === '0' ? 'single async sends' : 'auto-batched sends';
  process.stdout.write(
    `${mode}, window ${window}: ${sent} messages, ${(total / sent).toFixed(0)} bytes/msg\n`,
  );
  for (const [site, bytes] of [...bySite].sort((a, b) => b[1] - a[1]).slice(0, Number(top))) {
    process.stdout.write(`${(bytes / sent).toFixed(0).padStart(7)}  ${site}\n`);
  }
  await new Promise((resolve) => cluster.on('exit', resolve));
}
