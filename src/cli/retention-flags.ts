/** Retention flags of `rmq broker` and `rmq dev` (commit-log and consume-queue clean-up), parsed into broker options. */
import type { BrokerOptions } from '../server/broker/index.js';
import { DEFAULT_STORE_CONFIG, parseDeleteWhen } from '../server/store/index.js';
import { intFlag } from './args.js';
import { CliError } from './cli-error.js';

export const RETENTION_FLAGS = {
  'file-reserved-time': {
    type: 'string',
    value: 'HOURS',
    default: String(DEFAULT_STORE_CONFIG.fileReservedTime),
    description: 'Keep commit-log files this long after their last write (Java fileReservedTime)',
  },
  'delete-when': {
    type: 'string',
    value: 'HOURS',
    default: DEFAULT_STORE_CONFIG.deleteWhen,
    description: `Local hours, ';'-separated, at which expired files are deleted (Java deleteWhen)`,
  },
  'disk-max-used-space-ratio': {
    type: 'string',
    value: 'PCT',
    default: String(DEFAULT_STORE_CONFIG.diskMaxUsedSpaceRatio),
    description: 'Above this disk usage expired files are deleted at any hour (Java diskMaxUsedSpaceRatio)',
  },
  'no-clean-files': {
    type: 'boolean',
    description: 'Never delete commit-log or consume-queue files (a full disk then refuses writes)',
  },
} as const;

interface RetentionFlagValues {
  'file-reserved-time'?: string | undefined;
  'delete-when'?: string | undefined;
  'disk-max-used-space-ratio'?: string | undefined;
  'no-clean-files'?: boolean | undefined;
}

export function retentionOptionsFromFlags(flags: RetentionFlagValues): Partial<BrokerOptions> {
  const deleteWhen = flags['delete-when'] ?? DEFAULT_STORE_CONFIG.deleteWhen;
  try {
    parseDeleteWhen(deleteWhen);
  } catch (err) {
    throw new CliError(`--delete-when: ${(err as Error).message}`);
  }
  return {
    cleanFileEnable: flags['no-clean-files'] !== true,
    fileReservedTime: intFlag(
      'file-reserved-time',
      flags['file-reserved-time'],
      DEFAULT_STORE_CONFIG.fileReservedTime,
      1,
    ),
    deleteWhen,
    diskMaxUsedSpaceRatio: intFlag(
      'disk-max-used-space-ratio',
      flags['disk-max-used-space-ratio'],
      DEFAULT_STORE_CONFIG.diskMaxUsedSpaceRatio,
      10,
      95,
    ),
  };
}
