/**
 * Bytes the producer and the broker allocate per message, by allocation site: an embedded cluster in a
 * child process, then WINDOW async sends of 128 B kept in flight for SECONDS, both processes under
 * V8's sampling heap profiler with the objects minor and major GCs collected included (what the young
 * generation churns through, not only what survives), summed per function and divided by the
 * messages sent.
 *   node bench/alloc-per-send.mjs [SECONDS=3] [WINDOW=2048] [TOP=25]   (env AUTO_BATCH=0: single sends)
 *   (env CHILD_FLAGS: node flags for the cluster child, e.g. --max-inlined-bytecode-size=0 to see the sites
 *   that inlining folds into their callers)
 * With CONSUME=1, the messages sent are then consumed from their first offset by a push consumer (no-op
 * handler, defaults otherwise), both the consumer and the broker sampled again: bytes per message consumed.
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

/** Starts the sampling heap profiler of this process; the returned function stops it, bytes by site. */
async function sampleAllocations() {
  const session = new Session();
  session.connect();
  await session.post('HeapProfiler.startSampling', {
    samplingInterval: 4096,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
  return async () => {
    const { profile } = await session.post('HeapProfiler.stopSampling');
    const bySite = new Map();
    const walk = (node) => {
      const { functionName, url, lineNumber } = node.callFrame;
      const site = `${functionName || '(anonymous)'} ${url.split('/').slice(-2).join('/')}:${lineNumber + 1}`;
      bySite.set(site, (bySite.get(site) ?? 0) + node.selfSize);
      for (const child of node.children) walk(child);
    };
    walk(profile.head);
    return bySite;
  };
}

function report(title, bySite, sent, top) {
  const total = [...bySite.values()].reduce((a, b) => a + b, 0);
  process.stdout.write(`${title}: ${sent} messages, ${(total / sent).toFixed(0)} bytes/msg\n`);
  for (const [site, bytes] of [...bySite].sort((a, b) => b[1] - a[1]).slice(0, Number(top))) {
    process.stdout.write(`${(bytes / sent).toFixed(0).padStart(7)}  ${site}\n`);
  }
}

if (process.argv[2] === 'cluster') {
  // Lines on stdin: "start" samples, "report" answers the bytes by site (one JSON line), "stop" exits.
  const { startEmbeddedCluster } = await load('server/embedded-cluster.js');
  const c = await startEmbeddedCluster({ brokers: 1 });
  process.stdout.write(`NAMESRV ${c.namesrvAddress}\n`);
  let stopSampling;
  createInterface({ input: process.stdin }).on('line', async (command) => {
    if (command === 'start') stopSampling = await sampleAllocations();
    else if (command === 'report') {
      const bySite = await stopSampling();
      process.stdout.write(`${JSON.stringify([...bySite])}\n`);
    } else void c.stop().then(() => process.exit(0));
  });
} else {
  const [seconds = '3', window = '2048', top = '25'] = process.argv.slice(2);
  const cluster = spawn(
    process.execPath,
    [...(process.env.CHILD_FLAGS?.split(' ').filter(Boolean) ?? []), SELF, 'cluster'],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const clusterLines = createInterface({ input: cluster.stdout })[Symbol.asyncIterator]();
  const nextLine = async () => (await clusterLines.next()).value;
  const line = await nextLine();
  const { Producer, Message } = await load('index.js');
  const producer = new Producer({
    producerGroup: 'bench_alloc',
    nameServer: String(line).slice('NAMESRV '.length),
    autoBatch: process.env.AUTO_BATCH !== '0',
  });
  await producer.start();
  const body = Buffer.alloc(128, 0x61);
  for (let i = 0; i < 100; i++) await producer.sendAsync(new Message('BenchAlloc', body));
  cluster.stdin.write('start\n');
  const stopSampling = await sampleAllocations();
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
  const bySite = await stopSampling();
  cluster.stdin.write('report\n');
  const brokerBySite = new Map(JSON.parse(await nextLine()));
  await producer.shutdown();
  const mode = process.env.AUTO_BATCH === '0' ? 'single async sends' : 'auto-batched sends';
  report(`producer, ${mode}, window ${window}`, bySite, sent, top);
  report(`broker (embedded cluster), ${mode}`, brokerBySite, sent, top);
  if (process.env.CONSUME === '1') {
    // The backlog just sent (the warm-up's 100 too), consumed from its first offset by a push consumer
    // with a no-op handler.
    const { PushConsumer } = await load('client/consumer/index.js');
    const backlog = sent + 100;
    let consumed = 0;
    let allConsumed;
    const drained = new Promise((resolve) => (allConsumed = resolve));
    const consumer = new PushConsumer({
      consumerGroup: `bench_alloc_${process.pid}`,
      nameServer: String(line).slice('NAMESRV '.length),
      consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
      handler: () => {
        if (++consumed === backlog) allConsumed();
      },
    });
    await consumer.subscribe('BenchAlloc', '*');
    cluster.stdin.write('start\n');
    const stopConsumerSampling = await sampleAllocations();
    await consumer.start();
    let timer;
    await Promise.race([drained, new Promise((resolve) => (timer = setTimeout(resolve, 60_000)))]);
    clearTimeout(timer);
    const consumerBySite = await stopConsumerSampling();
    cluster.stdin.write('report\n');
    const brokerPullBySite = new Map(JSON.parse(await nextLine()));
    await consumer.shutdown();
    report('push consumer, the backlog from its first offset', consumerBySite, consumed, top);
    report('broker (embedded cluster), pulls', brokerPullBySite, consumed, top);
  }
  cluster.stdin.write('stop\n');
  await new Promise((resolve) => cluster.on('exit', resolve));
}
