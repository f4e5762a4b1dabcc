/**
 * Flag specs and value parsers that several subcommands share, so that the same flag reads, validates
 * and documents itself the same way everywhere.
 */
import type { LogLevel } from '../common/logger.js';
import type { FlushDiskType } from '../server/broker/index.js';
import { intFlag } from './args.js';
import { CliError } from './cli-error.js';

export const NAMESRV_FLAG = {
  type: 'string',
  value: 'ADDR',
  description: 'Name server address host:port (several: a;b). Default: env NAMESRV_ADDR',
} as const;

export const TIMEOUT_MS_FLAG = {
  type: 'string',
  value: 'MS',
  default: '3000',
  description: 'Timeout of each request',
} as const;

/** --host of the server commands. */
export const LISTEN_HOST_FLAG = {
  type: 'string',
  value: 'HOST',
  default: '127.0.0.1',
  description: 'Interface to listen on (0.0.0.0 for all)',
} as const;

/** `--max-connections N` of the servers (RemotingServerOptions.maxConnections). */
export const MAX_CONNECTIONS_FLAG = {
  type: 'string',
  value: 'N',
  description:
    "Most client connections open at once (default: no bound of the server's own; all servers of a process share 3/4 of its open-file limit)",
} as const;

/** The maxConnections option of `--max-connections` (none when not given). */
export function maxConnectionsOption(raw: string | undefined): { maxConnections?: number } {
  return raw === undefined ? {} : { maxConnections: intFlag('max-connections', raw, 0, 1) };
}

/** --port of the server commands. */
export function listenPortFlag(defaultPort: string) {
  return {
    type: 'string',
    value: 'PORT',
    default: defaultPort,
    description: 'Port to listen on (0 = any free port)',
  } as const;
}

export function logLevelFlag(defaultLevel: LogLevel) {
  return {
    type: 'string',
    value: 'LEVEL',
    default: defaultLevel,
    description: 'Log to stderr at: debug, info, warn, error, silent',
  } as const;
}

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
