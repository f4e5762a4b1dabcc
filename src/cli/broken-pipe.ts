/**
 * `rmq ... | head`: once the reader closes the pipe, a write fails with EPIPE, which Node reports as
 * an 'error' event on process.stdout (or stderr) and, unhandled, as a crash with a stack trace. Unix
 * tools die quietly of SIGPIPE there; rmq does the same for every command: it stops at once, prints
 * nothing (the reader is gone) and exits 141 (128 + SIGPIPE, what a shell shows for such a tool).
 */

/** Exit status of a command whose output pipe was closed by its reader. */
export const BROKEN_PIPE_EXIT_CODE = 141;

export function exitOnBrokenPipe(
  stream: NodeJS.WritableStream,
  exit: (code: number) => void = (code) => process.exit(code),
): void {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') {
      exit(BROKEN_PIPE_EXIT_CODE);
      return;
    }
    // Any other output error is as fatal as before, with its stack.
    throw err;
  });
}
