/**
 * Where a command writes and which environment it reads. The `rmq` binary passes the process's own;
 * tests pass buffers, so that argument, usage and output checks run without spawning a process.
 */

/** A text sink: process.stdout, or anything that collects what is written. */
export interface TextOutput {
  write(text: string): unknown;
}

export interface CliIo {
  stdout: TextOutput;
  stderr: TextOutput;
  /** `--file -` reads it; the process's stdin unless a test gives its own. */
  stdin?: NodeJS.ReadableStream;
  /** Read for NAMESRV_ADDR and RMQ_DEBUG. */
  env: Readonly<Record<string, string | undefined>>;
}

/** The real terminal and environment. */
export const processIo: CliIo = {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
};

/** True when `out` is an interactive terminal (progress lines go there, never into a pipe or file). */
export function isTerminal(out: TextOutput): boolean {
  return (out as { isTTY?: boolean }).isTTY === true;
}
