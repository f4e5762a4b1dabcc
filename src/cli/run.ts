/**
 * Dispatch of `rmq <command> ...` to `commands/<name>.ts`, which export `description` and
 * `run(argv, io)`; commands load lazily. Errors become one line on stderr and an exit code, so the
 * binary (main.ts) and in-process callers (tests) see the same result.
 */
import { CliError } from './cli-error.js';
import { processIo } from './io.js';
import type { CliIo } from './io.js';

interface CommandModule {
  description: string;
  run(argv: string[], io: CliIo): Promise<number | void>;
}

/** Subcommands in the order `rmq --help` lists them. */
const COMMANDS = [
  'demo',
  'dev',
  'namesrv',
  'broker',
  'send',
  'recall',
  'consume',
  'request',
  'bench',
  'reply',
  'route',
  'query',
  'trace',
  'topic',
  'offset',
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

async function printHelp(io: CliIo): Promise<void> {
  const lines = ['Usage: rmq <command> [options]', '', 'Commands:'];
  for (const name of COMMANDS) {
    const mod = await load(name);
    if (mod) lines.push(`  ${name.padEnd(10)} ${mod.description}`);
  }
  lines.push('', 'Run `rmq <command> --help` for the options of a command.');
  io.stdout.write(`${lines.join('\n')}\n`);
}

async function dispatch(argv: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    await printHelp(io);
    return name === undefined ? 1 : 0;
  }
  if (name === '--version' || name === '-v') {
    const { readFileSync } = await import('node:fs');
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    io.stdout.write(`${pkg.version}\n`);
    return 0;
  }
  const mod = (COMMANDS as readonly string[]).includes(name) ? await load(name) : undefined;
  if (!mod) {
    io.stderr.write(`rmq: unknown command "${name}". Run \`rmq --help\` for the list.\n`);
    return 2;
  }
  return (await mod.run(rest, io)) ?? 0;
}

/** Runs `rmq ...argv` and resolves with its exit code; never rejects. */
export async function run(argv: string[], io: CliIo = processIo): Promise<number> {
  try {
    return await dispatch(argv, io);
  } catch (err) {
    // One clear line, never a stack trace, for the errors users cause (bad flags, unreachable servers).
    const message = err instanceof Error ? err.message : String(err);
    io.stderr.write(`rmq: ${message}\n`);
    if (io.env.RMQ_DEBUG && err instanceof Error && !(err instanceof CliError)) {
      io.stderr.write(`${err.stack}\n`);
    }
    return err instanceof CliError ? err.exitCode : 1;
  }
}
