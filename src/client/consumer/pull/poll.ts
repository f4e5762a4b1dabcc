/**
 * Reading a whole topic with a PullConsumer: every readable queue, from the first offset, the last
 * one or the group's stored offset, in rounds (one non-blocking pull per queue, in parallel; queue
 * order within a round). Stops after `maxMessages`, or when no queue has had anything new for
 * `idleTimeoutMillis` (0: as soon as every queue is caught up), or at once when `signal` aborts
 * (the pulls under way are cancelled; the iteration just ends). With
 * `commit`, the offset after each message handed out is committed for the group — after the caller
 * has taken it, so a crash re-reads rather than skips (at least once).
 */
import { setMaxListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { AbortError } from '../../../common/abort-error.js';
import { IllegalArgumentError } from '../../../common/errors.js';
import type { MessageQueue } from '../../message-queue.js';
import type { PullConsumer } from './pull-consumer.js';
import { PullStatus } from '../shared/pull-result.js';
import type { PulledMessage } from '../shared/pull-result.js';
import type { SubscriptionExpression } from '../shared/subscription.js';

/** Options of `PullConsumer.poll` / pollMessages. */
export interface PollOptions {
  /** Tag expression or MessageSelector (SQL92). Default `*`. */
  subExpression?: SubscriptionExpression;
  /** Start offsets: `beginning` (min offset), `end` (max offset) or `stored` (the group's). Default `stored`. */
  from?: 'beginning' | 'end' | 'stored';
  /** Commit the group's offsets as messages are taken. Default false. */
  commit?: boolean;
  /** Stop after this many messages. Default: no limit. */
  maxMessages?: number;
  /** Stop once nothing new arrived for this long, ms; 0 = as soon as caught up. Default 0. */
  idleTimeoutMillis?: number;
  /** Messages asked per pull. Default 32. */
  batchSize?: number;
  /** Pause between rounds that found nothing, ms. Default 100. */
  pollIntervalMillis?: number;
  /** Aborting ends the iteration (the pull in flight is abandoned). */
  signal?: AbortSignal;
}

interface QueueCursor {
  mq: MessageQueue;
  offset: bigint;
  committed: bigint;
}

function checkCount(name: string, v: number | undefined, allowZero: boolean): void {
  if (v === undefined) return;
  if (!Number.isInteger(v) || v < 0 || (!allowZero && v === 0)) {
    throw new IllegalArgumentError(
      `poll option ${name} must be a ${allowZero ? 'non-negative' : 'positive'} integer, got ${v}`,
    );
  }
}

/**
 * A signal for one round of pulls that aborts with `signal`, taking one listener from it however many
 * queues are pulled: each pull listens to the signal it is given, and Node warns of a leak past 10
 * listeners on one signal (a topic of 16 queues printed MaxListenersExceededWarning on every poll).
 */
function fanOut(signal: AbortSignal): { signal: AbortSignal; release: () => void } {
  const inner = new AbortController();
  setMaxListeners(0, inner.signal);
  const forward = (): void => inner.abort(signal.reason);
  if (signal.aborted) forward();
  else signal.addEventListener('abort', forward, { once: true });
  return { signal: inner.signal, release: () => signal.removeEventListener('abort', forward) };
}

/** Reads `topic` queue by queue as an async iterator of messages, from where PollOptions.from says, until maxMessages, the idle timeout or the signal ends it. */
export async function* pollMessages(
  consumer: PullConsumer,
  topic: string,
  options: PollOptions = {},
): AsyncGenerator<PulledMessage, void, undefined> {
  checkCount('maxMessages', options.maxMessages, true);
  checkCount('idleTimeoutMillis', options.idleTimeoutMillis, true);
  checkCount('batchSize', options.batchSize, false);
  checkCount('pollIntervalMillis', options.pollIntervalMillis, true);
  const sub = options.subExpression ?? '*';
  const maxMessages = options.maxMessages ?? Infinity;
  const idle = options.idleTimeoutMillis ?? 0;
  const batch = options.batchSize ?? 32;
  const interval = options.pollIntervalMillis ?? 100;
  const from = options.from ?? 'stored';
  const signal = options.signal;
  if (maxMessages === 0) return;

  await consumer.subscribe(topic, sub);
  const queues = await consumer.fetchMessageQueues(topic);
  const cursors: QueueCursor[] = [];
  for (const mq of queues) {
    const offset = await consumer.startOffset(mq, from);
    cursors.push({ mq, offset, committed: offset });
  }
  const commitAll = async (): Promise<void> => {
    if (!options.commit) return;
    for (const c of cursors) {
      if (c.offset === c.committed) continue;
      await consumer.commitOffset(c.mq, c.offset);
      c.committed = c.offset;
    }
  };

  let delivered = 0;
  let lastProgress = Date.now();
  // Set when a pull or a commit failed: the way out then commits nothing more (the broker just
  // refused or failed, and a second try would only add its timeout before the first error shows).
  let failed = false;
  try {
    while (!signal?.aborted) {
      const round = signal === undefined ? undefined : fanOut(signal);
      let results;
      try {
        const pullOptions = round === undefined ? {} : { signal: round.signal };
        results = await Promise.all(
          cursors.map((c) => consumer.pull(c.mq, sub, c.offset, batch, pullOptions)),
        );
      } finally {
        round?.release();
      }
      let progressed = false;
      for (let i = 0; i < cursors.length; i++) {
        const c = cursors[i] as QueueCursor;
        const r = results[i];
        if (r === undefined || r.pullStatus === PullStatus.NO_NEW_MSG) continue;
        if (r.nextBeginOffset !== c.offset) progressed = true;
        if (r.pullStatus === PullStatus.FOUND) {
          for (const m of r.msgFoundList) {
            const trace = consumer.tracer?.consumeBefore([m]);
            try {
              yield m;
            } finally {
              // Also when the caller stops here (break): it took the message.
              consumer.tracer?.consumeAfter(trace, { success: true });
            }
            c.offset = m.queueOffset + 1n;
            if (++delivered >= maxMessages) return;
            if (signal?.aborted) return;
          }
        }
        c.offset = r.nextBeginOffset;
      }
      await commitAll();
      const now = Date.now();
      if (progressed) {
        lastProgress = now;
        continue;
      }
      const waited = now - lastProgress;
      if (waited >= idle) return;
      try {
        await sleep(Math.min(interval, idle - waited), undefined, signal ? { signal } : {});
      } catch {
        return;
      }
    }
  } catch (err) {
    // The signal ended the poll during its pulls (cancelled at once): an end, as during the pause.
    if (err instanceof AbortError && signal?.aborted) return;
    failed = true;
    throw err;
  } finally {
    if (!failed) await commitAll();
  }
}
