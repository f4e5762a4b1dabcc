/**
 * Queue and address helpers of the pull consumer: the readable queues of a route, the wire form of
 * a queue (namespaced topic, map key) and the broker address a request goes to, refreshing the
 * route once when the address is unknown (Java findBrokerAddressInSubscribe / InPublish + update).
 */
import { ClientErrorCode, IllegalArgumentError, MQClientError } from '../../../common/errors.js';
import type { TopicRouteData } from '../../../protocol/body/index.js';
import { isReadable } from '../../../protocol/codes/index.js';
import { wrapNamespace } from '../../../protocol/message/index.js';
import type { InstanceCore } from '../../instance-core.js';
import { MessageQueue } from '../../message-queue.js';
import type { QueueRef } from './consumer-api.js';

/** The readable queues of a route (Java topicRouteData2TopicSubscribeInfo), by broker name then id. */
export function subscribeQueuesFromRoute(topic: string, route: TopicRouteData): MessageQueue[] {
  const queues: MessageQueue[] = [];
  const datas = [...route.queueDatas].sort((a, b) =>
    a.brokerName < b.brokerName ? -1 : a.brokerName > b.brokerName ? 1 : 0,
  );
  for (const q of datas) {
    if (!isReadable(q.perm)) continue;
    for (let i = 0; i < q.readQueueNums; i++) queues.push(new MessageQueue(topic, q.brokerName, i));
  }
  return queues;
}

/** An offset argument as a bigint; negative or fractional values are refused. */
export function toOffset(name: string, value: bigint | number): bigint {
  const v = typeof value === 'number' && Number.isSafeInteger(value) ? BigInt(value) : value;
  if (typeof v !== 'bigint' || v < 0n) {
    throw new IllegalArgumentError(`${name} must be a non-negative integer, got ${String(value)}`);
  }
  return v;
}

/** A queue as sent on the wire (namespaced topic) plus a map key. */
export interface QueueTarget extends QueueRef {
  brokerName: string;
  key: string;
}

export function queueTarget(namespace: string | undefined, mq: MessageQueue): QueueTarget {
  if (!(mq instanceof MessageQueue)) {
    throw new IllegalArgumentError(
      'expected a MessageQueue (from fetchMessageQueues or new MessageQueue(...))',
    );
  }
  const topic = wrapNamespace(namespace, mq.topic);
  return {
    topic,
    queueId: mq.queueId,
    brokerName: mq.brokerName,
    key: `${topic}@${mq.brokerName}@${mq.queueId}`,
  };
}

/**
 * Address of the queue's broker: the given broker id for pulls (any address of the broker name as a
 * fallback), the master for everything else.
 */
export async function resolveBrokerAddr(
  instance: InstanceCore,
  target: QueueTarget,
  brokerId: number | 'master',
): Promise<string> {
  const find = (): string | undefined =>
    brokerId === 'master'
      ? instance.findBrokerAddressInPublish(target.brokerName)
      : instance.findBrokerAddressInSubscribe(target.brokerName, brokerId, false)?.brokerAddr;
  let addr = find();
  if (addr === undefined) {
    await instance.updateTopicRouteInfoFromNameServer(target.topic);
    addr = find();
  }
  if (addr === undefined) {
    throw new MQClientError(`The broker[${target.brokerName}] not exist`, {
      code: ClientErrorCode.BROKER_NOT_EXIST_EXCEPTION,
    });
  }
  return addr;
}
