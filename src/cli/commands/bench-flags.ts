/**
 * The flags of `rmq bench`, shared by its producer run (bench.ts) and its consumer run
 * (bench-consume.ts): one table, so `--help` shows both. Flags that have a default in one run only
 * carry none here (the run applies it), so a flag given to the wrong run is seen and refused.
 */
import { ACL_CLIENT_FLAGS } from '../acl-flags.js';
import type { ParsedFlags } from '../args.js';
import { CliError } from '../cli-error.js';
import { COMPRESS_FLAG } from '../compress-flag.js';
import { NAMESRV_FLAG } from '../flags.js';
import { CLIENT_TLS_FLAGS } from '../tls-flags.js';

/** The two usage lines: producer, then consumer. */
export const BENCH_USAGE =
  'rmq bench --namesrv ADDR --topic T [--mode sync|async|oneway|batch] [--size B] [--threads N | --window W] [--duration S] [--batch-size N] [--auto-batch] [--compress zlib|lz4|zstd] [--serialize-type json|rocketmq] [--json] [--plot FILE.html]\n' +
  '       rmq bench --consume --namesrv ADDR --topic T [--group G] [--tag EXPR | --sql EXPR] [--broadcast] [--orderly] [--threads N] [--from first|last|timestamp:MS] [--fail-rate R] [--duration S] [--serialize-type json|rocketmq] [--json] [--plot FILE.html]';

/** `--serialize-type`: the clients' serializeType option (json when not given). */
export function serializeTypeOf(raw: string | undefined): { serializeType: 'JSON' | 'ROCKETMQ' } {
  const type = (raw ?? 'json').toLowerCase();
  if (type === 'json') return { serializeType: 'JSON' };
  if (type === 'rocketmq') return { serializeType: 'ROCKETMQ' };
  throw new CliError(`--serialize-type must be json or rocketmq, got "${raw}"`);
}

/** Every flag of `rmq bench`; each says which run reads it. */
export const BENCH_FLAGS = {
  namesrv: NAMESRV_FLAG,
  topic: {
    type: 'string',
    value: 'TOPIC',
    default: 'BenchmarkTest',
    description: 'Topic to send to / consume',
  },
  consume: {
    type: 'boolean',
    description: 'Benchmark a push consumer: consume TPS, born-to-consume and store-to-consume latency',
  },
  mode: {
    type: 'string',
    value: 'MODE',
    description: 'Producer: sync, async, oneway or batch (default async)',
  },
  size: { type: 'string', value: 'B', description: 'Producer: body size, bytes (default 128)' },
  threads: {
    type: 'string',
    value: 'N',
    description:
      'Producer sync/batch: concurrent senders (default 64); --consume: handler calls at once (default 20)',
  },
  window: { type: 'string', value: 'W', description: 'Producer async/oneway: sends in flight (default 128)' },
  duration: {
    type: 'string',
    value: 'S',
    description:
      'Seconds of load (default 10); --consume: seconds to consume (default: until SIGINT/SIGTERM)',
  },
  'batch-size': {
    type: 'string',
    value: 'N',
    description: 'Producer batch mode: messages per batch (default 32)',
  },
  'auto-batch': { type: 'boolean', description: 'Producer: autoBatch on (sync and async sends)' },
  compress: {
    ...COMPRESS_FLAG,
    description: 'Producer: compress every body with zlib, lz4 or zstd, whatever its size',
  },
  tag: {
    type: 'string',
    value: 'TAG',
    description: 'Producer: message tag; --consume: tag expression (default *)',
  },
  sql: { type: 'string', value: 'EXPR', description: '--consume: SQL92 filter on message properties' },
  broadcast: {
    type: 'boolean',
    description: '--consume: broadcasting (offsets kept in <tmpdir>/rmq-offsets)',
  },
  orderly: { type: 'boolean', description: '--consume: orderly consumption (queues locked, in order)' },
  from: {
    type: 'string',
    value: 'WHERE',
    description: '--consume: where a group with no offset starts: first, last or timestamp:MS (default last)',
  },
  'fail-rate': {
    type: 'string',
    value: 'R',
    description: '--consume: fraction of deliveries answered "reconsume later", 0..1 (default 0)',
  },
  group: {
    type: 'string',
    value: 'G',
    description:
      'Producer group (default benchmark_producer); consumer group (default benchmark_consumer_<random>)',
  },
  timeout: { type: 'string', value: 'MS', description: 'Producer: send timeout (default 3000)' },
  'serialize-type': {
    type: 'string',
    value: 'TYPE',
    description:
      "Request header form: json (default) or rocketmq (binary, as Java's -Drocketmq.serialize.type=ROCKETMQ)",
  },
  json: { type: 'boolean', description: 'Print one JSON document (no per-second lines)' },
  plot: { type: 'string', value: 'FILE', description: 'Write an HTML page of the run over time' },
  ...CLIENT_TLS_FLAGS,
  ...ACL_CLIENT_FLAGS,
} as const;

/** The parsed flags of `rmq bench`. */
export type BenchFlags = ParsedFlags<typeof BENCH_FLAGS>;

/** Flags only the producer run reads. */
export const PRODUCER_ONLY_FLAGS = [
  'mode',
  'size',
  'window',
  'batch-size',
  'auto-batch',
  'compress',
  'timeout',
] as const;
/** Flags only the consumer run reads. */
export const CONSUMER_ONLY_FLAGS = ['sql', 'broadcast', 'orderly', 'from', 'fail-rate'] as const;

/** Refuses a flag of the other run: "--size is for the producer benchmark; --consume does not read it". */
export function refuseFlags(flags: BenchFlags, names: readonly (keyof BenchFlags)[], why: string): void {
  const given = names.filter((n) => flags[n] !== undefined);
  if (given.length > 0) {
    const list = given.map((n) => `--${String(n)}`).join(', ');
    throw new CliError(`${list} ${given.length === 1 ? 'is' : 'are'} ${why}`);
  }
}

/** `--duration`: seconds in (0, 86400], as ms; `fallback` when not given. */
export function durationMillis(raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  if (!/^\d+(\.\d+)?$/.test(raw) || Number(raw) <= 0 || Number(raw) > 86_400) {
    throw new CliError(`--duration must be a number of seconds in (0, 86400], got "${raw}"`);
  }
  return Number(raw) * 1000;
}
