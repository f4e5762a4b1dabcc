/**
 * Queue offsets of a pull consumer, all asked of the queue's master with the API timeout: the group's
 * offsets (Java RemoteBrokerOffsetStore: commit, read from the broker or from what this consumer last
 * committed or read) and the queue's own offsets (Java MQAdminImpl: min, max, by time, earliest store
 * time), plus where a reader starts.
 */
import type { ConsumeFromWhere } from '../../../protocol/body/index.js';
import type { ClientConfig } from '../../client-config.js';
import type { ConsumerQueueOffset } from '../../client-members.js';
import type { InstanceCore } from '../../instance-core.js';
import type { MessageQueue } from '../../message-queue.js';
import type { ConsumerAPI } from '../shared/consumer-api.js';
import { queueTarget, resolveBrokerAddr, toOffset } from '../shared/consumer-routing.js';
import type { QueueTarget } from '../shared/consumer-routing.js';

/** The consumer settings the offset calls read. */
export interface OffsetsConfig {
  readonly client: Pick<ClientConfig, 'namespace' | 'mqClientApiTimeout'>;
  /** Where a reader starts when the group has no offset yet. */
  readonly consumeFromWhere: ConsumeFromWhere;
  readonly consumeTimestamp: number;
}

/** What the offset calls need from their consumer. */
export interface OffsetsHost {
  readonly config: OffsetsConfig;
  /** The group with the namespace applied. */
  readonly wireGroup: string;
  /** The running instance and API; throws when the consumer is not running. */
  running(): { instance: InstanceCore; api: ConsumerAPI };
}

export class ConsumerOffsets {
  /** Queue key -> offset last committed or read from the broker. */
  readonly table = new Map<string, bigint>();

  constructor(private readonly host: OffsetsHost) {}

  private target(mq: MessageQueue): QueueTarget {
    return queueTarget(this.host.config.client.namespace, mq);
  }

  /** Runs a request on the queue's master with the API timeout. */
  private async onMaster<T>(
    mq: MessageQueue,
    fn: (api: ConsumerAPI, addr: string, target: QueueTarget, timeoutMillis: number) => Promise<T>,
  ): Promise<T> {
    const { api, instance } = this.host.running();
    const target = this.target(mq);
    const addr = await resolveBrokerAddr(instance, target, 'master');
    return fn(api, addr, target, this.host.config.client.mqClientApiTimeout);
  }

  /** UPDATE_CONSUMER_OFFSET (answered; failures throw). */
  async commit(mq: MessageQueue, offset: bigint | number): Promise<void> {
    const value = toOffset('offset', offset);
    await this.onMaster(mq, async (api, addr, t, ms) => {
      await api.updateConsumerOffset(addr, this.host.wireGroup, t, value, ms);
      this.table.set(t.key, value);
    });
  }

  /**
   * QUERY_CONSUMER_OFFSET (or, with fromStore false, the offset held here if any); -1 when none.
   * zeroIfNotFound false asks the broker not to answer 0 for a group it has no offset of.
   */
  async fetch(mq: MessageQueue, fromStore: boolean, zeroIfNotFound = true): Promise<bigint> {
    const local = this.table.get(this.target(mq).key);
    if (!fromStore && local !== undefined) return local;
    return this.onMaster(mq, async (api, addr, t, ms) => {
      const offset = await api.queryConsumerOffset(addr, this.host.wireGroup, t, ms, zeroIfNotFound);
      if (offset === undefined) return -1n;
      this.table.set(t.key, offset);
      return offset;
    });
  }

  min(mq: MessageQueue): Promise<bigint> {
    return this.onMaster(mq, (api, addr, t, ms) => api.getMinOffset(addr, t, ms));
  }

  max(mq: MessageQueue): Promise<bigint> {
    return this.onMaster(mq, (api, addr, t, ms) => api.getMaxOffset(addr, t, ms));
  }

  search(mq: MessageQueue, timestamp: number): Promise<bigint> {
    return this.onMaster(mq, (api, addr, t, ms) => api.searchOffset(addr, t, timestamp, ms));
  }

  earliestStoreTime(mq: MessageQueue): Promise<number> {
    return this.onMaster(mq, (api, addr, t, ms) => api.getEarliestMsgStoreTime(addr, t, ms));
  }

  /** Where a reader starts: the first offset, the last one, or the group's (else per consumeFromWhere). */
  async start(mq: MessageQueue, from: 'beginning' | 'end' | 'stored'): Promise<bigint> {
    if (from === 'beginning') return this.min(mq);
    if (from === 'end') return this.max(mq);
    const stored = await this.fetch(mq, false);
    if (stored >= 0n) return stored;
    switch (this.host.config.consumeFromWhere) {
      case 'CONSUME_FROM_FIRST_OFFSET':
        return this.min(mq);
      case 'CONSUME_FROM_TIMESTAMP':
        return this.search(mq, this.host.config.consumeTimestamp);
      default:
        return this.max(mq);
    }
  }
}

/**
 * The offsets held for the queues of a wire topic (GET_CONSUMER_STATUS_FROM_CLIENT; Java
 * RemoteBrokerOffsetStore.cloneOffsetTable). Keys are `topic@brokerName@queueId` (topics cannot
 * contain `@`; the queue id follows the last one).
 */
export function offsetsOfTopic(
  offsetTable: ReadonlyMap<string, bigint>,
  wireTopic: string,
): ConsumerQueueOffset[] {
  const out: ConsumerQueueOffset[] = [];
  for (const [key, offset] of offsetTable) {
    const first = key.indexOf('@');
    const last = key.lastIndexOf('@');
    if (first <= 0 || last <= first || key.slice(0, first) !== wireTopic) continue;
    out.push({
      topic: wireTopic,
      brokerName: key.slice(first + 1, last),
      queueId: Number(key.slice(last + 1)),
      offset,
    });
  }
  return out;
}
