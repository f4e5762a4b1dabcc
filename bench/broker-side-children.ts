/**
 * Child processes and load loops of bench/broker-side.bench.ts: a broker (test/helpers/broker-child.ts)
 * and a remoting echo (bench/remoting-server.ts) started from a given source tree, so a "before" tree
 * (e.g. main in a temp worktree) and this tree run side by side; CPU time of a child read from
 * /proc/<pid>/stat; a fixed window of SEND_MESSAGE_V2 or echo requests kept in flight over one
 * connection.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { createRequest } from '../src/protocol/command/remoting-command.js';
import { SerializeType } from '../src/protocol/codes/misc.js';
import type { SerializeTypeCode } from '../src/protocol/codes/misc.js';
import { RequestCode } from '../src/protocol/codes/request-code.js';
import { SendMessageRequestHeader } from '../src/protocol/headers/send.js';
import { encodeProperties } from '../src/protocol/message/properties.js';
import { RemotingClient } from '../src/transport/index.js';
import { LengthPrefixedFrames } from './length-prefixed-frames.js';

export interface Child {
  readonly child: ChildProcess;
  /** First stdout line, parsed. */
  readonly ready: Record<string, unknown>;
  stop(): Promise<void>;
}

/** Spawns `node [execArgv] --import tsx <root>/<script> ...args` in `root`; waits for its first JSON line. */
export async function startChild(
  root: string,
  script: string,
  args: readonly string[],
  execArgv: readonly string[] = [],
): Promise<Child> {
  const child = spawn(process.execPath, [...execArgv, '--import', 'tsx', path.join(root, script), ...args], {
    cwd: root,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = await new Promise<Record<string, unknown>>((resolve, reject) => {
    let text = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      if (process.env.BENCH_CHILD_STDOUT) process.stderr.write(chunk);
      text += chunk.toString();
      // The first line that is a JSON object (node flags such as --trace-gc may print before it).
      const line = text.split('\n').find((l, i, all) => i < all.length - 1 && l.startsWith('{'));
      if (line !== undefined) resolve(JSON.parse(line) as Record<string, unknown>);
    });
    child.once('exit', (code) => reject(new Error(`${script} in ${root} exited with ${code}`)));
  });
  return {
    child,
    ready,
    async stop() {
      child.stdin!.end();
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** User + system CPU seconds of a process so far (Linux /proc; clock ticks of 1/100 s). */
export function cpuSeconds(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

export interface Load {
  /** Keeps `window` requests in flight; `onAnswer(bytes)` per answer. */
  start(onAnswer: (bodyBytes: number) => void): void;
  stop(): Promise<void>;
}

/** SEND_MESSAGE_V2 of `body` round-robin over `queues` queues of `topic`, like a producer's async send. */
/** `serializeType`: the header form of the requests (the broker answers in the same form). */
export function sendLoad(
  address: string,
  topic: string,
  queues: number,
  body: Buffer,
  window: number,
  serializeType: SerializeTypeCode = SerializeType.JSON,
): Load {
  const client = new RemotingClient({ asyncPermits: 65535, serializeType });
  const drain = new Drain();
  let n = 0;
  return {
    start(onAnswer) {
      const sendOne = (): void => {
        // A distinct UNIQ_KEY per message, as producers send (the broker must not gain from repeats).
        const uniq = `BENCH${String(n).padStart(27, '0')}`;
        const properties = encodeProperties({ WAIT: 'true', UNIQ_KEY: uniq });
        const extFields = SendMessageRequestHeader.encode(
          {
            producerGroup: 'BENCH_PG',
            topic,
            defaultTopic: 'TBW102',
            defaultTopicQueueNums: 4,
            queueId: n++ % queues,
            sysFlag: 0,
            bornTimestamp: Date.now(),
            flag: 0,
            properties,
            reconsumeTimes: 0,
            unitMode: false,
            batch: false,
          },
          { v2: true },
        );
        const request = createRequest(RequestCode.SEND_MESSAGE_V2, { extFields, body });
        drain.outstanding++;
        client.invokeAsync(address, request, 30_000, (error, response) => {
          if (error) throw error;
          if (response!.code !== 0) throw new Error(`send refused: ${response!.code} ${response!.remark}`);
          if (drain.answered()) return;
          onAnswer(body.length);
          sendOne();
        });
      };
      for (let i = 0; i < window; i++) sendOne();
    },
    async stop() {
      await drain.stop();
      await client.shutdown();
    },
  };
}

/**
 * Stopping a load waits for every request in flight to be answered: otherwise a slow server still
 * works through the old window while the next variant is measured.
 */
class Drain {
  outstanding = 0;
  private running = true;
  private idle: (() => void) | undefined;

  /** Counts an answer; true when the load is stopping (send no more). */
  answered(): boolean {
    this.outstanding--;
    if (this.running) return false;
    if (this.outstanding === 0) this.idle?.();
    return true;
  }

  stop(): Promise<void> {
    this.running = false;
    if (this.outstanding === 0) return Promise.resolve();
    return new Promise((resolve) => (this.idle = resolve));
  }
}

/** The remoting echo (code 4000, JSON header) of bench/remoting-server.ts. */
export function echoLoad(port: number, body: Buffer, window: number): Load {
  const client = new RemotingClient({ asyncPermits: 65535 });
  const drain = new Drain();
  return {
    start(onAnswer) {
      const sendOne = (): void => {
        drain.outstanding++;
        client.invokeAsync(`127.0.0.1:${port}`, createRequest(4000, { body }), 30_000, (error, response) => {
          if (error) throw error;
          if (response!.body?.length !== body.length) throw new Error('echo body mismatch');
          if (drain.answered()) return;
          onAnswer(body.length);
          sendOne();
        });
      };
      for (let i = 0; i < window; i++) sendOne();
    },
    async stop() {
      await drain.stop();
      await client.shutdown();
    },
  };
}

/**
 * Bare [int32 length][payload] frames to the plain echo of bench/remoting-server.ts, each written as one
 * writev of prefix and body; answers are split as views (bench/length-prefixed-frames.ts), never joined.
 */
export function bareEchoLoad(port: number, body: Buffer, window: number): Load {
  let socket: net.Socket | undefined;
  let running = true;
  return {
    start(onAnswer) {
      const prefix = Buffer.alloc(4);
      prefix.writeInt32BE(body.length, 0);
      const sendOne = (): void => {
        socket!.cork();
        socket!.write(prefix);
        socket!.write(body);
        socket!.uncork();
      };
      socket = net.connect({ host: '127.0.0.1', port, noDelay: true }, () => {
        for (let i = 0; i < window; i++) sendOne();
      });
      const frames = new LengthPrefixedFrames();
      const onFrame = (_pieces: Buffer[], payloadLength: number): void => {
        if (payloadLength !== body.length) throw new Error('echo body mismatch');
        onAnswer(body.length);
        if (running) sendOne();
      };
      socket.on('data', (chunk: Buffer) => frames.push(chunk, onFrame));
      socket.on('error', () => undefined);
    },
    async stop() {
      running = false;
      socket?.destroy();
    },
  };
}
