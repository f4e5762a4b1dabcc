/**
 * The broker's store path for batches alone, side by side in one process: CPU µs per message of
 * MessageStore.putBatch (200 messages of 128 B per batch, each with its UNIQ_KEY and the batch's
 * WAIT/CLUSTER properties, as an auto-batching producer sends them), ASYNC_FLUSH, one store per dist
 * given (`label=dist`, e.g. before=/tmp/before/dist after=dist), in short slices that alternate
 * between the dists: the host's speed, which swings by ±20 % over seconds on a shared machine, then
 * weighs on every dist alike. No network, no request decoding: the record building, checksums,
 * consume-queue entries, message index and commit-log writes.
 *   node bench/store-batch.bench.mjs SLICES SLICE_MS label=dist ...   (plain node over dist/)
 * Prints, per dist, the median and min–max of its slices' CPU µs per message, and each dist's median
 * ratio to the first one's, slice pair by slice pair.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';

const [slicesArg = '20', sliceMsArg = '400', ...specs] = process.argv.slice(2);
const SLICES = Number(slicesArg);
const SLICE_MS = Number(sliceMsArg);
const PER_BATCH = 200;
if (specs.length === 0) specs.push('now=dist');

const hex = (n, width) => n.toString(16).toUpperCase().padStart(width, '0');

/** One batch body as the producer encodes it, with fresh UNIQ_KEYs. */
function batchBody(encodeBatch, seq) {
  const body = Buffer.alloc(128, 0x61);
  const entries = [];
  for (let i = 0; i < PER_BATCH; i++) {
    const id = `7F000001${hex(process.pid & 0xffff, 4)}1A2B3C4D${hex(seq, 8)}${hex(i, 4)}`;
    entries.push({ body, properties: `UNIQ_KEY\u0001${id}\u0002` });
  }
  return encodeBatch(entries);
}

async function load(label, dist) {
  const url = (file) => pathToFileURL(path.resolve(dist, file)).href;
  const { MessageStore } = await import(url('server/store/index.js'));
  const { encodeBatch, indexBatch } = await import(url('protocol/message/batch.js'));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `rmq-store-bench-${label}-`));
  const store = new MessageStore({ storePathRootDir: dir, flushDiskType: 'ASYNC_FLUSH' });
  await store.open();
  let seq = 0;
  const next = () => ({
    topic: 'BenchBatch',
    queueId: seq % 4,
    sysFlag: 0,
    bornTimestamp: Date.now(),
    bornHost: { ip: '127.0.0.1', port: 50000 },
    storeHost: { ip: '127.0.0.1', port: 10911 },
    reconsumeTimes: 0,
    waitStoreMsgOK: true,
    messages: indexBatch(batchBody(encodeBatch, seq++)),
    sharedProperties: 'WAIT\u0001true\u0002CLUSTER\u0001DefaultCluster',
  });
  return { label, dist, store, dir, next, samples: [] };
}

/** Puts batches, 8 in flight, for `ms`; CPU µs per message (batch bodies are built outside the clock). */
async function slice(t, ms) {
  let messages = 0;
  let cpu = 0;
  const end = performance.now() + ms;
  while (performance.now() < end) {
    const batches = [];
    for (let k = 0; k < 8; k++) batches.push(t.next());
    const before = process.cpuUsage();
    const puts = [];
    for (const b of batches) puts.push(t.store.putBatch(b));
    for (const r of await Promise.all(puts)) {
      if (r.status !== 'PUT_OK') throw new Error(`${t.label}: ${r.status}`);
    }
    const used = process.cpuUsage(before);
    cpu += used.user + used.system;
    messages += 8 * PER_BATCH;
  }
  return cpu / messages;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const trees = [];
try {
  for (const spec of specs) {
    const [label, dist] = spec.includes('=') ? spec.split('=') : [spec, spec];
    trees.push(await load(label, dist));
  }
  for (const t of trees) await slice(t, 1000); // warm-up, discarded
  for (let s = 0; s < SLICES; s++) {
    const order = s % 2 === 0 ? trees : [...trees].reverse();
    for (const t of order) t.samples.push(await slice(t, SLICE_MS));
  }
  report(trees);
} finally {
  // Every store's temp dir goes, whatever failed.
  for (const t of trees) {
    await t.store.close().catch(() => undefined);
    fs.rmSync(t.dir, { recursive: true, force: true });
  }
}

function report(trees) {
  const first = trees[0];
  console.log(
    `store putBatch, ${PER_BATCH} x 128 B per batch, ${SLICES} slices of ${SLICE_MS} ms each, alternating`,
  );
  for (const t of trees) {
    const ratios = t.samples.map((v, i) => v / first.samples[i]);
    const range = (xs, d) => `${Math.min(...xs).toFixed(d)}–${Math.max(...xs).toFixed(d)}`;
    console.log(
      `${t.label.padEnd(8)} CPU µs/msg ${median(t.samples).toFixed(2)} (${range(t.samples, 2)})` +
        (t === first ? '' : `  ratio to ${first.label} ${median(ratios).toFixed(3)} (${range(ratios, 3)})`),
    );
  }
}
