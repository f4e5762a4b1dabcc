/**
 * `rmq broker`: runs one broker (master) in the foreground until SIGINT / SIGTERM, registered with the
 * given name servers.
 */
import { consoleLogger } from '../../common/logger.js';
import type { LogLevel } from '../../common/logger.js';
import { Broker } from '../../server/broker/index.js';
import type { FlushDiskType } from '../../server/broker/index.js';
import { intFlag, parseFlags } from '../args.js';
import { CliError } from '../cli-error.js';

export const description = 'Run a broker (message store) registered with name servers';

const USAGE =
  'rmq broker --namesrv 127.0.0.1:9876 [--host 127.0.0.1] [--port 10911] [--name broker-a] [--cluster DefaultCluster] [--store DIR] [--flush async|sync]';

const FLAGS = {
  namesrv: {
    type: 'string',
    value: 'ADDRS',
    description: 'Name server address(es), ";"- or ","-separated (required)',
  },
  host: {
    type: 'string',
    value: 'HOST',
    default: '127.0.0.1',
    description: 'Interface to listen on (0.0.0.0 for all)',
  },
  port: {
    type: 'string',
    value: 'PORT',
    default: '10911',
    description: 'Port to listen on (0 = any free port)',
  },
  name: { type: 'string', value: 'NAME', default: 'broker-a', description: 'Broker name' },
  cluster: { type: 'string', value: 'NAME', default: 'DefaultCluster', description: 'Cluster name' },
  store: { type: 'string', value: 'DIR', description: 'Store directory (default: $HOME/store, as Java)' },
  flush: {
    type: 'string',
    value: 'MODE',
    default: 'async',
    description: 'Disk flush: async (ack after write) or sync (ack after fsync)',
  },
  'advertise-ip': {
    type: 'string',
    value: 'IP',
    description: 'Address to register and put in message ids (default: --host)',
  },
  'no-auto-create': {
    type: 'boolean',
    description: 'Do not create unknown topics on first send (no TBW102)',
  },
  'log-level': {
    type: 'string',
    value: 'LEVEL',
    default: 'info',
    description: 'Log to stderr at: debug, info, warn, error, silent',
  },
} as const;

const LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error', 'silent'];

export function parseLogLevel(raw: string | undefined, fallback: LogLevel): LogLevel {
  const level = (raw ?? fallback) as LogLevel;
  if (!LEVELS.includes(level))
    throw new CliError(`--log-level must be one of ${LEVELS.join(', ')}, got "${level}"`);
  return level;
}

export function parseFlush(raw: string | undefined): FlushDiskType {
  const v = (raw ?? 'async').toLowerCase();
  if (v === 'async' || v === 'async_flush') return 'ASYNC_FLUSH';
  if (v === 'sync' || v === 'sync_flush') return 'SYNC_FLUSH';
  throw new CliError(`--flush must be async or sync, got "${raw}"`);
}

export function parseNamesrv(raw: string | undefined): string[] {
  const list = (raw ?? '')
    .split(/[;,]/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  for (const a of list) {
    if (!/^.+:\d{1,5}$/.test(a)) throw new CliError(`--namesrv: "${a}" is not host:port`);
  }
  return list;
}

/**
 * Resolves on the first SIGINT / SIGTERM. Later signals are only logged, so a second Ctrl-C does not
 * cut a shutdown (and a store flush) short. Install it before announcing readiness.
 */
export function waitForSignal(onSignal: (signal: NodeJS.Signals) => void): Promise<void> {
  return new Promise<void>((resolve) => {
    let received = false;
    const handler = (signal: NodeJS.Signals): void => {
      if (received) {
        process.stderr.write(`${signal} received again, still shutting down\n`);
        return;
      }
      received = true;
      onSignal(signal);
      resolve();
    };
    process.on('SIGINT', handler);
    process.on('SIGTERM', handler);
  });
}

export function describeListenError(err: unknown, what: string): Error {
  const e = err as NodeJS.ErrnoException;
  if (e.code === 'EADDRINUSE')
    return new CliError(`${what}: port already in use (try another port, or 0)`, 1);
  if (e.code === 'EADDRNOTAVAIL') return new CliError(`${what}: no such local address`, 1);
  if (e.code === 'ELOCKED' || /lock/i.test(e.message ?? '')) return new CliError(`${what}: ${e.message}`, 1);
  return err as Error;
}

export async function run(argv: string[]): Promise<number> {
  const flags = parseFlags(argv, USAGE, description, FLAGS);
  if (flags === undefined) return 0;
  const namesrvAddrs = parseNamesrv(flags.namesrv);
  if (namesrvAddrs.length === 0) throw new CliError('--namesrv is required, e.g. --namesrv 127.0.0.1:9876');
  const logger = consoleLogger(parseLogLevel(flags['log-level'], 'info'), 'broker');
  const broker = new Broker({
    namesrvAddrs,
    host: flags.host ?? '127.0.0.1',
    port: intFlag('port', flags.port, 10911, 0, 65535),
    brokerName: flags.name ?? 'broker-a',
    clusterName: flags.cluster ?? 'DefaultCluster',
    flushDiskType: parseFlush(flags.flush),
    autoCreateTopicEnable: flags['no-auto-create'] !== true,
    ...(flags.store !== undefined && { storePath: flags.store }),
    ...(flags['advertise-ip'] !== undefined && { brokerIP: flags['advertise-ip'] }),
    logger,
  });
  const stopped = waitForSignal((signal) => logger.warn(`${signal} received, shutting down`));
  try {
    await broker.start();
  } catch (err) {
    throw describeListenError(err, `broker on ${flags.host}:${flags.port}`);
  }
  process.stdout.write(
    `broker ${broker.brokerName} (cluster ${broker.options.clusterName}) listening on ${broker.address}, ` +
      `store ${broker.options.storePath}, ${broker.options.flushDiskType}, name servers ${namesrvAddrs.join(';')}\n`,
  );
  await stopped;
  await broker.shutdown();
  return 0;
}
