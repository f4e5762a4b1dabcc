/**
 * Long polling (Java PullRequestHoldService + NotifyMessageArrivingListener): a pull that found no new
 * message and carries the SUSPEND flag is parked per (topic, queueId). It is re-run (without
 * suspending again) when a message passing its tag or SQL92 filter arrives in that queue, or when its hold time ends —
 * the re-run then answers PULL_NOT_FOUND. Parked pulls of a closed connection are dropped.
 *
 * Bounded, unlike Java (2,000 pulls parked with a client-chosen hold of 2^31-1 ms took a broker to
 * 1 GB): the hold time is capped (Java clients ask 15 s, push, or 20 s, lite pull), and so are the
 * pulls parked per connection, in all, and the header bytes they keep. A pull beyond a cap is not
 * parked: `suspend` returns false and the caller answers it at once, as Java answers a pull it does
 * not suspend (PULL_NOT_FOUND). A parked request keeps its header only (a pull has no body).
 */
import { CommandFlag } from '../../../protocol/codes/misc.js';
import type { RemotingCommand } from '../../../protocol/command/remoting-command.js';
import { decodeProperties } from '../../../protocol/message/properties.js';
import type { Sql92Selector } from '../../../protocol/filter/index.js';
import type { MessageArrival } from '../../store/index.js';
import type { Logger } from '../../../common/logger.js';
import type { RemotingChannel } from '../../../transport/types.js';
import type { TagFilter } from './pull-requests.js';
import { DEFAULT_PULL_HOLD_LIMITS } from '../core/broker-config.js';
import type { PullHoldLimits } from '../core/broker-config.js';

export type { PullHoldLimits };

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
const MAX_TIMER_MILLIS = 0x7fffffff;

/** What a parked pull costs beyond its header strings (entry, timer, maps), roughly. */
const ENTRY_OVERHEAD_BYTES = 512;

interface Parked extends HeldPull {
  key: string;
  bytes: number;
  timer: NodeJS.Timeout;
}

export type PullRerun = (
  channel: RemotingChannel,
  request: RemotingCommand,
) => Promise<RemotingCommand | undefined>;

function checkLimits(given: Partial<PullHoldLimits>): PullHoldLimits {
  const limits = { ...DEFAULT_PULL_HOLD_LIMITS, ...given };
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isInteger(value) || value < 0)
      throw new RangeError(`${name} must be a non-negative integer, got ${value}`);
  }
  return limits;
}

/** Approximate bytes a request's header keeps alive (its strings). */
function headerBytes(request: RemotingCommand): number {
  let bytes = ENTRY_OVERHEAD_BYTES + (request.remark?.length ?? 0);
  const fields = request.extFields;
  if (fields) for (const key in fields) bytes += key.length + (fields[key]?.length ?? 0);
  return bytes;
}

/** The request without its body. */
function headerOnly(request: RemotingCommand): RemotingCommand {
  if (request.body === undefined) return request;
  const { body: _body, ...header } = request;
  return header;
}

export class PullHoldService {
  private readonly table = new Map<string, Set<Parked>>();
  private readonly byChannel = new Map<number, Set<Parked>>();
  private readonly limits: PullHoldLimits;
  private parked = 0;
  private bytes = 0;
  private refused = 0;
  private stopped = false;
  /** The queue of the latest arrival and its table key. */
  private arrivalTopic = '';
  private arrivalQueueId = -1;
  private arrivalKey = '';

  constructor(
    private readonly rerun: PullRerun,
    private readonly logger: Logger,
    limits: Partial<PullHoldLimits> = {},
  ) {
    this.limits = checkLimits(limits);
  }

  private static key(topic: string, queueId: number): string {
    return `${topic}@${queueId}`;
  }

  get size(): number {
    return this.parked;
  }

  /** Header bytes kept by the parked pulls (see maxHeldPullBytes). */
  get heldBytes(): number {
    return this.bytes;
  }

  /** Pulls not parked because a cap was reached, since start. */
  get refusedCount(): number {
    return this.refused;
  }

  /** Parks the pull; false when it is not parked (a cap reached, stopped, or its connection closed). */
  suspend(pull: HeldPull): boolean {
    // The connection may have closed while the pull read the store: onChannelClosed has already run
    // and would never see this entry, which would then be held (with its request) until it expires.
    if (this.stopped || pull.channel.closed) return false;
    const request = headerOnly(pull.request);
    const bytes = headerBytes(request);
    const mine = this.byChannel.get(pull.channel.id);
    const full =
      this.parked >= this.limits.maxHeldPulls
        ? 'maxHeldPulls'
        : (mine?.size ?? 0) >= this.limits.maxHeldPullsPerConnection
          ? 'maxHeldPullsPerConnection'
          : this.bytes + bytes > this.limits.maxHeldPullBytes
            ? 'maxHeldPullBytes'
            : undefined;
    if (full !== undefined) {
      if (this.refused++ % 1000 === 0) {
        this.logger.warn(
          { remote: pull.channel.remoteAddress, limit: full, parked: this.parked, refused: this.refused },
          'long polling full: pull answered at once instead of parked',
        );
      }
      return false;
    }
    const key = PullHoldService.key(pull.topic, pull.queueId);
    const holdMillis = Math.min(
      this.limits.maxPullHoldMillis,
      MAX_TIMER_MILLIS,
      Math.max(0, pull.holdMillis),
    );
    const parked: Parked = {
      ...pull,
      request,
      key,
      bytes,
      timer: setTimeout(() => this.wake(parked), holdMillis),
    };
    parked.timer.unref?.();
    this.add(parked, mine);
    return true;
  }

  private add(p: Parked, mine: Set<Parked> | undefined): void {
    let set = this.table.get(p.key);
    if (!set) {
      set = new Set();
      this.table.set(p.key, set);
    }
    set.add(p);
    if (mine) mine.add(p);
    else this.byChannel.set(p.channel.id, new Set([p]));
    this.parked++;
    this.bytes += p.bytes;
  }

  /** Forgets a parked pull; false when it was not parked any more. */
  private remove(p: Parked): boolean {
    const set = this.table.get(p.key);
    if (!set?.delete(p)) return false;
    clearTimeout(p.timer);
    if (set.size === 0) this.table.delete(p.key);
    const mine = this.byChannel.get(p.channel.id);
    mine?.delete(p);
    if (mine?.size === 0) this.byChannel.delete(p.channel.id);
    this.parked--;
    this.bytes -= p.bytes;
    return true;
  }

  /**
   * A message reached `topic`/`queueId` at `queueOffset` (store listener). Pulls waiting for that
   * offset or an earlier one are re-run when the message passes their filter (Java
   * notifyMessageArriving: the tags code for a tag subscription, the properties for SQL92); without
   * `arrival` every waiting pull is re-run.
   */
  onMessageArrived(topic: string, queueId: number, queueOffset: bigint, arrival?: MessageArrival): void {
    // Called for every stored message: nothing to do without held pulls, and the records of a batch
    // share their queue, so its key is made once (not a new string to hash per message).
    if (this.parked === 0) return;
    if (topic !== this.arrivalTopic || queueId !== this.arrivalQueueId) {
      this.arrivalTopic = topic;
      this.arrivalQueueId = queueId;
      this.arrivalKey = PullHoldService.key(topic, queueId);
    }
    const set = this.table.get(this.arrivalKey);
    if (!set) return;
    const code = arrival === undefined ? undefined : Number(BigInt.asIntN(32, arrival.tagsCode));
    let properties: Record<string, string> | undefined; // decoded once, when a held pull needs them
    for (const p of [...set]) {
      if (queueOffset < p.offset) continue;
      if (code !== undefined && p.filter.codes && !p.filter.codes.has(code)) continue;
      if (arrival !== undefined && p.selector) {
        properties ??= decodeProperties(arrival.properties);
        if (!p.selector.matches(properties)) continue;
      }
      this.wake(p);
    }
  }

  /** Drops the parked pulls of a closed connection. */
  onChannelClosed(channel: RemotingChannel): void {
    const mine = this.byChannel.get(channel.id);
    if (mine) for (const p of [...mine]) this.remove(p);
  }

  private wake(p: Parked): void {
    if (!this.remove(p) || p.channel.closed) return;
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
    this.byChannel.clear();
    this.parked = 0;
    this.bytes = 0;
  }
}
