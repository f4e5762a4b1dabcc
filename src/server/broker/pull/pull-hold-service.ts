/**
 * Long polling (Java PullRequestHoldService + NotifyMessageArrivingListener): a pull that found no new
 * message and carries the SUSPEND flag is parked per (topic, queueId). It is re-run (without
 * suspending again) when a matching message arrives in that queue, or when its hold time ends —
 * the re-run then answers PULL_NOT_FOUND. Parked pulls of a closed connection are dropped.
 */
import { CommandFlag } from '../../../protocol/codes/misc.js';
import type { RemotingCommand } from '../../../protocol/command/remoting-command.js';
import { tagsCode as tagsCodeOf } from '../../../protocol/message/tags-code.js';
import type { Logger } from '../../../common/logger.js';
import type { RemotingChannel } from '../../../transport/types.js';
import type { TagFilter } from './pull-requests.js';

export interface HeldPull {
  channel: RemotingChannel;
  request: RemotingCommand;
  topic: string;
  queueId: number;
  /** The offset the consumer asked for: anything at or past it wakes the pull. */
  offset: bigint;
  filter: TagFilter;
  holdMillis: number;
}

const MAX_TIMER_MILLIS = 0x7fffffff;

interface Parked extends HeldPull {
  timer: NodeJS.Timeout;
}

export type PullRerun = (
  channel: RemotingChannel,
  request: RemotingCommand,
) => Promise<RemotingCommand | undefined>;

export class PullHoldService {
  private readonly table = new Map<string, Set<Parked>>();
  private stopped = false;

  constructor(
    private readonly rerun: PullRerun,
    private readonly logger: Logger,
  ) {}

  private static key(topic: string, queueId: number): string {
    return `${topic}@${queueId}`;
  }

  get size(): number {
    let n = 0;
    for (const s of this.table.values()) n += s.size;
    return n;
  }

  suspend(pull: HeldPull): void {
    // The connection may have closed while the pull read the store: onChannelClosed has already run
    // and would never see this entry, which would then be held (with its request) until it expires.
    if (this.stopped || pull.channel.closed) return;
    const key = PullHoldService.key(pull.topic, pull.queueId);
    let set = this.table.get(key);
    if (!set) {
      set = new Set();
      this.table.set(key, set);
    }
    const parked: Parked = {
      ...pull,
      // The hold time comes from the client; Node turns delays past 2^31-1 ms into 1 ms (and warns).
      timer: setTimeout(
        () => this.wake(key, parked),
        Math.min(MAX_TIMER_MILLIS, Math.max(0, pull.holdMillis)),
      ),
    };
    parked.timer.unref?.();
    set.add(parked);
  }

  /**
   * A message reached `topic`/`queueId` at `queueOffset` with the given tags (store listener).
   * Pulls waiting for that offset or an earlier one, whose tag filter matches, are re-run.
   */
  onMessageArrived(topic: string, queueId: number, queueOffset: bigint, tags?: string): void {
    const key = PullHoldService.key(topic, queueId);
    const set = this.table.get(key);
    if (!set) return;
    const code = tags === undefined ? undefined : Number(BigInt.asIntN(32, tagsCodeOf(tags)));
    for (const p of [...set]) {
      if (queueOffset < p.offset) continue;
      if (code !== undefined && p.filter.codes && !p.filter.codes.has(code)) continue;
      this.wake(key, p);
    }
  }

  /** Drops the parked pulls of a closed connection. */
  onChannelClosed(channel: RemotingChannel): void {
    for (const [key, set] of this.table) {
      for (const p of set) {
        if (p.channel.id === channel.id) {
          clearTimeout(p.timer);
          set.delete(p);
        }
      }
      if (set.size === 0) this.table.delete(key);
    }
  }

  private wake(key: string, p: Parked): void {
    const set = this.table.get(key);
    if (!set?.delete(p)) return;
    clearTimeout(p.timer);
    if (set.size === 0) this.table.delete(key);
    if (p.channel.closed) return;
    this.rerun(p.channel, p.request).then(
      (response) => {
        if (!response || p.channel.closed) return;
        response.opaque = p.request.opaque;
        response.flag |= CommandFlag.RESPONSE;
        p.channel.send(response).catch((err: unknown) => {
          this.logger.debug({ err: (err as Error).message }, 'could not answer a held pull');
        });
      },
      (err: unknown) => this.logger.warn({ err: (err as Error).message }, 'held pull failed'),
    );
  }

  /** Answers nothing more; parked pulls are dropped (their clients time out or reconnect). */
  stop(): void {
    this.stopped = true;
    for (const set of this.table.values()) for (const p of set) clearTimeout(p.timer);
    this.table.clear();
  }
}
