/**
 * Messages by key (Java MQAdminImpl.queryMessage / queryMessageByUniqKey): QUERY_MESSAGE to the
 * master of every broker in the topic's route, at once; the answers are merged and, as Java does,
 * only the messages that really carry the key are kept (a broker's index keeps hashes: it may answer
 * other messages too). By unique key (the msgId a producer's send returned), Java keeps the one
 * stored first; so does this. Unlike Java, finding nothing is an empty list, not an exception; a
 * topic without a route throws NOT_FOUND_TOPIC_EXCEPTION.
 */
import { ClientErrorCode, MQClientError } from '../../../common/errors.js';
import { MASTER_ID } from '../../../protocol/codes/misc.js';
import { wrapNamespace } from '../../../protocol/message/index.js';
import type { ClientConfig } from '../../client-config.js';
import type { InstanceCore } from '../../instance-core.js';
import type { ConsumerAPI } from '../shared/consumer-api.js';
import { toPulledMessage } from '../shared/pull-processing.js';
import type { PulledMessage } from '../shared/pull-result.js';

/** What queryMessage looks for besides the topic and key. */
export interface QueryMessageOptions {
  /** Messages per broker at most (the broker caps it at its maxMsgsNumBatch, 64). Default 32. */
  maxNum?: number;
  /** Store-time range, ms since epoch, both ends included. Default: all time. */
  begin?: number;
  end?: number;
  /** `key` is a message id (UNIQ_KEY): the broker's unique-key query, the one message stored first. */
  uniqueKey?: boolean;
}

export async function queryMessages(
  instance: InstanceCore,
  api: ConsumerAPI,
  config: Pick<ClientConfig, 'namespace' | 'logger' | 'mqClientApiTimeout'>,
  topic: string,
  key: string,
  options: QueryMessageOptions = {},
): Promise<PulledMessage[]> {
  const wireTopic = wrapNamespace(config.namespace, topic);
  let route = instance.getAnExistTopicRouteData(wireTopic);
  if (route === undefined) {
    await instance.updateTopicRouteInfoFromNameServer(wireTopic);
    route = instance.getAnExistTopicRouteData(wireTopic);
  }
  if (route === undefined) {
    throw new MQClientError(`The topic[${topic}] not matched route info`, {
      code: ClientErrorCode.NOT_FOUND_TOPIC_EXCEPTION,
    });
  }
  const unique = options.uniqueKey === true;
  const header = {
    topic: wireTopic,
    key,
    maxNum: options.maxNum ?? 32,
    beginTimestamp: BigInt(Math.trunc(options.begin ?? 0)),
    endTimestamp: options.end === undefined ? 0x7fffffffffffffffn : BigInt(Math.trunc(options.end)),
    uniqueKeyQuery: unique,
  };
  const brokers = route.brokerDatas.flatMap((b) => {
    const addr = b.brokerAddrs.get(MASTER_ID) ?? [...b.brokerAddrs.values()][0];
    return addr === undefined ? [] : [{ brokerName: b.brokerName, addr }];
  });
  // Java waits for every broker and logs the ones that failed; one broker down hides only its part.
  const answers = await Promise.allSettled(
    brokers.map(async ({ brokerName, addr }) => {
      const records = await api.queryMessage(addr, header, config.mqClientApiTimeout * 3);
      return records.map((r) =>
        toPulledMessage(r, { brokerName, namespace: config.namespace, logger: config.logger }),
      );
    }),
  );
  const found: PulledMessage[] = [];
  for (const [i, answer] of answers.entries()) {
    if (answer.status === 'fulfilled') {
      found.push(...answer.value);
    } else {
      config.logger.warn(
        { broker: brokers[i]!.addr, err: String(answer.reason) },
        'queryMessage failed on a broker',
      );
    }
  }
  if (unique) {
    const own = found.filter((m) => m.msgId === key);
    if (own.length === 0) return [];
    return [own.reduce((first, m) => (m.storeTimestamp < first.storeTimestamp ? m : first))];
  }
  return found.filter((m) => m.topic === topic && m.keyList.includes(key));
}
