/**
 * Flag parsing shared by the subcommands: a thin layer over node:util parseArgs that turns its errors
 * into one-line CliErrors and prints `--help` text.
 */
import { parseArgs } from 'node:util';
import { CliError } from './cli-error.js';
import type { TextOutput } from './io.js';

export interface FlagSpec {
  type: 'string' | 'boolean';
  short?: string;
  default?: string | boolean;
  description: string;
  /** Placeholder shown in help, e.g. "ADDR". */
  value?: string;
  multiple?: boolean;
}

export type FlagSpecs = Record<string, FlagSpec>;

export type ParsedFlags<F extends FlagSpecs> = {
  [K in keyof F]: F[K]['type'] extends 'boolean' ? boolean | undefined : string | undefined;
};

export function helpText(usage: string, description: string, flags: FlagSpecs): string {
  const lines = [`Usage: ${usage}`, '', description, '', 'Options:'];
  for (const [name, spec] of Object.entries(flags)) {
    const left = `  --${name}${spec.value ? ` ${spec.value}` : ''}${spec.short ? `, -${spec.short}` : ''}`;
    const def =
      spec.default !== undefined && spec.default !== false ? ` (default: ${String(spec.default)})` : '';
    lines.push(`${left.padEnd(30)} ${spec.description}${def}`);
  }
  lines.push(`${'  --help, -h'.padEnd(30)} Show this help`);
  return lines.join('\n');
}

/**
 * Parses argv against the flag table. Returns undefined after printing help to `stdout` when --help
 * was given.
 * Unknown flags, missing values and stray positionals become CliErrors with one clear line.
 */
export function parseFlags<F extends FlagSpecs>(
  argv: string[],
  usage: string,
  description: string,
  flags: F,
  stdout: TextOutput,
): ParsedFlags<F> | undefined {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string; default?: string | boolean }> =
    {
      help: { type: 'boolean', short: 'h' },
    };
  for (const [name, spec] of Object.entries(flags)) {
    options[name] = {
      type: spec.type,
      ...(spec.short && { short: spec.short }),
      ...(spec.default !== undefined && { default: spec.default }),
    };
  }
  let values: Record<string, unknown>;
  try {
    ({ values } = parseArgs({
      args: joinDashValues(argv, options),
      options,
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new CliError(`${(err as Error).message.split('\n')[0]} (see --help)`);
  }
  if (values.help) {
    stdout.write(`${helpText(usage, description, flags)}\n`);
    return undefined;
  }
  return values as ParsedFlags<F>;
}

/**
 * `--queue-id -1`: parseArgs refuses a value starting with "-" as "ambiguous" (it could be a flag).
 * A value that is no known flag (a negative number, "-x") is joined to its flag as `--queue-id=-1`, so
 * the flag's own check names the real problem in one line.
 */
function joinDashValues(argv: string[], options: Record<string, { type: string; short?: string }>): string[] {
  const known = new Set<string>();
  for (const [name, o] of Object.entries(options)) {
    known.add(`--${name}`);
    if (o.short !== undefined) known.add(`-${o.short}`);
  }
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const value = argv[i + 1];
    const takesValue = arg.startsWith('--') && options[arg.slice(2)]?.type === 'string';
    if (takesValue && value !== undefined && value.startsWith('-') && !known.has(value.split('=')[0]!)) {
      out.push(`${arg}=${value}`);
      i++;
    } else {
      out.push(arg);
    }
  }
  return out;
}

/** Parses a flag as an integer in [min, max], or throws a CliError naming the flag. */
export function intFlag(
  name: string,
  raw: string | undefined,
  fallback: number,
  min = 0,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (raw === undefined) return fallback;
  if (!/^-?\d+$/.test(raw)) throw new CliError(`--${name} must be a whole number, got "${raw}"`);
  const n = Number(raw);
  if (n < min || n > max) throw new CliError(`--${name} must be between ${min} and ${max}, got ${n}`);
  return n;
}
