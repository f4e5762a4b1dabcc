/**
 * `rmq dev --inject SPEC[;SPEC...] [--inject-seed N]`: faults of the development broker, for trying a
 * client's failure handling by hand (src/server/faults/fault-rules.ts; spec syntax in parseFaultSpec).
 */
import { parseFaultSpec } from '../server/faults/fault-rules.js';
import type { ClusterFaultRule } from '../server/faults/fault-rules.js';
import { intFlag } from './args.js';
import { CliError } from './cli-error.js';

export const INJECT_FLAGS = {
  inject: {
    type: 'string',
    value: 'SPEC',
    description:
      'Faults, ";"-separated: KIND[,key=value...], KIND one of latency, busy, respond, drop, refuse-connections, stall-flush; keys codes, topics (joined with +), fraction, count, millis, response, remark (e.g. "busy,codes=SEND_MESSAGE_V2,fraction=0.3")',
  },
  'inject-seed': {
    type: 'string',
    value: 'N',
    description: 'Seed of the fraction draws (reproducible runs)',
  },
} as const;

export function faultsFromFlags(flags: {
  inject?: string | undefined;
  'inject-seed'?: string | undefined;
}): { seed?: number; rules: ClusterFaultRule[] } | undefined {
  if (flags.inject === undefined) {
    if (flags['inject-seed'] !== undefined) throw new CliError('--inject-seed needs --inject');
    return undefined;
  }
  const rules: ClusterFaultRule[] = [];
  for (const spec of flags.inject.split(';').map((s) => s.trim())) {
    if (spec === '') continue;
    try {
      rules.push(parseFaultSpec(spec));
    } catch (err) {
      throw new CliError(`--inject: ${(err as Error).message}`);
    }
  }
  if (rules.length === 0) throw new CliError('--inject: no fault given (e.g. --inject busy)');
  const seedFlag = flags['inject-seed'];
  const seed = seedFlag === undefined ? undefined : intFlag('inject-seed', seedFlag, 0, 0, 2 ** 31 - 1);
  return { ...(seed !== undefined && { seed }), rules };
}

/** One line per rule for the ready text. */
export function describeFaults(faults: { rules: readonly ClusterFaultRule[] } | undefined): string[] {
  return (faults?.rules ?? []).map((r) => `fault        ${JSON.stringify(r)}`);
}
