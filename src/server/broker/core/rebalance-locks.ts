/**
 * Order locks of orderly consumers (Java RebalanceLockManager): a queue belongs to one client of a
 * group until that client unlocks it or the lock is older than `maxLiveMillis` (Java 60 s).
 *
 * Java stores a lock for any queue it is asked about, existing or not, and never drops an expired
 * lock (it is only overwritten), so its table grows with whatever clients send. Here (beyond Java,
 * for safety) only queues this broker serves are stored: the caller says which through `holds`;
 * another queue is answered as locked, as Java answers a free queue, without keeping anything (it has
 * no messages to consume in order). Expired locks are purged (`purgeExpired`, run periodically and
 * when the table is full), and at most `maxLocks` are held in all: a batch that needs more is refused
 * whole (SYSTEM_BUSY), so nothing of it is applied.
 */
import { RequestRefusedError } from '../../../common/errors.js';
import { ResponseCode } from '../../../protocol/codes/response-code.js';

export interface MessageQueueRef {
  topic: string;
  brokerName: string;
  queueId: number;
}

interface LockEntry {
  clientId: string;
  lastUpdate: number;
}

function mqKey(mq: MessageQueueRef): string {
  return `${mq.topic}\u0000${mq.brokerName}\u0000${mq.queueId}`;
}

export class RebalanceLockManager {
  private readonly groups = new Map<string, Map<string, LockEntry>>();
  private held = 0;

  constructor(
    private readonly maxLiveMillis: number,
    private readonly maxLocks = Infinity,
    private readonly now: () => number = Date.now,
  ) {}

  /** Locks stored, all groups together (expired ones not purged yet included). */
  get size(): number {
    return this.held;
  }

  /**
   * Locks (or renews) every queue free, expired or already held by `clientId`; returns those it holds.
   * `holds(mq)` is false for a queue this broker does not serve: answered as locked, not stored.
   */
  tryLockBatch(
    group: string,
    mqs: readonly MessageQueueRef[],
    clientId: string,
    holds: (mq: MessageQueueRef) => boolean = () => true,
  ): MessageQueueRef[] {
    const stored = mqs.map((mq) => (holds(mq) ? mqKey(mq) : undefined));
    this.checkRoom(() => {
      const locks = this.groups.get(group);
      return new Set(stored.filter((k) => k !== undefined && !locks?.has(k))).size;
    });
    const now = this.now();
    const ok: MessageQueueRef[] = [];
    let table = this.groups.get(group);
    mqs.forEach((mq, i) => {
      const key = stored[i];
      if (key === undefined) {
        ok.push(mq);
        return;
      }
      if (table === undefined) {
        table = new Map();
        this.groups.set(group, table);
      }
      const entry = table.get(key);
      if (entry === undefined) this.held++;
      if (!entry || entry.clientId === clientId || now - entry.lastUpdate > this.maxLiveMillis) {
        table.set(key, { clientId, lastUpdate: now });
        ok.push(mq);
      }
    });
    return ok;
  }

  unlockBatch(group: string, mqs: readonly MessageQueueRef[], clientId: string): void {
    const locks = this.groups.get(group);
    if (!locks) return;
    for (const mq of mqs) {
      const key = mqKey(mq);
      if (locks.get(key)?.clientId === clientId && locks.delete(key)) this.held--;
    }
    if (locks.size === 0) this.groups.delete(group);
  }

  /** Drops every lock older than `maxLiveMillis` (nobody holds it any more); returns how many. */
  purgeExpired(): number {
    const now = this.now();
    let purged = 0;
    for (const [group, locks] of this.groups) {
      for (const [key, entry] of locks) {
        if (now - entry.lastUpdate > this.maxLiveMillis) {
          locks.delete(key);
          purged++;
        }
      }
      if (locks.size === 0) this.groups.delete(group);
    }
    this.held -= purged;
    return purged;
  }

  /** Refuses a batch whose new locks (`added()`, counted again after a purge) do not fit. */
  private checkRoom(added: () => number): void {
    if (this.held + added() <= this.maxLocks) return;
    this.purgeExpired();
    if (this.held + added() <= this.maxLocks) return;
    throw new RequestRefusedError(
      ResponseCode.SYSTEM_BUSY,
      `the broker holds ${this.held} order locks and may hold at most ${this.maxLocks} ` +
        `(maxRebalanceLocks): ${added()} more cannot be taken now; try again once locks expire`,
    );
  }
}
