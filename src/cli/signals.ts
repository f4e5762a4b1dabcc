/**
 * SIGINT / SIGTERM for every command: the first asks for a clean stop (the command finishes what is in
 * flight, commits, closes); a second one, when the user will not wait, exits at once with 130. The
 * store survives that like any crash: acknowledged messages are on disk under SYNC_FLUSH, and recovery
 * truncates a torn tail.
 */
export interface StopSignals {
  /** Resolves on the first signal. */
  readonly received: Promise<NodeJS.Signals>;
  /** True once a signal arrived. */
  readonly stopping: boolean;
  /** Removes the handlers (after the command is done, or when it never started). */
  dispose(): void;
}

/** What the second signal writes before exiting; tests replace `exit`. */
export interface ForceExit {
  write(text: string): unknown;
  exit(code: number): void;
}

const processExit: ForceExit = {
  write: (text) => process.stderr.write(text),
  exit: (code) => process.exit(code),
};

export function onStopSignals(
  onFirst: (signal: NodeJS.Signals) => void = () => undefined,
  force: ForceExit = processExit,
): StopSignals {
  let first: NodeJS.Signals | undefined;
  let resolveReceived: (signal: NodeJS.Signals) => void = () => undefined;
  const received = new Promise<NodeJS.Signals>((resolve) => (resolveReceived = resolve));
  const handler = (signal: NodeJS.Signals): void => {
    if (first !== undefined) {
      force.write(`${signal} received again: exiting now, without a clean stop\n`);
      force.exit(130);
      return;
    }
    first = signal;
    onFirst(signal);
    resolveReceived(signal);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    received,
    get stopping() {
      return first !== undefined;
    },
    dispose: () => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}
