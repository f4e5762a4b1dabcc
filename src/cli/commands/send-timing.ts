/**
 * `rmq send` delivery-time flags: --delay-level L (delay levels of the broker, 1..), --deliver-after-ms
 * MS (5.x timer, TIMER_DELAY_MS) and --deliver-at-ms EPOCH_MS (5.x timer, TIMER_DELIVER_MS); at most
 * one of them. Range and past-time checks are the producer's (checkTimerMessage, with the default
 * timerMaxDelaySec the CLI's producer uses), run here before anything connects, so the CLI and the
 * API refuse the same messages with the same words and a bad flag exits 2.
 */
import { checkTimerMessage, Message } from '../../protocol/message/index.js';
import type { MessageInit } from '../../protocol/message/index.js';
import { intFlag } from '../args.js';
import { CliError } from '../cli-error.js';

export const TIMING_FLAGS = {
  'delay-level': {
    type: 'string',
    value: 'L',
    description: 'Delay level of the broker (1 = first level, default list 1s 5s 10s 30s 1m ...)',
  },
  'deliver-after-ms': {
    type: 'string',
    value: 'MS',
    description: '5.x timer message: deliver after MS milliseconds (prints the recall handle)',
  },
  'deliver-at-ms': {
    type: 'string',
    value: 'EPOCH_MS',
    description: '5.x timer message: deliver at this epoch millisecond (prints the recall handle)',
  },
} as const;

type TimingFlagValues = { [K in keyof typeof TIMING_FLAGS]?: string | undefined };

type Timing = Pick<MessageInit, 'delayTimeLevel' | 'delayTimeMs' | 'deliverTimeMs'>;

/** The message fields the flags ask for (none when no flag is given), checked as a send would. */
export function timingOf(flags: TimingFlagValues, now = Date.now()): Timing {
  const timing = parseTiming(flags);
  try {
    checkTimerMessage(new Message('rmq-cli-check', Buffer.alloc(1), timing).properties, now);
  } catch (err) {
    throw new CliError((err as Error).message);
  }
  return timing;
}

function parseTiming(flags: TimingFlagValues): Timing {
  const given = (Object.keys(TIMING_FLAGS) as (keyof typeof TIMING_FLAGS)[]).filter(
    (k) => flags[k] !== undefined,
  );
  if (given.length > 1) {
    throw new CliError(
      `give at most one of ${given.map((k) => `--${k}`).join(', ')}: a message has one delivery time`,
    );
  }
  if (flags['delay-level'] !== undefined)
    return { delayTimeLevel: intFlag('delay-level', flags['delay-level'], 0, 1, 1000) };
  if (flags['deliver-after-ms'] !== undefined) {
    return { delayTimeMs: intFlag('deliver-after-ms', flags['deliver-after-ms'], 0, 1) };
  }
  if (flags['deliver-at-ms'] !== undefined)
    return { deliverTimeMs: intFlag('deliver-at-ms', flags['deliver-at-ms'], 0, 1) };
  return {};
}
