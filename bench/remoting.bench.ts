/**
 * Remoting throughput: pipelined request/response over ONE loopback connection between two processes
 * (this one, the client; bench/remoting-server.ts, the server). 128-byte bodies, a fixed window of
 * requests in flight. Three runs side by side:
 *
 *   echo-plain   bare length-prefixed frames over plain net, one write() per message, coalescing left
 *                to Node: the ceiling for "an application protocol without the RocketMQ header"
 *   echo-corked  the same, corked per received chunk (one writev per chunk, the batching the transport
 *                does): the best case for plain net, shown for scale
 *   json      RemotingClient.invokeAsync, JSON header
 *   rocketmq  RemotingClient.invokeAsync, ROCKETMQ binary header
 *
 * A discarded warm-up run compiles the transport first; then BENCH_ROUNDS rounds (default 2) run the
 * four variants, in reverse order every other round, and the figures are the means over rounds.
 *
 * Run: npm run bench:remoting   (about 45 s; BENCH_SECONDS=n sets the measured seconds per run)
 */
import { spawn } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { SerializeType } from '../src/protocol/codes/misc.js';
import type { SerializeTypeCode } from '../src/protocol/codes/misc.js';
import { createRequest } from '../src/protocol/command/remoting-command.js';
import { RemotingClient } from '../src/transport/index.js';

const ECHO_CODE = 4000;
const BODY = Buffer.alloc(128, 0x61);
const WINDOW = 1000;
const WARMUP_MS = 1500;
const MEASURE_MS = Number(process.env.BENCH_SECONDS ?? 3) * 1000;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);

interface Pipeline {
  /** Starts keeping WINDOW requests in flight; `onAnswer(n)` counts answers. */
  start(onAnswer: (n: number) => void): void;
  stop(): Promise<void>;
}

async function measure(name: string, pipeline: Pipeline, quiet = false): Promise<number> {
  let answered = 0;
  pipeline.start((n) => (answered += n));
  await new Promise((resolve) => setTimeout(resolve, WARMUP_MS));
  const startCount = answered;
  const t0 = performance.now();
  await new Promise((resolve) => setTimeout(resolve, MEASURE_MS));
  const rate = ((answered - startCount) * 1000) / (performance.now() - t0);
  await pipeline.stop();
  if (!quiet)
    console.log(`${name.padEnd(12)} ${Math.round(rate).toLocaleString('en-US').padStart(12)} msgs/s`);
  return rate;
}

function bareEcho(port: number, corked: boolean): Pipeline {
  let socket: net.Socket | undefined;
  let running = true;
  // Same per-message work as an application protocol minus the header: one frame built and written per
  // request, answers split frame by frame; optionally corked per chunk (one writev), as the transport does.
  const sendOne = (): void => {
    const frame = Buffer.allocUnsafe(4 + BODY.length);
    frame.writeInt32BE(BODY.length, 0);
    BODY.copy(frame, 4);
    socket!.write(frame);
  };
  return {
    start(onAnswer) {
      socket = net.connect({ host: '127.0.0.1', port, noDelay: true }, () => {
        if (corked) socket!.cork();
        for (let i = 0; i < WINDOW; i++) sendOne();
        if (corked) socket!.uncork();
      });
      let pending: Buffer = Buffer.alloc(0);
      socket.on('data', (chunk: Buffer) => {
        const data = pending.length ? Buffer.concat([pending, chunk]) : chunk;
        let offset = 0;
        if (corked) socket!.cork();
        while (data.length - offset >= 4) {
          const size = 4 + data.readInt32BE(offset);
          if (data.length - offset < size) break;
          const answer = data.subarray(offset + 4, offset + size);
          if (answer.length !== BODY.length) throw new Error('echo body mismatch');
          offset += size;
          onAnswer(1);
          if (running) sendOne();
        }
        if (corked) socket!.uncork();
        pending = data.subarray(offset);
      });
    },
    async stop() {
      running = false;
      socket?.destroy();
    },
  };
}

function rocketmq(port: number, serializeType: SerializeTypeCode): Pipeline {
  const client = new RemotingClient({ serializeType });
  const addr = `127.0.0.1:${port}`;
  let running = true;
  return {
    start(onAnswer) {
      const sendOne = (): void => {
        client.invokeAsync(addr, createRequest(ECHO_CODE, { body: BODY }), 10_000, (error, response) => {
          if (error) throw error;
          if (response!.body?.length !== BODY.length) throw new Error('echo body mismatch');
          onAnswer(1);
          if (running) sendOne();
        });
      };
      for (let i = 0; i < WINDOW; i++) sendOne();
    },
    async stop() {
      running = false;
      await new Promise((resolve) => setTimeout(resolve, 200));
      await client.shutdown();
    },
  };
}

async function main(): Promise<void> {
  const serverPath = fileURLToPath(new URL('./remoting-server.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', serverPath], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  try {
    const ports = await new Promise<{ rocketmq: number; echoPlain: number; echoCorked: number }>(
      (resolve, reject) => {
        let text = '';
        child.stdout!.on('data', (chunk: Buffer) => {
          text += chunk.toString();
          if (text.includes('\n')) resolve(JSON.parse(text.slice(0, text.indexOf('\n'))));
        });
        child.once('exit', (code) => reject(new Error(`server process exited with ${code}`)));
      },
    );
    console.log(
      `remoting throughput: 1 connection, 2 processes, ${BODY.length} B body, window ${WINDOW}, ` +
        `${WARMUP_MS / 1000} s warm-up + ${MEASURE_MS / 1000} s per run (node ${process.version})`,
    );
    // Discarded: JIT-compiles the transport and codec paths before anything is measured.
    await measure('warm-up', rocketmq(ports.rocketmq, SerializeType.JSON), true);
    const variants: [string, () => Pipeline][] = [
      ['echo-plain', () => bareEcho(ports.echoPlain, false)],
      ['echo-corked', () => bareEcho(ports.echoCorked, true)],
      ['json', () => rocketmq(ports.rocketmq, SerializeType.JSON)],
      ['rocketmq', () => rocketmq(ports.rocketmq, SerializeType.ROCKETMQ)],
    ];
    const totals = new Map<string, number>();
    for (let round = 0; round < ROUNDS; round++) {
      console.log(`round ${round + 1}`);
      const order = round % 2 === 0 ? variants : [...variants].reverse();
      for (const [name, make] of order) {
        totals.set(name, (totals.get(name) ?? 0) + (await measure(name, make())));
      }
    }
    const mean = (name: string): number => totals.get(name)! / ROUNDS;
    const [plain, corked, json, binary] = ['echo-plain', 'echo-corked', 'json', 'rocketmq'].map(mean) as [
      number,
      number,
      number,
      number,
    ];
    console.log('');
    console.log(`mean over ${ROUNDS} rounds (msgs/s)`);
    for (const [name, value] of [
      ['echo-plain', plain],
      ['echo-corked', corked],
      ['json', json],
      ['rocketmq', binary],
    ] as const) {
      console.log(`${name.padEnd(12)} ${Math.round(value).toLocaleString('en-US').padStart(12)}`);
    }
    const ratio = (x: number, ceiling: number): string => `${(x / ceiling).toFixed(2)}x`;
    console.log('');
    console.log(`ratio to ceiling   echo-plain (target >= 0.6x)   echo-corked`);
    console.log(`json               ${ratio(json, plain).padEnd(30)}${ratio(json, corked)}`);
    console.log(`rocketmq (binary)  ${ratio(binary, plain).padEnd(30)}${ratio(binary, corked)}`);
  } finally {
    child.stdin!.end();
    child.kill();
  }
}

await main();
