/**
 * Client housekeeping and consumer offsets — Java ClientManageProcessor and ConsumerManageProcessor:
 * HEART_BEAT (34), UNREGISTER_CLIENT (35), CHECK_CLIENT_CONFIG (46), GET_CONSUMER_LIST_BY_GROUP (38),
 * QUERY_CONSUMER_OFFSET (14), UPDATE_CONSUMER_OFFSET (15).
 */
import { Perm } from '../../protocol/codes/misc.js';
import { RequestCode } from '../../protocol/codes/request-code.js';
import { ResponseCode } from '../../protocol/codes/response-code.js';
import { createResponse } from '../../protocol/command/remoting-command.js';
import type { RemotingCommand } from '../../protocol/command/remoting-command.js';
import { encodeConsumerListBody } from '../../protocol/body/consumer-list.js';
import { decodeHeartbeatData } from '../../protocol/body/heartbeat.js';
import {
  GetConsumerListByGroupRequestHeader,
  UnregisterClientRequestHeader,
} from '../../protocol/headers/client.js';
import {
  QueryConsumerOffsetRequestHeader,
  QueryConsumerOffsetResponseHeader,
  UpdateConsumerOffsetRequestHeader,
} from '../../protocol/headers/offsets.js';
import type { RequestContext, RequestProcessor } from '../../transport/types.js';
import type { BrokerContext } from './broker-context.js';
import { TopicConfigManager } from './topic-config-manager.js';
import { TopicSysFlag } from '../../protocol/body/topic-config.js';

export class ClientProcessor implements RequestProcessor {
  constructor(private readonly ctx: BrokerContext) {}

  async processRequest(context: RequestContext, request: RemotingCommand): Promise<RemotingCommand> {
    switch (request.code) {
      case RequestCode.HEART_BEAT:
        return this.heartbeat(context, request);
      case RequestCode.UNREGISTER_CLIENT:
        return this.unregister(context, request);
      case RequestCode.CHECK_CLIENT_CONFIG:
        return createResponse(ResponseCode.SUCCESS);
      case RequestCode.GET_CONSUMER_LIST_BY_GROUP:
        return this.consumerList(request);
      case RequestCode.QUERY_CONSUMER_OFFSET:
        return this.queryOffset(request);
      case RequestCode.UPDATE_CONSUMER_OFFSET: {
        const h = UpdateConsumerOffsetRequestHeader.decode(request.extFields);
        this.ctx.offsets.commit(h.consumerGroup, h.topic, h.queueId, h.commitOffset);
        return createResponse(ResponseCode.SUCCESS);
      }
      default:
        return createResponse(ResponseCode.REQUEST_CODE_NOT_SUPPORTED, {
          remark: ` request type ${request.code} not supported`,
        });
    }
  }

  private heartbeat(context: RequestContext, request: RemotingCommand): RemotingCommand {
    const data = decodeHeartbeatData(request.body ?? Buffer.from('{}'));
    const info = {
      channel: context.channel,
      clientId: data.clientID,
      language: request.language ?? 'OTHER',
      version: request.version,
    };
    for (const consumer of data.consumerDataSet) {
      const group = this.ctx.groups.find(consumer.groupName);
      let notify = true;
      if (group) {
        notify = group.notifyConsumerIdsChangedEnable;
        // Java creates the group's retry topic on every heartbeat (a no-op once it exists).
        this.ctx.topics.createInSendMessageBack(
          TopicConfigManager.retryTopic(consumer.groupName),
          group.retryQueueNums,
          Perm.READ | Perm.WRITE,
          consumer.unitMode ? TopicSysFlag.UNIT_SUB : 0,
        );
      }
      const changed = this.ctx.clients.registerConsumer(consumer, info, notify);
      if (changed) {
        this.ctx.logger.info(
          { group: consumer.groupName, clientId: data.clientID, remote: context.channel.remoteAddress },
          'new consumer connected or subscription changed',
        );
      }
    }
    for (const producer of data.producerDataSet) this.ctx.clients.registerProducer(producer.groupName, info);
    return createResponse(ResponseCode.SUCCESS);
  }

  private unregister(context: RequestContext, request: RemotingCommand): RemotingCommand {
    const h = UnregisterClientRequestHeader.decode(request.extFields);
    if (h.producerGroup !== undefined) this.ctx.clients.unregisterProducer(h.producerGroup, context.channel);
    if (h.consumerGroup !== undefined) {
      const notify = this.ctx.groups.find(h.consumerGroup)?.notifyConsumerIdsChangedEnable ?? true;
      this.ctx.clients.unregisterConsumer(h.consumerGroup, context.channel, notify);
    }
    return createResponse(ResponseCode.SUCCESS);
  }

  private consumerList(request: RemotingCommand): RemotingCommand {
    const h = GetConsumerListByGroupRequestHeader.decode(request.extFields);
    const ids = this.ctx.clients.consumerIds(h.consumerGroup);
    if (ids.length > 0) {
      return createResponse(ResponseCode.SUCCESS, { body: encodeConsumerListBody({ consumerIdList: ids }) });
    }
    return createResponse(ResponseCode.SYSTEM_ERROR, {
      remark: `no consumer for this group, ${h.consumerGroup}`,
    });
  }

  /**
   * Java queryConsumerOffset: the committed offset; else 0 when the queue still holds its first
   * message (min offset 0), so a new group starts at the beginning; else QUERY_NOT_FOUND, letting
   * the client apply its consumeFromWhere.
   */
  private queryOffset(request: RemotingCommand): RemotingCommand {
    const h = QueryConsumerOffsetRequestHeader.decode(request.extFields);
    const offset = this.ctx.offsets.query(h.consumerGroup, h.topic, h.queueId);
    if (offset >= 0n) {
      return createResponse(ResponseCode.SUCCESS, {
        extFields: QueryConsumerOffsetResponseHeader.encode({ offset }),
      });
    }
    // 5.x: a caller sending setZeroIfNotFound=false (the proxy, some tools) wants the plain answer.
    if (h.setZeroIfNotFound === false) {
      return createResponse(ResponseCode.QUERY_NOT_FOUND, {
        remark: 'Not found, do not set to zero, maybe this group boot first',
      });
    }
    // Java also checks that message 0 is still "in memory" (checkInDiskByConsumeOffset false); a
    // TypeScript store has no page cache to ask, so any queue still starting at 0 qualifies.
    const min = this.ctx.store.getMinOffsetInQueue(h.topic, h.queueId);
    if (min <= 0n) {
      return createResponse(ResponseCode.SUCCESS, {
        extFields: QueryConsumerOffsetResponseHeader.encode({ offset: 0n }),
      });
    }
    return createResponse(ResponseCode.QUERY_NOT_FOUND, {
      remark: 'Not found, V3_0_6_SNAPSHOT maybe this group consumer boot first',
    });
  }
}
