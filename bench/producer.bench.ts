/**
 * Producer benchmark: msgs/s and latency (p50 / p99 / max) for sync (1 in flight), async (many in
 * flight) and oneway sends of 128 B and 4 KiB bodies, against an embedded name server + broker running
 * in a separate process (bench/producer-cluster.ts). Lines follow RocketMQ's benchmark Producer:
 *   Send TPS: … Max RT(ms): … Average RT(ms): … Send Failed: … Response Failed: …
 * Run: npm run bench   (env BENCH_SECONDS = seconds per scenario, default 4)
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Producer } from '../src/client/index.js';
import { Message } from '../src/protocol/message/index.js';
import { compareTlsToPlain } from './tls-compare.js';
import { sideBySide } from './producer-side-by-side.js';
import { BENCH_CREDENTIALS, signingMicroBench, writeBenchAclFile } from './acl-signing.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? '4');
const ASYNC_WINDOW = 128;
const ONEWAY_WINDOW = 64;
const TOPIC = 'BenchProducerTopic';

interface Stats {
  ok: number;
  sendFailed: number;
  responseFailed: number;
  rtNs: bigint[];
  elapsedMs: number;
}

function randomBody(size: number): Buffer {
  const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const out = Buffer.alloc(size);
  for (let i = 0; i < size; i++) out[i] = chars.charCodeAt(Math.floor(Math.random() * chars.length));
  return out;
}

/** TPS of each scenario in this run, by label (the signing ratios compare with them). */
const tpsByLabel = new Map<string, number>();

function report(label: string, s: Stats): void {
  const rts = s.rtNs.map((n) => Number(n) / 1e6).sort((a, b) => a - b);
  const pct = (p: number): number =>
    rts.length === 0 ? 0 : (rts[Math.min(rts.length - 1, Math.floor(p * rts.length))] as number);
  const avg = rts.length === 0 ? 0 : rts.reduce((a, b) => a + b, 0) / rts.length;
  const max = rts.length === 0 ? 0 : (rts[rts.length - 1] as number);
  const tps = Math.round((s.ok * 1000) / s.elapsedMs);
  tpsByLabel.set(label, tps);
  process.stdout.write(
    `${label.padEnd(20)} Send TPS: ${tps} Max RT(ms): ${max.toFixed(0)} Average RT(ms): ${avg.toFixed(3)} ` +
      `Send Failed: ${s.sendFailed} Response Failed: ${s.responseFailed} | p50(ms): ${pct(0.5).toFixed(3)} ` +
      `p99(ms): ${pct(0.99).toFixed(3)} max(ms): ${max.toFixed(3)} msgs: ${s.ok}\n`,
  );
}

/** Keeps `window` sends in flight until the deadline; `one` performs one send and reports its outcome. */
async function drive(window: number, one: () => Promise<boolean>): Promise<Stats> {
  const stats: Stats = { ok: 0, sendFailed: 0, responseFailed: 0, rtNs: [], elapsedMs: 0 };
  const start = Date.now();
  const deadline = start + SECONDS * 1000;
  const worker = async (): Promise<void> => {
    while (Date.now() < deadline) {
      const t0 = process.hrtime.bigint();
      try {
        if (await one()) stats.ok++;
        else stats.responseFailed++;
        stats.rtNs.push(process.hrtime.bigint() - t0);
      } catch {
        stats.sendFailed++;
      }
    }
  };
  await Promise.all(Array.from({ length: window }, worker));
  stats.elapsedMs = Date.now() - start;
  return stats;
}

async function startClusterProcess(aclFile?: string): Promise<{ namesrv: string; stop(): Promise<void> }> {
  const script = fileURLToPath(new URL('./producer-cluster.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script, '1', ...(aclFile ? [aclFile] : [])], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout });
  const namesrv = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('cluster process did not start within 30 s')), 30_000);
    child.once('exit', (code) => reject(new Error(`cluster process exited early (${code})`)));
    lines.on('line', (line) => {
      if (line.startsWith('NAMESRV ')) {
        clearTimeout(timer);
        resolve(line.slice('NAMESRV '.length).trim());
      }
    });
  });
  return {
    namesrv,
    stop: () =>
      new Promise<void>((resolve) => {
        const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
        child.once('exit', () => {
          clearTimeout(kill);
          resolve();
        });
        child.stdin.end();
      }),
  };
}

async function main(): Promise<void> {
  const cluster = await startClusterProcess();
  const producer = new Producer({ producerGroup: 'bench_producer', nameServer: cluster.namesrv });
  try {
    await producer.start();
    for (let i = 0; i < 200; i++) await producer.send(new Message(TOPIC, randomBody(128)));
    process.stdout.write(
      `producer benchmark: broker in a separate process at ${cluster.namesrv}, ${SECONDS} s per scenario, ` +
        `async window ${ASYNC_WINDOW}, oneway window ${ONEWAY_WINDOW} (4096 B bodies are zlib-compressed: threshold >= 4096)\n`,
    );
    for (const size of [128, 4096]) {
      const body = randomBody(size);
      const msg = (): Message => new Message(TOPIC, body);
      report(
        `sync ${size}B`,
        await drive(1, async () => (await producer.send(msg())).sendStatus === 'SEND_OK'),
      );
      report(
        `async ${size}B`,
        await drive(ASYNC_WINDOW, async () => (await producer.sendAsync(msg())).sendStatus === 'SEND_OK'),
      );
      report(
        `oneway ${size}B`,
        await drive(ONEWAY_WINDOW, async () => {
          await producer.sendOneway(msg());
          return true;
        }),
      );
    }
  } finally {
    await producer.shutdown();
    await cluster.stop();
  }
  await compareTlsToPlain(SECONDS);
  await signedScenarios();
  await sideBySide(); // producer before/after: auto-batch, backpressure memory, 4 KiB zlib vs ali-ons
}

/** The same sync / async 128 B sends, signed, against a broker and name server with ACL on. */
async function signedScenarios(): Promise<void> {
  for (const line of signingMicroBench()) process.stdout.write(`${line}\n`);
  const cluster = await startClusterProcess(writeBenchAclFile());
  const producer = new Producer({
    producerGroup: 'bench_producer',
    nameServer: cluster.namesrv,
    credentials: BENCH_CREDENTIALS,
  });
  try {
    await producer.start();
    const body = randomBody(128);
    for (let i = 0; i < 200; i++) await producer.send(new Message(TOPIC, body));
    const msg = (): Message => new Message(TOPIC, body);
    report(
      'signed sync 128B',
      await drive(1, async () => (await producer.send(msg())).sendStatus === 'SEND_OK'),
    );
    report(
      'signed async 128B',
      await drive(ASYNC_WINDOW, async () => (await producer.sendAsync(msg())).sendStatus === 'SEND_OK'),
    );
    for (const mode of ['sync', 'async']) {
      const plain = tpsByLabel.get(`${mode} 128B`) ?? 0;
      const signed = tpsByLabel.get(`signed ${mode} 128B`) ?? 0;
      process.stdout.write(
        `ACL ${mode} 128B end to end: signed + checked ${signed} msg/s vs plain ${plain} msg/s, ratio ${(signed / Math.max(plain, 1)).toFixed(2)}\n`,
      );
    }
  } finally {
    await producer.shutdown();
    await cluster.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`benchmark failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
