/**
 * A pull parked by the PullHoldService, what it costs while parked (counted against
 * maxHeldPullBytes), and the validation of the hold's caps.
 */
import type { RemotingCommand } from '../../../protocol/command/remoting-command.js';
import type { Sql92Selector } from '../../../protocol/filter/index.js';
import type { RemotingChannel } from '../../../transport/types.js';
import type { TagFilter } from './pull-requests.js';
import { DEFAULT_PULL_HOLD_LIMITS } from '../core/broker-config.js';
import type { PullHoldLimits } from '../core/broker-config.js';

export interface HeldPull {
  channel: RemotingChannel;
  request: RemotingCommand;
  topic: string;
  queueId: number;
  /** The offset the consumer asked for: anything at or past it wakes the pull. */
  offset: bigint;
  filter: TagFilter;
  /** A SQL92 subscription: woken only by a message whose properties it matches. */
  selector?: Sql92Selector;
  holdMillis: number;
}

/** Node turns timer delays past 2^31-1 ms into 1 ms (and warns). */
export const MAX_TIMER_MILLIS = 0x7fffffff;

/** What a parked pull costs beyond its header strings (entry, timer, maps), roughly. */
const ENTRY_OVERHEAD_BYTES = 512;
/** What each tags code of a parked pull costs in the per-queue index, roughly. */
const TAGS_CODE_INDEX_BYTES = 64;

export function checkLimits(given: Partial<PullHoldLimits>): PullHoldLimits {
  const limits = { ...DEFAULT_PULL_HOLD_LIMITS, ...given };
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isInteger(value) || value < 0)
      throw new RangeError(`${name} must be a non-negative integer, got ${value}`);
  }
  return limits;
}

/** Approximate bytes a parked pull keeps alive: its header strings and its index entries. */
export function heldBytes(request: RemotingCommand, filter: TagFilter): number {
  let bytes = ENTRY_OVERHEAD_BYTES + (request.remark?.length ?? 0);
  bytes += (filter.codes?.size ?? 0) * TAGS_CODE_INDEX_BYTES;
  const fields = request.extFields;
  if (fields) for (const key in fields) bytes += key.length + (fields[key]?.length ?? 0);
  return bytes;
}

/** The request without its body. */
export function headerOnly(request: RemotingCommand): RemotingCommand {
  if (request.body === undefined) return request;
  const { body: _body, ...header } = request;
  return header;
}
