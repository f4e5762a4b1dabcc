/**
 * The foreground life of the server commands (`rmq broker`, `rmq dev`): signal handlers first, then
 * start, one ready text on stdout, and a clean stop on SIGINT / SIGTERM.
 */
import type { Logger } from '../common/logger.js';
import { CliError } from './cli-error.js';
import type { TextOutput } from './io.js';

/**
 * Resolves on the first SIGINT / SIGTERM. Later signals are only logged, so a second Ctrl-C does not
 * cut a shutdown (and a store flush) short. Install it before announcing readiness.
 */
export function waitForSignal(onSignal: (signal: NodeJS.Signals) => void): {
  received: Promise<void>;
  /** Removes the handlers, for a server that never started. */
  cancel(): void;
} {
  let seen = false;
  let resolveReceived = (): void => undefined;
  const received = new Promise<void>((resolve) => (resolveReceived = resolve));
  const handler = (signal: NodeJS.Signals): void => {
    if (seen) {
      process.stderr.write(`${signal} received again, still shutting down\n`);
      return;
    }
    seen = true;
    onSignal(signal);
    resolveReceived();
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    received,
    cancel: () => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}

/** One-line CliErrors for the usual reasons a server cannot start; other errors as they are. */
export function describeListenError(err: unknown, what: string): Error {
  const e = err as NodeJS.ErrnoException;
  if (e.code === 'EADDRINUSE')
    return new CliError(`${what}: port already in use (try another port, or 0)`, 1);
  if (e.code === 'EADDRNOTAVAIL') return new CliError(`${what}: no such local address`, 1);
  if (e.code === 'ELOCKED' || /lock/i.test(e.message ?? '')) return new CliError(`${what}: ${e.message}`, 1);
  return err as Error;
}

export interface ForegroundServer<T> {
  logger: Logger;
  /** Names the server in start errors, e.g. "broker on 127.0.0.1:10911". */
  what: string;
  start(): Promise<T>;
  /** Where readyText goes. */
  stdout: TextOutput;
  /** Written to stdout once started. */
  readyText(started: T): string;
  stop(started: T): Promise<void>;
}

/** Starts the server, announces it, and stops it on the first SIGINT / SIGTERM; resolves with 0. */
export async function serveUntilSignal<T>(server: ForegroundServer<T>): Promise<number> {
  const signal = waitForSignal((name) => server.logger.warn(`${name} received, shutting down`));
  let started: T;
  try {
    started = await server.start();
  } catch (err) {
    signal.cancel();
    throw describeListenError(err, server.what);
  }
  server.stdout.write(server.readyText(started));
  await signal.received;
  await server.stop(started);
  return 0;
}
