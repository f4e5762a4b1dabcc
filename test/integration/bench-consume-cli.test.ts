/**
 * `rmq bench --consume` against one embedded cluster: it consumes exactly the messages sent (and the
 * offsets it commits leave nothing for the next run of the group), its latencies are sane, the text
 * lines follow Java's benchmark Consumer, --tag filters, --plot writes a self-contained page, SIGINT
 * stops the built binary with a summary, and wrong flag combinations are refused before connecting.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Producer } from '../../src/client/index.js';
import { startEmbeddedCluster } from '../../src/server/embedded-cluster.js';
import type { EmbeddedCluster } from '../../src/server/embedded-cluster.js';
import { rmq, spawnRmq } from '../helpers/cli.js';
import { createTopic } from './producer-helpers.js';

let cluster: EmbeddedCluster;
let producer: Producer;

before(async () => {
  cluster = await startEmbeddedCluster({ brokers: [{ registerIntervalMillis: 300 }] });
  producer = new Producer({ producerGroup: 'PG_BENCH_CONSUME', nameServer: cluster.namesrvAddress });
  await producer.start();
});

after(async () => {
  await producer.shutdown().catch(() => undefined);
  await cluster.stop();
});

/** `rmq bench --consume --namesrv <the cluster>`: the rest follows. */
const consumeBench = (): string[] => ['bench', '--consume', '--namesrv', cluster.namesrvAddress];

async function sendMany(topic: string, count: number, tags?: string): Promise<void> {
  await Promise.all(
    Array.from({ length: count }, (_, i) => producer.send({ topic, body: `m${i}`, ...(tags && { tags }) })),
  );
}

interface Figures {
  min: number;
  avg: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
}

interface ConsumeDoc {
  kind: string;
  group: string;
  received: number;
  consumed: number;
  failed: number;
  tps: number;
  b2cMs: Figures;
  s2cMs: Figures;
  intervals: { tps: number; failed: number; b2c: Figures; s2c: Figures }[];
}

function assertSaneLatency(name: string, l: Figures): void {
  assert.ok(l.min >= 0, `${name} min ${l.min}`);
  assert.ok(l.min <= l.p50 && l.p50 <= l.p90 && l.p90 <= l.p99, `${name} ${JSON.stringify(l)}`);
  assert.ok(l.p99 <= l.p999 && l.p999 <= l.max, `${name} ${JSON.stringify(l)}`);
  assert.ok(l.avg >= l.min && l.avg <= l.max, `${name} ${JSON.stringify(l)}`);
  assert.ok(l.max < 60_000, `${name}: the messages were sent during this test, max ${l.max} ms`);
}

describe('rmq bench --consume', () => {
  it('consumes exactly the messages sent, with sane B2C / S2C latencies, and commits its offsets', async () => {
    const N = 60;
    await createTopic(cluster, 'BenchConsume', 2);
    await sendMany('BenchConsume', N);
    const ns = cluster.namesrvAddress;
    const args = ['bench', '--consume', '--namesrv', ns, '--topic', 'BenchConsume', '--from', 'first'];
    const run = await rmq([...args, '--duration', '2', '--json']);
    assert.equal(run.code, 0, run.stderr);
    const doc = JSON.parse(run.stdout) as ConsumeDoc;
    assert.equal(doc.kind, 'consume');
    assert.match(doc.group, /^benchmark_consumer_[0-9a-f]{8}$/, 'a fresh group by default');
    assert.equal(doc.received, N);
    assert.equal(doc.consumed, N);
    assert.equal(doc.failed, 0);
    assert.ok(doc.tps > 0);
    assertSaneLatency('B2C', doc.b2cMs);
    assertSaneLatency('S2C', doc.s2cMs);
    // One clock here: a message is stored after it is born, so it waited less since its store.
    assert.ok(doc.s2cMs.avg <= doc.b2cMs.avg, `S2C ${doc.s2cMs.avg} > B2C ${doc.b2cMs.avg}`);
    assert.ok(doc.intervals.length >= 2, `${doc.intervals.length} intervals in 2 s`);
    for (const i of doc.intervals) assert.ok(i.b2c.p50 <= i.b2c.p99 && i.b2c.p99 <= i.b2c.max);

    // The offsets were committed at the stop: the same group resumes after them.
    const again = await rmq([...args, '--group', doc.group, '--duration', '1', '--json']);
    assert.equal(again.code, 0, again.stderr);
    assert.equal((JSON.parse(again.stdout) as ConsumeDoc).received, 0);
  });

  it("prints Java's consumer lines and a summary, filters by --tag, and --plot writes a page", async () => {
    await createTopic(cluster, 'BenchConsumeTags', 2);
    await sendMany('BenchConsumeTags', 12, 'TagA');
    await sendMany('BenchConsumeTags', 7, 'TagB');
    const dir = await mkdtemp(path.join(tmpdir(), 'rmq-bench-consume-'));
    try {
      const plot = path.join(dir, 'consume.html');
      const text = await rmq([
        ...consumeBench(),
        '--topic',
        'BenchConsumeTags',
        '--group',
        'bench_consume_tags',
        '--tag',
        'TagA',
        '--from',
        'first',
        '--threads',
        '4',
        '--duration',
        '2',
        '--plot',
        plot,
      ]);
      assert.equal(text.code, 0, text.stderr);
      assert.match(
        text.stdout,
        /^topic: BenchConsumeTags, threadCount: 4, group: bench_consume_tags, filterType: TAG, expression: TagA, messageModel: CLUSTERING, orderly: false, failRate: 0\n/,
      );
      assert.match(
        text.stdout,
        /^Current Time: \d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} \| Consume TPS: \d+ \| AVG\(B2C\) RT\(ms\): +\d+\.\d{3} \| AVG\(S2C\) RT\(ms\): +\d+\.\d{3} \| MAX\(B2C\) RT\(ms\): \d+ \| MAX\(S2C\) RT\(ms\): \d+ \| Consume Fail: 0$/m,
      );
      assert.match(
        text.stdout,
        /^\[Complete\] Consume Total: 12 \| Consume TPS: \d+ \| AVG\(B2C\) .* Consume Fail: 0$/m,
      );
      assert.match(
        text.stdout,
        /^B2C latency\(ms\): p50 [\d.]+ \| p90 [\d.]+ \| p99 [\d.]+ \| p99\.9 [\d.]+ \| max [\d.]+ \(born to consume\)$/m,
      );
      assert.match(text.stdout, /^S2C latency\(ms\): p50 [\d.]+ .* \(store to consume\)$/m);
      assert.match(
        text.stdout,
        /^Consumed 12 of 12 deliveries from BenchConsumeTags \(clustering, 4 threads, tag TagA, group bench_consume_tags, [\d.]+ s\)$/m,
      );
      assert.match(text.stdout, /^Client CPU: [\d.]+ % of a core \| [\d.]+ us\/msg/m);
      assert.match(
        text.stdout,
        new RegExp(`^Plot written to ${plot.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'),
      );
      const page = await readFile(plot, 'utf8');
      assert.match(page, /^<!doctype html>/);
      assert.match(page, /<\/html>\n$/);
      assert.equal((page.match(/<svg /g) ?? []).length, 4, 'TPS, B2C, S2C, CPU');
      assert.equal((page.match(/<\/svg>/g) ?? []).length, 4);
      assert.match(page, /Born to consume \(B2C\)/);
      assert.match(page, /Store to consume \(S2C\)/);
      assert.match(
        page,
        /<polyline [^>]*points="[\d.]+,[\d.]+ [\d.]+,[\d.]+/,
        'a line of at least two points',
      );
      assert.doesNotMatch(page, /<script|https?:\/\/(?!www\.w3\.org)/, 'self-contained');
      assert.doesNotMatch(page, /NaN|undefined|Infinity/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('started before its topic exists, it consumes the topic as soon as the first send creates it', async () => {
    const M = 15;
    const running = rmq([...consumeBench(), '--topic', 'BenchConsumeLate', '--duration', '5', '--json']);
    await new Promise((resolve) => setTimeout(resolve, 1200));
    await sendMany('BenchConsumeLate', M); // the broker auto-creates the topic on this first send
    const run = await running;
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /^topic BenchConsumeLate does not exist yet: consuming it as soon as it does/m);
    assert.match(run.stderr, /^topic BenchConsumeLate exists now: consuming it$/m);
    const doc = JSON.parse(run.stdout) as ConsumeDoc;
    assert.equal(doc.received, M, 'not left for the 30 s heartbeat and 20 s rebalance to find');
    assertSaneLatency('B2C', doc.b2cMs);
  });

  it('--fail-rate 1 answers every delivery "reconsume later": counted as Consume Fail, none consumed', async () => {
    const M = 8;
    await createTopic(cluster, 'BenchConsumeFail', 1);
    await sendMany('BenchConsumeFail', M);
    const run = await rmq([
      ...consumeBench(),
      '--topic',
      'BenchConsumeFail',
      '--from',
      'first',
      '--fail-rate',
      '1',
      '--duration',
      '2',
      '--json',
    ]);
    assert.equal(run.code, 0, run.stderr);
    const doc = JSON.parse(run.stdout) as ConsumeDoc & { failRate: number };
    assert.equal(doc.failRate, 1);
    // The retries come back from the retry topic after 10 s (delay level 3): not within this run.
    assert.equal(doc.received, M);
    assert.equal(doc.failed, M);
    assert.equal(doc.consumed, 0);
    assert.equal(
      doc.intervals.reduce((sum, i) => sum + i.failed, 0),
      M,
    );
  });

  it('stops on SIGINT with the summary and its offsets committed (built binary)', async () => {
    const M = 20;
    await createTopic(cluster, 'BenchConsumeSignal', 2);
    await sendMany('BenchConsumeSignal', M);
    const ns = cluster.namesrvAddress;
    const group = 'bench_consume_signal';
    const args = ['bench', '--consume', '--namesrv', ns, '--topic', 'BenchConsumeSignal', '--group', group];
    const child = spawnRmq([...args, '--from', 'first']);
    let out = '';
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      // Every message consumed once the TPS goes back to 0 after a second that saw some.
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no quiet second after the burst: ${out} ${err}`)),
          20_000,
        );
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          if (/Consume TPS: [1-9][\s\S]*Consume TPS: 0 /.test(out)) {
            clearTimeout(timer);
            resolve();
          }
        });
      });
      child.kill('SIGINT');
      assert.equal(await exited, 0, err);
    } finally {
      child.kill('SIGKILL');
    }
    assert.match(out, new RegExp(`^\\[Complete\\] Consume Total: ${M} `, 'm'));
    assert.match(out, new RegExp(`^Consumed ${M} of ${M} deliveries from BenchConsumeSignal`, 'm'));
    const again = await rmq([...args, '--duration', '1', '--json']);
    assert.equal(again.code, 0, again.stderr);
    assert.equal((JSON.parse(again.stdout) as ConsumeDoc).received, 0, 'offsets committed at SIGINT');
  });

  it('refuses flag combinations it cannot honour, before connecting', async () => {
    const base = ['bench', '--consume', '--namesrv', '127.0.0.1:1'];
    const cases: [string[], RegExp][] = [
      [[...base, '--mode', 'sync'], /^--mode is for the producer benchmark; --consume does not read them/],
      [[...base, '--size', '512', '--window', '8'], /^--size, --window are for the producer benchmark/],
      [[...base, '--tag', 'A', '--sql', 'a > 1'], /^give --tag or --sql, not both/],
      [[...base, '--fail-rate', '1.5'], /^--fail-rate must be a fraction between 0 and 1, got "1.5"/],
      [[...base, '--duration', '0'], /^--duration must be a number of seconds in \(0, 86400\], got "0"/],
      [[...base, '--from', 'yesterday'], /^--from must be first, last or timestamp:MS/],
      [[...base, '--threads', '0'], /^--threads must be between 1 and 1000, got 0/],
      [[...base, '--group', 'bad group!'], /^--group: /],
      [
        ['bench', '--namesrv', '127.0.0.1:1', '--orderly'],
        /^--orderly is for the consumer benchmark: add --consume/,
      ],
      [
        ['bench', '--namesrv', '127.0.0.1:1', '--sql', 'a > 1'],
        /^--sql is for the consumer benchmark: add --consume/,
      ],
    ];
    for (const [args, message] of cases) {
      const r = await rmq(args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stdout} ${r.stderr}`);
      assert.match(r.stderr.replace(/^rmq: /, ''), message, args.join(' '));
    }
    const unreachable = await rmq([...base, '--duration', '1']);
    assert.equal(unreachable.code, 1);
    assert.match(
      unreachable.stderr,
      /cannot read the route of BenchmarkTest from 127\.0\.0\.1:1: .*ECONNREFUSED/,
    );
    assert.equal(unreachable.stdout, '', 'no run, no summary');
    const help = await rmq(['bench', '--help']);
    assert.match(
      help.stdout,
      /rmq bench --consume --namesrv ADDR --topic T \[--group G\] \[--tag EXPR \| --sql EXPR\]/,
    );
    assert.match(help.stdout, /--consume +Benchmark a push consumer/);
    assert.match(help.stdout, /--fail-rate R +--consume: fraction of deliveries answered "reconsume later"/);
  });
});
