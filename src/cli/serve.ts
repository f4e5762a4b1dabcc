/**
 * The foreground life of the server commands (`rmq broker`, `rmq dev`, `rmq namesrv`): signal handlers
 * first, then start, one ready text on stdout, and a clean stop on SIGINT / SIGTERM (a second signal
 * exits at once: signals.ts).
 */
import type { Logger } from '../common/logger.js';
import { CliError } from './cli-error.js';
import type { TextOutput } from './io.js';
import { onStopSignals } from './signals.js';

/** One-line CliErrors for the usual reasons a server cannot start; other errors as they are. */
export function describeListenError(
  err: unknown,
  what: string,
  portNames: ReadonlyMap<number, string> = new Map(),
): Error {
  const e = err as NodeJS.ErrnoException & { address?: string; port?: number };
  if (e.code === 'EADDRINUSE') {
    const where = e.port === undefined ? 'port' : `${e.address ?? ''}:${e.port}`;
    const role = e.port === undefined ? undefined : portNames.get(e.port);
    return new CliError(
      `${what}: ${where}${role ? ` (${role})` : ''} is already in use (try another port, or 0)`,
      1,
    );
  }
  if (e.code === 'EADDRNOTAVAIL') return new CliError(`${what}: no such local address`, 1);
  if (e.code === 'ELOCKED' || /lock/i.test(e.message ?? '')) return new CliError(`${what}: ${e.message}`, 1);
  return err as Error;
}

export interface ForegroundServer<T> {
  logger: Logger;
  /** Names the server in start errors, e.g. "broker on 127.0.0.1:10911" (no "rmq" prefix: run adds it). */
  what: string;
  /** Which server a port belongs to, for "address in use" errors of a command with several. */
  portNames?: ReadonlyMap<number, string>;
  start(): Promise<T>;
  /** Where readyText goes. */
  stdout: TextOutput;
  /** Written to stdout once started. */
  readyText(started: T): string;
  stop(started: T): Promise<void>;
}

/** Starts the server, announces it, and stops it on the first SIGINT / SIGTERM; resolves with 0. */
export async function serveUntilSignal<T>(server: ForegroundServer<T>): Promise<number> {
  const signal = onStopSignals((name) => server.logger.warn(`${name} received, shutting down`));
  try {
    let started: T;
    try {
      started = await server.start();
    } catch (err) {
      throw describeListenError(err, server.what, server.portNames);
    }
    server.stdout.write(server.readyText(started));
    await signal.received;
    await server.stop(started);
    return 0;
  } finally {
    signal.dispose();
  }
}
