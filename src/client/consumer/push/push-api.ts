/**
 * Broker requests only a push consumer makes (Java MQClientAPIImpl): GET_CONSUMER_LIST_BY_GROUP for
 * the rebalance and CONSUMER_SEND_MSG_BACK for a message that failed.
 */
import { MQBrokerError } from '../../../common/errors.js';
import { decodeConsumerListBody } from '../../../protocol/body/consumer-list.js';
import { RequestCode, ResponseCode } from '../../../protocol/codes/index.js';
import { createRequest } from '../../../protocol/command/remoting-command.js';
import {
  ConsumerSendMsgBackRequestHeader,
  GetConsumerListByGroupRequestHeader,
} from '../../../protocol/headers/client.js';
import type { RemotingInvoker } from '../../mq-client-api.js';

export class PushConsumerAPI {
  constructor(private readonly remoting: RemotingInvoker) {}

  /** The client ids of the group's members the broker knows (by heartbeat). */
  async getConsumerIdListByGroup(addr: string, group: string, timeoutMillis: number): Promise<string[]> {
    const request = createRequest(RequestCode.GET_CONSUMER_LIST_BY_GROUP, {
      extFields: GetConsumerListByGroupRequestHeader.encode({ consumerGroup: group }),
    });
    const response = await this.remoting.invokeSync(addr, request, timeoutMillis);
    if (response.code !== ResponseCode.SUCCESS) throw new MQBrokerError(response.code, response.remark, addr);
    if (response.body === undefined || response.body.length === 0) return [];
    return decodeConsumerListBody(response.body).consumerIdList;
  }

  /** CONSUMER_SEND_MSG_BACK: the broker copies the stored message to the retry topic (or the DLQ). */
  async consumerSendMessageBack(
    addr: string,
    header: ConsumerSendMsgBackRequestHeader,
    timeoutMillis: number,
  ): Promise<void> {
    const request = createRequest(RequestCode.CONSUMER_SEND_MSG_BACK, {
      extFields: ConsumerSendMsgBackRequestHeader.encode(header),
    });
    const response = await this.remoting.invokeSync(addr, request, timeoutMillis);
    if (response.code !== ResponseCode.SUCCESS) throw new MQBrokerError(response.code, response.remark, addr);
  }
}
