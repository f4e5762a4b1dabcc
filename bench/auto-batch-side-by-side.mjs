/**
 * Auto-batching side by side, client and broker CPU per message: 128 B async sends with WINDOW in
 * flight (default 2048) from one auto-batching producer into one embedded broker, for each dist given
 * (`label=dist`, e.g. before=/tmp/main-dist after=dist), each with its own broker from the same dist,
 * rounds interleaved; medians of msg/s, p50/p99, client and broker CPU µs per message, and each dist's
 * ratios to the first one's, round by round (median, min-max).
 *   node bench/auto-batch-side-by-side.mjs ROUNDS SECONDS label=dist ...   (env WINDOW, BATCH_MAX_BYTES)
 * AUTO_BATCH=0 measures single async sends the same way (the client side of the single-send path).
 * BROKER_FLAGS_<label>="--flag ..." starts that variant's broker with those node flags (e.g. two
 * variants of one dist, one with a larger young generation).
 * Plain node, no tsx: run under tsx, the dist code is transformed too (a naming helper around every
 * closure made per message), which inflated the client CPU per message of producer-perf-worker.ts.
 * With PROF=<dir>, both processes write V8 CPU profiles there (read them with cpu-profile-top.ts).
 */
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { lines } from './line-reader.mjs';

const SELF = fileURLToPath(import.meta.url);
const [mode, ...args] = process.argv.slice(2);

/** Child: an embedded cluster of `dist`; prints NAMESRV, answers "cpu" with its CPU µs, stops on "stop". */
async function cluster(dist) {
  const url = pathToFileURL(path.resolve(dist, 'server/embedded-cluster.js')).href;
  const { startEmbeddedCluster } = await import(url);
  const c = await startEmbeddedCluster({ brokers: 1 });
  process.stdout.write(`NAMESRV ${c.namesrvAddress}\n`);
  createInterface({ input: process.stdin }).on('line', (line) => {
    if (line === 'cpu') {
      const u = process.cpuUsage();
      process.stdout.write(`CPU ${u.user + u.system}\n`);
    } else if (line === 'stop') void c.stop().then(() => process.exit(0));
  });
}

/** Child: the load loop of producer-perf-worker.ts (auto-batch), one JSON line. */
async function worker(namesrv, dist, seconds, window) {
  const { Producer, Message } = await import(pathToFileURL(path.resolve(dist, 'index.js')).href);
  const histogramUrl = pathToFileURL(path.resolve(dist, 'cli/commands/bench-histogram.js')).href;
  const { LatencyHistogram } = await import(histogramUrl);
  const maxBytes = Number(process.env.BATCH_MAX_BYTES ?? '0');
  const producer = new Producer({
    producerGroup: 'bench_auto_batch',
    nameServer: namesrv,
    autoBatch: process.env.AUTO_BATCH !== '0',
    ...(maxBytes > 0 && { batchMaxBytes: maxBytes }),
  });
  await producer.start();
  const body = Buffer.alloc(128, 0x61);
  for (let i = 0; i < 100; i++) await producer.sendAsync(new Message('BenchSideBySide', body));
  const h = new LatencyHistogram();
  let failed = 0;
  let inFlight = 0;
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  const deadline = t0 + seconds * 1000;
  await new Promise((resolve) => {
    const done = () => {
      inFlight--;
      launch();
    };
    const launch = () => {
      while (inFlight < window && performance.now() < deadline) {
        inFlight++;
        const s = performance.now();
        producer.sendAsync(new Message('BenchSideBySide', body)).then(
          () => (h.record((performance.now() - s) * 1000), done()),
          () => (failed++, done()),
        );
      }
      if (inFlight === 0) resolve();
    };
    launch();
  });
  const elapsed = performance.now() - t0;
  const used = process.cpuUsage(cpu);
  await producer.shutdown();
  const result = {
    tps: (h.count * 1000) / elapsed,
    messages: h.count,
    p50Ms: h.percentile(50) / 1000,
    p99Ms: h.percentile(99) / 1000,
    clientCpuMicrosPerMsg: (used.user + used.system) / Math.max(1, h.count),
    failed,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}

function child(childArgs, profName, nodeFlags = []) {
  const prof = process.env.PROF;
  const flags = prof
    ? ['--cpu-prof', `--cpu-prof-dir=${prof}`, ...(profName ? [`--cpu-prof-name=${profName}`] : [])]
    : [];
  return spawn(process.execPath, [...nodeFlags, ...flags, SELF, ...childArgs], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
}

async function drive(rounds, seconds, variants) {
  const window = process.env.WINDOW ?? '2048';
  const results = new Map();
  for (let round = 0; round < rounds; round++) {
    for (const variant of variants) {
      const [label, dist] = variant.split('=');
      const brokerFlags = process.env[`BROKER_FLAGS_${label}`]?.split(' ').filter(Boolean) ?? [];
      const broker = child(['cluster', dist], `broker-${label}-${round}.cpuprofile`, brokerFlags);
      const next = lines(broker.stdout);
      const namesrv = (await next()).slice('NAMESRV '.length);
      const cpuOf = async () => (broker.stdin.write('cpu\n'), Number((await next()).slice(4)));
      const before = await cpuOf();
      const load = child(['worker', namesrv, dist, String(seconds), window]);
      const out = lines(load.stdout);
      const r = JSON.parse(await out());
      r.brokerCpuMicrosPerMsg = ((await cpuOf()) - before) / Math.max(1, r.messages);
      broker.stdin.write('stop\n');
      await new Promise((resolve) => broker.on('exit', resolve));
      results.set(label, [...(results.get(label) ?? []), r]);
      process.stdout.write(`${label} round ${round + 1}: ${JSON.stringify(r)}\n`);
    }
  }
  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const keys = ['tps', 'p50Ms', 'p99Ms', 'clientCpuMicrosPerMsg', 'brokerCpuMicrosPerMsg'];
  process.stdout.write(`medians of ${rounds} rounds, window ${window}:\n`);
  for (const [label, rs] of results) {
    const cols = keys.map((k) => `${k} ${median(rs.map((r) => r[k])).toFixed(k === 'tps' ? 0 : 2)}`);
    process.stdout.write(`${label.padEnd(10)} ${cols.join(' | ')}\n`);
  }
  // The host's speed drifts over seconds on a shared machine: each round's ratio to the first dist,
  // measured right next to it, is steadier than a ratio of the medians.
  const [first, firstResults] = [...results][0] ?? [];
  for (const [label, rs] of results) {
    if (label === first) continue;
    const cols = ['tps', 'clientCpuMicrosPerMsg', 'brokerCpuMicrosPerMsg'].map((k) => {
      const ratios = rs.map((r, i) => r[k] / firstResults[i][k]);
      const range = `${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)}`;
      return `${k} ${median(ratios).toFixed(2)} (${range})`;
    });
    process.stdout.write(`${label}/${first} per round: ${cols.join(' | ')}\n`);
  }
}

if (mode === 'cluster') await cluster(args[0]);
else if (mode === 'worker') await worker(args[0], args[1], Number(args[2]), Number(args[3]));
else await drive(Number(mode ?? '3'), Number(args[0] ?? '4'), args.slice(1));
