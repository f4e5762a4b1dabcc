#!/usr/bin/env node
/** The `rmq` binary: runs the command line with the process's own output and environment. */
import { run } from './run.js';

void run(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
