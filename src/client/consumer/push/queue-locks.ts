/**
 * Broker-side queue locks of an orderly clustering consumer (Java RebalanceImpl.lock / lockAll /
 * unlock / unlockAll): LOCK_BATCH_MQ and UNLOCK_BATCH_MQ to the master of each queue's broker. A
 * queue is consumed only while its lock is held and fresh (ProcessQueue.locked, renewed every 20 s by
 * lockAll; stale after 30 s on this side, and the broker lets another member take it after 60 s), so
 * two members never consume one queue at once, even during a rebalance.
 */
import type { Logger } from '../../../common/logger.js';
import {
  decodeLockBatchResponseBody,
  encodeLockBatchRequestBody,
  encodeUnlockBatchRequestBody,
} from '../../../protocol/body/lock-batch.js';
import { RequestCode, ResponseCode } from '../../../protocol/codes/index.js';
import { createRequest } from '../../../protocol/command/remoting-command.js';
import { wrapNamespace } from '../../../protocol/message/index.js';
import type { InstanceCore } from '../../instance-core.js';
import type { MessageQueue } from '../../message-queue.js';
import type { ProcessQueue } from './process-queue.js';

/** Java ProcessQueue.REBALANCE_LOCK_INTERVAL (rocketmq.client.rebalance.lockInterval). */
export const REBALANCE_LOCK_INTERVAL_MILLIS = 20_000;
/** Java ProcessQueue.REBALANCE_LOCK_MAX_LIVE_TIME (rocketmq.client.rebalance.lockMaxLiveTime). */
export const CLIENT_LOCK_MAX_LIVE_MILLIS = 30_000;

export interface QueueLocksHost {
  readonly logger: Logger;
  readonly wireGroup: string;
  readonly namespace: string | undefined;
  readonly timeoutMillis: number;
  running(): { core: InstanceCore };
}

/** Java ProcessQueue.isLockExpired. */
export function isLockExpired(pq: ProcessQueue, now = Date.now()): boolean {
  return now - pq.lastLockTimestamp > CLIENT_LOCK_MAX_LIVE_MILLIS;
}

export class QueueLocks {
  constructor(private readonly host: QueueLocksHost) {}

  private wire(mq: MessageQueue) {
    return {
      topic: wrapNamespace(this.host.namespace, mq.topic),
      brokerName: mq.brokerName,
      queueId: mq.queueId,
    };
  }

  /**
   * LOCK_BATCH_MQ for some queues of one broker; the keys of those now held, or undefined when the
   * broker gave no answer (no address, a timeout, an error code such as SYSTEM_BUSY): that says
   * nothing about the locks held.
   */
  private async lockOnBroker(
    brokerName: string,
    mqs: readonly MessageQueue[],
  ): Promise<Set<string> | undefined> {
    const { core } = this.host.running();
    const addr = core.findBrokerAddressInPublish(brokerName);
    if (addr === undefined) return undefined;
    const body = encodeLockBatchRequestBody({
      consumerGroup: this.host.wireGroup,
      clientId: core.clientId,
      mqSet: mqs.map((mq) => this.wire(mq)),
    });
    try {
      const response = await core.remoting.invokeSync(
        addr,
        createRequest(RequestCode.LOCK_BATCH_MQ, { body }),
        this.host.timeoutMillis,
      );
      if (response.code !== ResponseCode.SUCCESS || response.body === undefined) {
        this.host.logger.warn(
          { brokerName, code: response.code, remark: response.remark },
          'LOCK_BATCH_MQ refused',
        );
        return undefined;
      }
      const held = decodeLockBatchResponseBody(response.body).lockOKMQSet;
      return new Set(held.map((q) => `${q.topic}@${q.brokerName}@${q.queueId}`));
    } catch (err) {
      this.host.logger.warn({ brokerName, err: String(err) }, 'LOCK_BATCH_MQ failed');
      return undefined;
    }
  }

  private wireKey(mq: MessageQueue): string {
    const w = this.wire(mq);
    return `${w.topic}@${w.brokerName}@${w.queueId}`;
  }

  /** Java lock(mq): one queue; on success its ProcessQueue (when given) is marked locked now. */
  async lock(mq: MessageQueue, pq?: ProcessQueue): Promise<boolean> {
    const ok = (await this.lockOnBroker(mq.brokerName, [mq]))?.has(this.wireKey(mq)) === true;
    if (ok && pq !== undefined) {
      pq.locked = true;
      pq.lastLockTimestamp = Date.now();
    }
    return ok;
  }

  /**
   * Java lockAll: renews every held queue, broker by broker; queues the broker's answer leaves out
   * lose their lock. A broker that does not answer changes nothing: its queues keep their state
   * until it answers, or until their lock is stale (isLockExpired) and consumption stops for them.
   */
  async lockAll(pqs: Iterable<ProcessQueue>): Promise<void> {
    const byBroker = new Map<string, ProcessQueue[]>();
    for (const pq of pqs) {
      if (pq.dropped) continue;
      const list = byBroker.get(pq.mq.brokerName) ?? [];
      list.push(pq);
      byBroker.set(pq.mq.brokerName, list);
    }
    await Promise.all(
      [...byBroker].map(async ([brokerName, list]) => {
        const held = await this.lockOnBroker(
          brokerName,
          list.map((pq) => pq.mq),
        );
        if (held === undefined) return;
        const now = Date.now();
        for (const pq of list) {
          if (held.has(this.wireKey(pq.mq))) {
            if (!pq.locked) this.host.logger.info({ mq: pq.mq.key() }, 'queue locked again');
            pq.locked = true;
            pq.lastLockTimestamp = now;
          } else {
            if (pq.locked) this.host.logger.warn({ mq: pq.mq.key() }, 'queue lock lost');
            pq.locked = false;
          }
        }
      }),
    );
  }

  /** UNLOCK_BATCH_MQ for some queues (their ProcessQueues marked unlocked first). */
  async unlock(mqs: readonly MessageQueue[], pqs: readonly ProcessQueue[] = []): Promise<void> {
    for (const pq of pqs) pq.locked = false;
    const byBroker = new Map<string, MessageQueue[]>();
    for (const mq of mqs) byBroker.set(mq.brokerName, [...(byBroker.get(mq.brokerName) ?? []), mq]);
    const { core } = this.host.running();
    await Promise.all(
      [...byBroker].map(async ([brokerName, list]) => {
        const addr = core.findBrokerAddressInPublish(brokerName);
        if (addr === undefined) return;
        const body = encodeUnlockBatchRequestBody({
          consumerGroup: this.host.wireGroup,
          clientId: core.clientId,
          mqSet: list.map((mq) => this.wire(mq)),
        });
        try {
          await core.remoting.invokeSync(
            addr,
            createRequest(RequestCode.UNLOCK_BATCH_MQ, { body }),
            this.host.timeoutMillis,
          );
        } catch (err) {
          this.host.logger.warn(
            { brokerName, err: String(err) },
            'UNLOCK_BATCH_MQ failed (the lock expires)',
          );
        }
      }),
    );
  }
}
