/**
 * Pull outcomes (Java PullStatus / PullResult), the PULL_MESSAGE sysFlag built from the protocol's
 * PullSysFlag bits (re-exported here for the public API), and the mapping from a PULL_MESSAGE response
 * code to a status (reference §13.4): 0 FOUND, 19 NO_NEW_MSG, 20 NO_MATCHED_MSG, 21 OFFSET_ILLEGAL;
 * any other code is a broker error.
 */
import { jsonFields } from '../../../common/json-form.js';
import type { MessageExt } from '../../../protocol/message/index.js';
import { ResponseCode } from '../../../protocol/codes/index.js';
import { PullSysFlag } from '../../../protocol/headers/pull.js';

export { PullSysFlag };

/** Outcome of a pull (Java PullStatus). */
export const PullStatus = {
  /** At least one message came back (after the client-side tag filter the list may be empty). */
  FOUND: 'FOUND',
  /** The queue has nothing at or after the offset (yet). */
  NO_NEW_MSG: 'NO_NEW_MSG',
  /** Entries were scanned but none matched the tag filter; continue at nextBeginOffset. */
  NO_MATCHED_MSG: 'NO_MATCHED_MSG',
  /** The offset is out of range; nextBeginOffset is the broker's suggestion. */
  OFFSET_ILLEGAL: 'OFFSET_ILLEGAL',
} as const;
/** Outcome of a pull (Java PullStatus). */
export type PullStatus = (typeof PullStatus)[keyof typeof PullStatus];

export function buildPullSysFlag(flags: {
  commitOffset?: boolean;
  suspend?: boolean;
  subscription?: boolean;
  classFilter?: boolean;
}): number {
  return (
    (flags.commitOffset ? PullSysFlag.COMMIT_OFFSET : 0) |
    (flags.suspend ? PullSysFlag.SUSPEND : 0) |
    (flags.subscription ? PullSysFlag.SUBSCRIPTION : 0) |
    (flags.classFilter ? PullSysFlag.CLASS_FILTER : 0)
  );
}

/** Undefined for a code that is not a pull status (the caller raises a broker error). */
export function pullStatusOfCode(code: number): PullStatus | undefined {
  switch (code) {
    case ResponseCode.SUCCESS:
      return PullStatus.FOUND;
    case ResponseCode.PULL_NOT_FOUND:
      return PullStatus.NO_NEW_MSG;
    case ResponseCode.PULL_RETRY_IMMEDIATELY:
      return PullStatus.NO_MATCHED_MSG;
    case ResponseCode.PULL_OFFSET_MOVED:
      return PullStatus.OFFSET_ILLEGAL;
    default:
      return undefined;
  }
}

/** A consumed message: MessageExt plus what the pull consumer adds (Java sets transactionId). */
export interface PulledMessage extends MessageExt {
  /** UNIQ_KEY of a transactional (TRAN_MSG=true) message. */
  transactionId?: string;
}

/** What one pull returned (Java PullResult): status, next offset, the queue's min/max offsets and the messages. */
export class PullResult {
  constructor(
    /** FOUND, NO_NEW_MSG, NO_MATCHED_MSG or OFFSET_ILLEGAL. */
    readonly pullStatus: PullStatus,
    /** Offset to pull from next. */
    readonly nextBeginOffset: bigint,
    /** The queue's first offset still stored. */
    readonly minOffset: bigint,
    /** The queue's offset after its last message. */
    readonly maxOffset: bigint,
    /** Decoded messages (FOUND only), after the client-side tag filter. */
    readonly msgFoundList: PulledMessage[] = [],
    /** The broker id the broker suggests pulling from next. */
    readonly suggestWhichBrokerId = 0,
  ) {}

  /** What JSON.stringify writes: every field, offsets as decimal strings, messages in their JSON form. */
  toJSON(): Record<string, unknown> {
    return jsonFields(this);
  }

  /** Java's PullResult.toString: status, offsets and message count. */
  toString(): string {
    return `PullResult [pullStatus=${this.pullStatus}, nextBeginOffset=${this.nextBeginOffset}, minOffset=${this.minOffset}, maxOffset=${this.maxOffset}, msgFoundList=${this.msgFoundList.length}]`;
  }
}
