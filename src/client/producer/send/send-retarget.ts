/**
 * An async retry's request (send-loop.ts): the first attempt's prepared send aimed at another queue,
 * without new hooks or a route lookup.
 */
import type { SendMessageRequestHeader } from '../../../protocol/headers/index.js';
import { brokerVIPChannel } from '../../client-config.js';
import type { MessageQueue } from '../../message-queue.js';
import { buildSendRequest } from '../producer-api.js';
import type { ProducerCore } from '../producer-core.js';
import { brokerNotExist } from './send-prepare.js';
import type { PreparedSend } from './send-prepare.js';

/**
 * The prepared request of an earlier attempt aimed at `mq` (async retries: no new hooks, no route
 * lookup, a fresh bornTimestamp). Throws MQClientError when the broker's master address is unknown.
 */
export function retargetSend(
  host: ProducerCore,
  first: PreparedSend,
  mq: MessageQueue,
  timeoutMillis: number,
): PreparedSend {
  const master = host.instance.findBrokerAddressInPublish(mq.brokerName);
  if (master === undefined) throw brokerNotExist(mq.brokerName);
  const addr = brokerVIPChannel(host.config.client.vipChannelEnabled, master);
  // The same request aimed at `mq`, with a fresh bornTimestamp (fields copied one by one: a spread
  // would give every copy a new hidden class).
  const h = first.header;
  const header: SendMessageRequestHeader = {
    producerGroup: h.producerGroup,
    topic: h.topic,
    defaultTopic: h.defaultTopic,
    defaultTopicQueueNums: h.defaultTopicQueueNums,
    queueId: mq.queueId,
    sysFlag: h.sysFlag,
    bornTimestamp: Date.now(),
    flag: h.flag,
    properties: h.properties,
    reconsumeTimes: h.reconsumeTimes,
    unitMode: h.unitMode,
    batch: h.batch,
    bname: mq.brokerName,
  };
  if (h.maxReconsumeTimes !== undefined) header.maxReconsumeTimes = h.maxReconsumeTimes;
  return {
    addr,
    request: buildSendRequest(header, first.body, first.kind),
    header: first.header,
    body: first.body,
    kind: first.kind,
    timeoutMillis,
    response: {
      brokerName: mq.brokerName,
      brokerAddr: addr,
      topic: first.response.topic,
      msgId: first.response.msgId,
    },
    hookContext: first.hookContext,
  };
}
