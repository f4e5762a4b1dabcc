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
  /** Read for NAMESRV_ADDR and RMQ_DEBUG. */
  env: Readonly<Record<string, string | undefined>>;
}

/** The real terminal and environment. */
export const processIo: CliIo = { stdout: process.stdout, stderr: process.stderr, env: process.env };
