#!/usr/bin/env node
/**
 * `rmq` command-line entry point. Each subcommand lives in `commands/<name>.ts` and exports
 * `description` and `run(argv)`; this file only dispatches, so commands load lazily.
 */
import { CliError } from './cli-error.js';

interface CommandModule {
  description: string;
  run(argv: string[]): Promise<number | void>;
}

/** Subcommands in the order `rmq --help` lists them. */
const COMMANDS = [
  'demo',
  'dev',
  'namesrv',
  'broker',
  'send',
  'consume',
  'route',
  'topic',
  'cluster',
] as const;

async function load(name: string): Promise<CommandModule | undefined> {
  try {
    return (await import(`./commands/${name}.js`)) as CommandModule;
  } catch (err) {
    if (
      (err as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' &&
      String(err).includes(`commands/${name}.`)
    ) {
      return undefined;
    }
    throw err;
  }
}

async function printHelp(): Promise<void> {
  const lines = ['Usage: rmq <command> [options]', '', 'Commands:'];
  for (const name of COMMANDS) {
    const mod = await load(name);
    if (mod) lines.push(`  ${name.padEnd(10)} ${mod.description}`);
  }
  lines.push('', 'Run `rmq <command> --help` for the options of a command.');
  process.stdout.write(`${lines.join('\n')}\n`);
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    await printHelp();
    return name === undefined ? 1 : 0;
  }
  if (name === '--version' || name === '-v') {
    const { readFileSync } = await import('node:fs');
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    process.stdout.write(`${pkg.version}\n`);
    return 0;
  }
  const mod = (COMMANDS as readonly string[]).includes(name) ? await load(name) : undefined;
  if (!mod) {
    process.stderr.write(`rmq: unknown command "${name}". Run \`rmq --help\` for the list.\n`);
    return 2;
  }
  return (await mod.run(rest)) ?? 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    // One clear line, never a stack trace, for the errors users cause (bad flags, unreachable servers).
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`rmq: ${message}\n`);
    if (process.env.RMQ_DEBUG && err instanceof Error && !(err instanceof CliError)) {
      process.stderr.write(`${err.stack}\n`);
    }
    process.exitCode = err instanceof CliError ? err.exitCode : 1;
  },
);
