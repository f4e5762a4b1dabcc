/**
 * TLS against plain, side by side in one run (part of `npm run bench`): one embedded name server +
 * broker in a separate process, TLS permissive (bench/producer-cluster.ts with `tls`), so a plain and a
 * TLS producer reach the very same broker. Each scenario runs plain, then TLS, then plain and TLS again;
 * the ratio is TLS msgs/s over plain msgs/s over both passes (1.00 = free, 0.50 = half the throughput).
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Producer } from '../src/client/index.js';
import { Message } from '../src/protocol/message/index.js';

const TOPIC = 'BenchTlsTopic';

async function startTlsCluster(): Promise<{ namesrv: string; ca: string; stop(): Promise<void> }> {
  const script = fileURLToPath(new URL('./producer-cluster.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script, '1', 'tls'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout });
  const found: Record<string, string> = {};
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error('TLS cluster process did not start within 30 s')),
      30_000,
    );
    child.once('exit', (code) => reject(new Error(`TLS cluster process exited early (${code})`)));
    lines.on('line', (line) => {
      const [key, value] = line.split(' ', 2);
      if (key && value) found[key] = value;
      if (found.NAMESRV && found.CA) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  return {
    namesrv: found.NAMESRV!,
    ca: Buffer.from(found.CA!, 'base64').toString(),
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.stdin.end();
      }),
  };
}

/** msgs/s and p50 latency of `window` concurrent senders for `seconds`. */
async function measure(
  seconds: number,
  window: number,
  one: () => Promise<unknown>,
): Promise<{ tps: number; p50: number }> {
  const rts: number[] = [];
  let failed = 0;
  const start = Date.now();
  const deadline = start + seconds * 1000;
  await Promise.all(
    Array.from({ length: window }, async () => {
      while (Date.now() < deadline) {
        const t0 = process.hrtime.bigint();
        try {
          await one();
          rts.push(Number(process.hrtime.bigint() - t0) / 1e6);
        } catch {
          failed++;
        }
      }
    }),
  );
  rts.sort((a, b) => a - b);
  if (failed > 0) process.stdout.write(`  (${failed} sends failed in this pass)\n`);
  return { tps: (rts.length * 1000) / (Date.now() - start), p50: rts[Math.floor(rts.length / 2)] ?? 0 };
}

export async function compareTlsToPlain(seconds: number): Promise<void> {
  const cluster = await startTlsCluster();
  const plain = new Producer({
    producerGroup: 'bench_plain',
    nameServer: cluster.namesrv,
    instanceName: 'plain',
  });
  const secure = new Producer({
    producerGroup: 'bench_tls',
    nameServer: cluster.namesrv,
    instanceName: 'tls',
    tls: { ca: cluster.ca },
  });
  try {
    await plain.start();
    await secure.start();
    for (const p of [plain, secure])
      for (let i = 0; i < 100; i++) await p.send(new Message(TOPIC, 'warm-up'));
    process.stdout.write(
      `\nTLS vs plain, same broker (TLS permissive), ${seconds} s per pass, 2 passes each:\n`,
    );
    for (const [label, size, window] of [
      ['sync 128B', 128, 1],
      ['async 128B', 128, 128],
      ['async 4096B', 4096, 128],
    ] as const) {
      const body = Buffer.alloc(size, 'x');
      const run = (p: Producer): Promise<{ tps: number; p50: number }> =>
        measure(seconds / 2, window, () =>
          window === 1 ? p.send(new Message(TOPIC, body)) : p.sendAsync(new Message(TOPIC, body)),
        );
      const a1 = await run(plain);
      const b1 = await run(secure);
      const a2 = await run(plain);
      const b2 = await run(secure);
      const plainTps = (a1.tps + a2.tps) / 2;
      const tlsTps = (b1.tps + b2.tps) / 2;
      process.stdout.write(
        `${label.padEnd(12)} plain ${Math.round(plainTps)} msg/s (p50 ${((a1.p50 + a2.p50) / 2).toFixed(3)} ms)  ` +
          `TLS ${Math.round(tlsTps)} msg/s (p50 ${((b1.p50 + b2.p50) / 2).toFixed(3)} ms)  ratio TLS/plain ${(tlsTps / plainTps).toFixed(2)}\n`,
      );
    }
  } finally {
    await plain.shutdown();
    await secure.shutdown();
    await cluster.stop();
  }
}
