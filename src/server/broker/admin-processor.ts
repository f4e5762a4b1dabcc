/**
 * Admin and lookup requests — Java AdminBrokerProcessor / QueryMessageProcessor subsets:
 * UPDATE_AND_CREATE_TOPIC (17), DELETE_TOPIC_IN_BROKER (215), GET_ALL_TOPIC_CONFIG (21),
 * GET_MAX_OFFSET (30), GET_MIN_OFFSET (31), SEARCH_OFFSET_BY_TIMESTAMP (29),
 * GET_EARLIEST_MSG_STORETIME (32), VIEW_MESSAGE_BY_ID (33), LOCK_BATCH_MQ (41), UNLOCK_BATCH_MQ (42).
 * Admin-tool statistics and connection lists are in admin-stats.ts.
 */
import { RequestCode } from '../../protocol/codes/request-code.js';
import { ResponseCode } from '../../protocol/codes/response-code.js';
import { createResponse } from '../../protocol/command/remoting-command.js';
import type { RemotingCommand } from '../../protocol/command/remoting-command.js';
import { toFastjsonBytes } from '../../protocol/json/fastjson-write.js';
import {
  decodeLockBatchRequestBody,
  decodeUnlockBatchRequestBody,
  encodeLockBatchResponseBody,
} from '../../protocol/body/lock-batch.js';
import {
  makeTopicConfig,
  parseTopicFilterType,
  topicConfigWrapperToJson,
} from '../../protocol/body/topic-config.js';
import { CreateTopicRequestHeader, DeleteTopicRequestHeader } from '../../protocol/headers/admin.js';
import {
  GetEarliestMsgStoretimeRequestHeader,
  GetEarliestMsgStoretimeResponseHeader,
  GetMaxOffsetRequestHeader,
  GetMaxOffsetResponseHeader,
  GetMinOffsetRequestHeader,
  GetMinOffsetResponseHeader,
  SearchOffsetRequestHeader,
  SearchOffsetResponseHeader,
  ViewMessageRequestHeader,
} from '../../protocol/headers/offsets.js';
import type { RequestContext, RequestProcessor } from '../../transport/types.js';
import type { BrokerContext } from './broker-context.js';
import { validateTopic } from './send-support.js';

const ok = (init: Parameters<typeof createResponse>[1] = {}): RemotingCommand =>
  createResponse(ResponseCode.SUCCESS, init);

export class AdminProcessor implements RequestProcessor {
  constructor(private readonly ctx: BrokerContext) {}

  async processRequest(context: RequestContext, request: RemotingCommand): Promise<RemotingCommand> {
    const store = this.ctx.store;
    switch (request.code) {
      case RequestCode.UPDATE_AND_CREATE_TOPIC:
        return this.createTopic(context, request);
      case RequestCode.DELETE_TOPIC_IN_BROKER:
        return this.deleteTopic(context, request);
      case RequestCode.GET_ALL_TOPIC_CONFIG: {
        const body = toFastjsonBytes(topicConfigWrapperToJson(this.ctx.topics.snapshot(), false), 'plain');
        return ok({ body });
      }
      case RequestCode.GET_MAX_OFFSET: {
        const h = GetMaxOffsetRequestHeader.decode(request.extFields);
        const offset = store.getMaxOffsetInQueue(h.topic, h.queueId);
        return ok({ extFields: GetMaxOffsetResponseHeader.encode({ offset }) });
      }
      case RequestCode.GET_MIN_OFFSET: {
        const h = GetMinOffsetRequestHeader.decode(request.extFields);
        const offset = store.getMinOffsetInQueue(h.topic, h.queueId);
        return ok({ extFields: GetMinOffsetResponseHeader.encode({ offset }) });
      }
      case RequestCode.SEARCH_OFFSET_BY_TIMESTAMP: {
        const h = SearchOffsetRequestHeader.decode(request.extFields);
        const boundary = h.boundaryType?.toLowerCase() === 'upper' ? 'UPPER' : 'LOWER';
        const offset = await store.getOffsetByTimestamp(h.topic, h.queueId, h.timestamp, boundary);
        return ok({ extFields: SearchOffsetResponseHeader.encode({ offset }) });
      }
      case RequestCode.GET_EARLIEST_MSG_STORETIME: {
        const h = GetEarliestMsgStoretimeRequestHeader.decode(request.extFields);
        const timestamp = await store.getEarliestMessageTime(h.topic, h.queueId);
        return ok({ extFields: GetEarliestMsgStoretimeResponseHeader.encode({ timestamp }) });
      }
      case RequestCode.VIEW_MESSAGE_BY_ID: {
        const h = ViewMessageRequestHeader.decode(request.extFields);
        const record = h.offset >= 0n ? await store.lookMessageByOffset(h.offset) : undefined;
        if (!record) {
          return createResponse(ResponseCode.SYSTEM_ERROR, {
            remark: `can not find message by the offset, ${h.offset}`,
          });
        }
        return ok({ body: record });
      }
      case RequestCode.LOCK_BATCH_MQ: {
        const body = decodeLockBatchRequestBody(request.body ?? Buffer.from('{}'));
        const locked = this.ctx.locks.tryLockBatch(body.consumerGroup, body.mqSet, body.clientId);
        return ok({ body: encodeLockBatchResponseBody({ lockOKMQSet: locked }) });
      }
      case RequestCode.UNLOCK_BATCH_MQ: {
        const body = decodeUnlockBatchRequestBody(request.body ?? Buffer.from('{}'));
        this.ctx.locks.unlockBatch(body.consumerGroup, body.mqSet, body.clientId);
        return ok();
      }
      default:
        return createResponse(ResponseCode.REQUEST_CODE_NOT_SUPPORTED, {
          remark: ` request type ${request.code} not supported`,
        });
    }
  }

  private createTopic(context: RequestContext, request: RemotingCommand): RemotingCommand {
    const h = CreateTopicRequestHeader.decode(request.extFields);
    this.ctx.logger.info({ remote: context.channel.remoteAddress, topic: h.topic }, 'updateAndCreateTopic');
    const invalid = validateTopic(h.topic);
    if (invalid) return createResponse(invalid[0], { remark: invalid[1] });
    if (this.ctx.topics.isSystemTopic(h.topic)) {
      return createResponse(ResponseCode.SYSTEM_ERROR, {
        remark: `The topic[${h.topic}] is conflict with system topic.`,
      });
    }
    this.ctx.topics.update(
      makeTopicConfig(h.topic, {
        readQueueNums: h.readQueueNums,
        writeQueueNums: h.writeQueueNums,
        perm: h.perm,
        topicFilterType: parseTopicFilterType(h.topicFilterType, 'topicFilterType'),
        topicSysFlag: h.topicSysFlag ?? 0,
        order: h.order,
      }),
    );
    return ok();
  }

  private async deleteTopic(context: RequestContext, request: RemotingCommand): Promise<RemotingCommand> {
    const h = DeleteTopicRequestHeader.decode(request.extFields);
    this.ctx.logger.info({ remote: context.channel.remoteAddress, topic: h.topic }, 'deleteTopic');
    const invalid = validateTopic(h.topic);
    if (invalid) return createResponse(invalid[0], { remark: invalid[1] });
    if (this.ctx.topics.isSystemTopic(h.topic)) {
      return createResponse(ResponseCode.SYSTEM_ERROR, {
        remark: `The topic[${h.topic}] is conflict with system topic.`,
      });
    }
    this.ctx.topics.delete(h.topic);
    // As 5.x: committed offsets go with the queues. Kept, they would point past the end of the
    // recreated topic's queues and the OFFSET_MOVED correction would skip its first messages.
    this.ctx.offsets.deleteTopic(h.topic);
    await this.ctx.store.deleteTopic(h.topic);
    return ok();
  }
}
