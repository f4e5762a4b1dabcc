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
 *
 * Bounded work, unlike Java (100,000 pulls parked with a tag no message carries, then a batch of 1,000
 * messages: Java's walk of every parked pull per message froze our event loop for 48 s):
 *   - an arrival touches only the pulls its tags code can wake (HeldQueue indexes them); SQL92
 *     selectors (at most MAX_SELECTORS_PER_QUEUE per queue) are tested against the arrivals from the
 *     next event-loop turn on, at most MAX_SELECTOR_TESTS_PER_TURN tests a turn (see held-queue.ts);
 *   - a woken pull leaves the index at once but is re-run later, at most MAX_RERUNS_PER_TURN per
 *     setImmediate turn (a SQL92 re-run counts SELECTOR_RERUN_UNITS), so a wake of thousands of pulls (or their timeouts firing together) leaves
 *     other connections served in between. A woken pull keeps its place under the caps until it is
 *     re-run; a closed connection's woken pulls are dropped, not re-run.
 */
import { CommandFlag } from '../../../protocol/codes/misc.js';
import type { RemotingCommand } from '../../../protocol/command/remoting-command.js';
import type { MessageArrival } from '../../store/index.js';
import type { Logger } from '../../../common/logger.js';
import type { RemotingChannel } from '../../../transport/types.js';
import type { PullHoldLimits } from '../core/broker-config.js';
import { HeldQueue } from './held-queue.js';
import type { FilterBudget } from './held-queue.js';
import { MAX_TIMER_MILLIS, checkLimits, headerOnly, heldBytes } from './held-pull.js';
import type { HeldPull } from './held-pull.js';

export type { PullHoldLimits, HeldPull };

/** Held pulls re-run per event-loop turn; the rest wait for the next turn (setImmediate). */
export const MAX_RERUNS_PER_TURN = 256;
/**
 * A SQL92 pull's re-run counts as this many: it may read and test up to 16,000 stored messages
 * (sql92-pull.ts), where a tag pull's re-run compares tags codes only.
 */
export const SELECTOR_RERUN_UNITS = 32;
/** SQL92 filter tests per event-loop turn, all queues together (see held-queue.ts). */
export const MAX_SELECTOR_TESTS_PER_TURN = 4_096;

interface Parked extends HeldPull {
  queue: HeldQueue<Parked>;
  bytes: number;
  timer: NodeJS.Timeout | undefined;
  /** held: in its queue's index; woken: waiting to be re-run; done: re-run or dropped. */
  state: 'held' | 'woken' | 'done';
}

/** Work done by the hold service since start (tests bound it; a broker may log it). */
export interface PullHoldStats {
  /** Held pulls re-run (woken by a message or by their hold time). */
  reruns: number;
  /** SQL92 filter tests of a held pull against an arrived message. */
  selectorTests: number;
}

export type PullRerun = (
  channel: RemotingChannel,
  request: RemotingCommand,
) => Promise<RemotingCommand | undefined>;

export class PullHoldService {
  private readonly queues = new Map<string, HeldQueue<Parked>>();
  private readonly byChannel = new Map<number, Set<Parked>>();
  /** Woken pulls in wake order, from `wokenHead` on; re-run in slices by `runTurn`. */
  private woken: Parked[] = [];
  private wokenHead = 0;
  /** Queues with SQL92 arrivals to test in the next turn. */
  private readonly dirty = new Set<HeldQueue<Parked>>();
  private turn: NodeJS.Immediate | undefined;
  private readonly budget: FilterBudget = { left: 0, selectorTests: 0 };
  private reruns = 0;
  private readonly limits: PullHoldLimits;
  private parked = 0;
  private bytes = 0;
  private refused = 0;
  private stopped = false;
  /** The queue of the latest arrival and its table key. */
  private arrivalTopic = '';
  private arrivalQueueId = -1;
  private arrivalKey = '';
  private readonly wakeOne = (p: Parked): void => this.wake(p);

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

  /** Pulls parked, woken ones not yet re-run included (what the caps count). */
  get size(): number {
    return this.parked;
  }

  /** Whether any pull waits for a message (else arrivals need not be reported). */
  get holding(): boolean {
    return this.queues.size > 0;
  }

  /** Bytes kept by the parked pulls (see maxHeldPullBytes). */
  get heldBytes(): number {
    return this.bytes;
  }

  /** Pulls not parked because a cap was reached, since start. */
  get refusedCount(): number {
    return this.refused;
  }

  get stats(): PullHoldStats {
    return { reruns: this.reruns, selectorTests: this.budget.selectorTests };
  }

  /**
   * Parks the pull; false when it is not parked (a cap reached, stopped, or its connection closed).
   * `arrivedMeanwhile` is asked once it is parked: true (a message was stored while the pull read the
   * store, with no held pull to wake then) wakes this pull alone.
   */
  suspend(pull: HeldPull, arrivedMeanwhile?: () => boolean): boolean {
    // The connection may have closed while the pull read the store: onChannelClosed has already run
    // and would never see this entry, which would then be held (with its request) until it expires.
    if (this.stopped || pull.channel.closed) return false;
    const request = headerOnly(pull.request);
    const bytes = heldBytes(request, pull.filter);
    const mine = this.byChannel.get(pull.channel.id);
    const key = PullHoldService.key(pull.topic, pull.queueId);
    let queue = this.queues.get(key);
    const full =
      this.parked >= this.limits.maxHeldPulls
        ? 'maxHeldPulls'
        : (mine?.size ?? 0) >= this.limits.maxHeldPullsPerConnection
          ? 'maxHeldPullsPerConnection'
          : this.bytes + bytes > this.limits.maxHeldPullBytes
            ? 'maxHeldPullBytes'
            : queue && !queue.accepts(pull as Parked)
              ? 'MAX_SELECTORS_PER_QUEUE'
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
    if (!queue) {
      queue = new HeldQueue(key);
      this.queues.set(key, queue);
    }
    const holdMillis = Math.min(
      this.limits.maxPullHoldMillis,
      MAX_TIMER_MILLIS,
      Math.max(0, pull.holdMillis),
    );
    const parked: Parked = { ...pull, request, queue, bytes, timer: undefined, state: 'held' };
    parked.timer = setTimeout(() => this.wake(parked), holdMillis);
    parked.timer.unref?.();
    queue.add(parked);
    if (mine) mine.add(parked);
    else this.byChannel.set(pull.channel.id, new Set([parked]));
    this.parked++;
    this.bytes += bytes;
    if (arrivedMeanwhile?.() === true) this.wake(parked);
    return true;
  }

  /** Takes a held pull out of its queue's index (and its timer off). */
  private unindex(p: Parked): void {
    clearTimeout(p.timer);
    const queue = p.queue;
    queue.delete(p);
    if (queue.size === 0) {
      this.queues.delete(queue.key);
      this.dirty.delete(queue);
    }
  }

  /** Frees the place of a parked pull (under the caps and in its connection's set). */
  private release(p: Parked): void {
    p.state = 'done';
    const mine = this.byChannel.get(p.channel.id);
    mine?.delete(p);
    if (mine?.size === 0) this.byChannel.delete(p.channel.id);
    this.parked--;
    this.bytes -= p.bytes;
  }

  /**
   * A message reached `topic`/`queueId` at `queueOffset` (store listener, once per stored record).
   * Pulls waiting for that offset or an earlier one are woken when the message passes their filter
   * (Java notifyMessageArriving: the tags code for a tag subscription, the properties for SQL92);
   * without `arrival` every waiting pull is woken. Only the pulls the message can wake are touched;
   * SQL92 pulls are tested in the next turn, and woken pulls are re-run from the next turn on.
   */
  onMessageArrived(topic: string, queueId: number, queueOffset: bigint, arrival?: MessageArrival): void {
    // The records of a batch share their queue, so its key is made once (not a new string per message).
    if (this.queues.size === 0) return;
    if (topic !== this.arrivalTopic || queueId !== this.arrivalQueueId) {
      this.arrivalTopic = topic;
      this.arrivalQueueId = queueId;
      this.arrivalKey = PullHoldService.key(topic, queueId);
    }
    const queue = this.queues.get(this.arrivalKey);
    if (!queue) return;
    const code = arrival === undefined ? undefined : Number(BigInt.asIntN(32, arrival.tagsCode));
    queue.arrived(queueOffset, code, arrival?.properties, this.wakeOne);
    if (queue.dirty) {
      this.dirty.add(queue);
      this.schedule();
    }
  }

  /** Drops the parked pulls of a closed connection, woken ones not yet re-run included. */
  onChannelClosed(channel: RemotingChannel): void {
    const mine = this.byChannel.get(channel.id);
    if (!mine) return;
    for (const p of [...mine]) {
      if (p.state === 'held') this.unindex(p);
      this.release(p);
    }
  }

  /** A message or its hold time wakes a held pull: out of the index now, re-run in a later turn. */
  private wake(p: Parked): void {
    if (p.state !== 'held') return;
    this.unindex(p);
    p.state = 'woken';
    this.woken.push(p);
    this.schedule();
  }

  private schedule(): void {
    if (this.turn === undefined && !this.stopped) this.turn = setImmediate(() => this.runTurn());
  }

  /** One turn: tests the SQL92 arrivals kept, then re-runs up to MAX_RERUNS_PER_TURN woken pulls. */
  private runTurn(): void {
    this.turn = undefined;
    this.budget.left = MAX_SELECTOR_TESTS_PER_TURN;
    for (const queue of [...this.dirty]) {
      queue.flush(this.budget, this.wakeOne);
      this.dirty.delete(queue);
      if (queue.dirty) this.dirty.add(queue); // left for the next turn, after the other queues
    }
    let units = 0;
    while (this.wokenHead < this.woken.length && units < MAX_RERUNS_PER_TURN) {
      const p = this.woken[this.wokenHead++]!;
      if (p.state !== 'woken') continue; // its connection closed meanwhile
      this.release(p);
      if (p.channel.closed) continue;
      units += p.selector ? SELECTOR_RERUN_UNITS : 1;
      this.reruns++;
      this.answer(p);
    }
    if (this.wokenHead === this.woken.length) {
      this.woken = [];
      this.wokenHead = 0;
    } else if (this.wokenHead > 1024) {
      this.woken = this.woken.slice(this.wokenHead);
      this.wokenHead = 0;
    }
    if (this.wokenHead < this.woken.length || this.dirty.size > 0) this.schedule();
  }

  private answer(p: Parked): void {
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

  /** Answers nothing more; parked and woken pulls are dropped (their clients time out or reconnect). */
  stop(): void {
    this.stopped = true;
    if (this.turn !== undefined) clearImmediate(this.turn);
    this.turn = undefined;
    for (const mine of this.byChannel.values()) for (const p of mine) clearTimeout(p.timer);
    this.queues.clear();
    this.byChannel.clear();
    this.dirty.clear();
    this.woken = [];
    this.wokenHead = 0;
    this.parked = 0;
    this.bytes = 0;
  }
}
