/**
 * SEND_BATCH_MESSAGE side by side, broker CPU per message at a fixed batch size: CONCURRENCY loops
 * (default 8) each sending batches of BATCH (default 256) messages of SIZE bytes (default 128) with
 * Producer.sendBatch into one embedded broker per dist given (`label=dist`, e.g.
 * before=/tmp/bb-before/dist after=dist), rounds interleaved; medians (min–max) of msg/s and broker
 * CPU µs per message.
 *   node bench/batch-send-side-by-side.mjs ROUNDS SECONDS label=dist ...   (env BATCH, SIZE, CONCURRENCY)
 * Unlike auto-batch-side-by-side.mjs, the batch size does not follow the load: on a busy machine a
 * slower broker there gets smaller batches, so more work per message, and the comparison drifts.
 * The broker child is auto-batch-side-by-side.mjs's (PROF=<dir> writes its CPU profiles there).
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { lines } from './line-reader.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const [rounds = '3', seconds = '4', ...variants] = process.argv.slice(2);
const BATCH = Number(process.env.BATCH ?? '256');
const SIZE = Number(process.env.SIZE ?? '128');
const CONCURRENCY = Number(process.env.CONCURRENCY ?? '8');

function broker(dist, profName) {
  const prof = process.env.PROF;
  const flags = prof ? ['--cpu-prof', `--cpu-prof-dir=${prof}`, `--cpu-prof-name=${profName}`] : [];
  const script = path.join(HERE, 'auto-batch-side-by-side.mjs');
  return spawn(process.execPath, [...flags, script, 'cluster', dist], { stdio: ['pipe', 'pipe', 'inherit'] });
}

async function load(namesrv, dist) {
  const { Producer, Message } = await import(pathToFileURL(path.resolve(dist, 'index.js')).href);
  const producer = new Producer({ producerGroup: 'bench_batch_send', nameServer: namesrv });
  await producer.start();
  const body = Buffer.alloc(SIZE, 0x61);
  const batch = () => Array.from({ length: BATCH }, () => new Message('BenchBatchSend', body));
  for (let i = 0; i < 20; i++) await producer.sendBatch(batch()); // routes, topic, warm-up
  return {
    async run(ms, cpuOf) {
      const cpu = await cpuOf();
      const t0 = performance.now();
      let messages = 0;
      const loop = async () => {
        while (performance.now() - t0 < ms) {
          await producer.sendBatch(batch());
          messages += BATCH;
        }
      };
      await Promise.all(Array.from({ length: CONCURRENCY }, loop));
      const elapsed = performance.now() - t0;
      return { tps: (messages * 1000) / elapsed, brokerCpuMicrosPerMsg: ((await cpuOf()) - cpu) / messages };
    },
    stop: () => producer.shutdown(),
  };
}

const results = new Map();
for (let round = 0; round < Number(rounds); round++) {
  // Every other round in reverse order: neither tree always runs first.
  const order = round % 2 === 0 ? variants : [...variants].reverse();
  for (const variant of order) {
    const [label, dist] = variant.split('=');
    const child = broker(dist, `broker-${label}-${round}.cpuprofile`);
    const next = lines(child.stdout);
    const namesrv = (await next()).slice('NAMESRV '.length);
    const cpuOf = async () => (child.stdin.write('cpu\n'), Number((await next()).slice(4)));
    const l = await load(namesrv, dist);
    const r = await l.run(Number(seconds) * 1000, cpuOf);
    await l.stop();
    child.stdin.write('stop\n');
    await new Promise((resolve) => child.on('exit', resolve));
    results.set(label, [...(results.get(label) ?? []), r]);
    process.stdout.write(`${label} round ${round + 1}: ${JSON.stringify(r)}\n`);
  }
}
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
process.stdout.write(
  `medians (min-max) of ${rounds} rounds, batches of ${BATCH} x ${SIZE} B, ${CONCURRENCY} in flight:\n`,
);
for (const [label, rs] of results) {
  const cols = ['tps', 'brokerCpuMicrosPerMsg'].map((k) => {
    const v = rs.map((r) => r[k]);
    const f = (x) => x.toFixed(k === 'tps' ? 0 : 2);
    return `${k} ${f(median(v))} (${f(Math.min(...v))}-${f(Math.max(...v))})`;
  });
  process.stdout.write(`${label.padEnd(10)} ${cols.join(' | ')}\n`);
}
process.exit(0);
