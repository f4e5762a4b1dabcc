#!/usr/bin/env node
/** The `rmq` binary: runs the command line with the process's own output and environment. */
import { exitOnBrokenPipe } from './broken-pipe.js';
import { run } from './run.js';

exitOnBrokenPipe(process.stdout);
exitOnBrokenPipe(process.stderr);
void run(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
