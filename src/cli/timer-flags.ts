/** Timer-message and recall flags of `rmq broker` and `rmq dev`, parsed into broker options. */
import type { BrokerOptions } from '../server/broker/index.js';
import { DEFAULT_TIMER_OPTIONS, TIMER_PRECISIONS_MS } from '../server/broker/timer/timer-config.js';
import { intFlag } from './args.js';
import { CliError } from './cli-error.js';

export const TIMER_BROKER_FLAGS = {
  'timer-precision-ms': {
    type: 'string',
    value: 'MS',
    default: String(DEFAULT_TIMER_OPTIONS.timerPrecisionMs),
    description: `Timer message slot width: ${TIMER_PRECISIONS_MS.join(', ')} (Java timerPrecisionMs)`,
  },
  'timer-max-delay-sec': {
    type: 'string',
    value: 'SEC',
    default: String(DEFAULT_TIMER_OPTIONS.timerMaxDelaySec),
    description: 'Longest timer delay accepted (Java timerMaxDelaySec, 3 days)',
  },
  'recall-enable': {
    type: 'boolean',
    description:
      'Serve RECALL_MESSAGE (Java recallMessageEnable: off by default on rmq broker, always on in rmq dev)',
  },
} as const;

interface TimerFlagValues {
  'timer-precision-ms'?: string | undefined;
  'timer-max-delay-sec'?: string | undefined;
  'recall-enable'?: boolean | undefined;
}

/** `recallByDefault`: `rmq dev` serves recall without the flag (a development broker). */
export function timerBrokerOptions(flags: TimerFlagValues, recallByDefault = false): Partial<BrokerOptions> {
  const precision = intFlag(
    'timer-precision-ms',
    flags['timer-precision-ms'],
    DEFAULT_TIMER_OPTIONS.timerPrecisionMs,
  );
  if (!(TIMER_PRECISIONS_MS as readonly number[]).includes(precision)) {
    throw new CliError(
      `--timer-precision-ms must be one of ${TIMER_PRECISIONS_MS.join(', ')}, got ${precision}`,
    );
  }
  return {
    timerPrecisionMs: precision,
    timerMaxDelaySec: intFlag(
      'timer-max-delay-sec',
      flags['timer-max-delay-sec'],
      DEFAULT_TIMER_OPTIONS.timerMaxDelaySec,
      1,
    ),
    recallMessageEnable: recallByDefault || flags['recall-enable'] === true,
  };
}
