/**
 * SEND_MESSAGE (10, V1 header), SEND_MESSAGE_V2 (310) and SEND_BATCH_MESSAGE (320, V2 header) — Java
 * SendMessageProcessor.asyncSendMessage / asyncSendBatchMessage, 4.9.8 behaviour:
 *
 *  1. decode the header; the response carries MSG_REGION and TRACE_ON from the start (also on errors)
 *  2. msgCheck (send-support.ts): permission, topic name, forbidden topics, auto-creation, queueId
 *  3. queueId < 0 → random writable queue
 *  4. `%RETRY%<group>` topics: group must exist; reconsumeTimes >= max → `%DLQ%<group>` queue 0
 *  5. record: properties + CLUSTER (WAIT dropped from the stored string), bornHost = producer peer,
 *     storeHost = our ip + listen port; DELAY > 0 → SCHEDULE_TOPIC_XXXX (schedule-service.ts)
 *  6. store put → code / remark; success header msgId (offset id, batch: comma-joined), queueId (the
 *     chosen queue), queueOffset (offset actually written)
 */
import { ProtocolError } from '../../../common/errors.js';
import { MQVersion, Perm } from '../../../protocol/codes/misc.js';
import { RequestCode } from '../../../protocol/codes/request-code.js';
import { ResponseCode } from '../../../protocol/codes/response-code.js';
import type { RemotingCommand } from '../../../protocol/command/remoting-command.js';
import { SendMessageRequestHeader } from '../../../protocol/headers/send.js';
import { decodeBatch } from '../../../protocol/message/batch.js';
import { MessageConst, MessageSysFlag } from '../../../protocol/message/constants.js';
import { encodeOffsetMessageId } from '../../../protocol/message/message-id.js';
import { PROPERTY_SEPARATOR, decodeProperties } from '../../../protocol/message/properties.js';
import { DLQ_GROUP_TOPIC_PREFIX, RETRY_GROUP_TOPIC_PREFIX } from '../../../protocol/message/validators.js';
import type { RequestContext, RequestProcessor } from '../../../transport/types.js';
import type { PutMessageInput, PutResult } from '../../store/index.js';
import type { BrokerContext } from '../core/broker-context.js';
import type { ScheduleService } from '../schedule/schedule-service.js';
import {
  TOPIC_MAX_LENGTH,
  checkSend,
  fail,
  fillSendSuccess,
  mapPutStatus,
  newSendResponse,
  parseSocketAddress,
  propertiesToStoredString,
  randomQueueId,
} from './send-support.js';
import { FAQ_SUGGEST } from '../../faq.js';
import type { TopicConfig } from '../../../protocol/body/topic-config.js';

/** Queues of a `%DLQ%` topic (Java DLQ_NUMS_PER_GROUP). */
export const DLQ_NUMS_PER_GROUP = 1;

export class SendMessageProcessor implements RequestProcessor {
  constructor(
    private readonly ctx: BrokerContext,
    private readonly schedule: ScheduleService,
  ) {}

  async processRequest(context: RequestContext, request: RemotingCommand): Promise<RemotingCommand> {
    const v2 = request.code !== RequestCode.SEND_MESSAGE;
    const header = SendMessageRequestHeader.decode(request.extFields, { v2 });
    const response = newSendResponse(this.ctx);
    const remote = context.channel.remoteAddress;
    const config = checkSend(
      this.ctx,
      {
        topic: header.topic,
        defaultTopic: header.defaultTopic,
        defaultTopicQueueNums: header.defaultTopicQueueNums,
        queueId: header.queueId,
        unitMode: header.unitMode ?? false,
      },
      remote,
      response,
    );
    if (!config) return response;
    const queueId = header.queueId < 0 ? randomQueueId(config.writeQueueNums) : header.queueId;
    return header.batch
      ? this.sendBatch(request, header, config, queueId, remote, response)
      : this.sendOne(request, header, config, queueId, remote, response);
  }

  private async sendOne(
    request: RemotingCommand,
    header: SendMessageRequestHeader,
    config: TopicConfig,
    queueId: number,
    remote: string,
    response: RemotingCommand,
  ): Promise<RemotingCommand> {
    const target = this.retryAndDLQ(request, header, config, queueId, response);
    if (!target) return response;
    const props = decodeProperties(header.properties ?? '');
    props[MessageConst.PROPERTY_CLUSTER] = this.ctx.options.clusterName;
    const wait = props[MessageConst.PROPERTY_WAIT_STORE_MSG_OK];
    // 4.9.1+ keeps WAIT out of the stored string (it only steers the flush wait).
    const stored = { ...props };
    delete stored[MessageConst.PROPERTY_WAIT_STORE_MSG_OK];
    if (props[MessageConst.PROPERTY_TRANSACTION_PREPARED]?.toLowerCase() === 'true') {
      // No half-message service here: refuse like a broker with rejectTransactionMessage=true.
      return fail(
        response,
        ResponseCode.NO_PERMISSION,
        `the broker[${this.ctx.storeHost().ip}] sending transaction message is forbidden`,
      );
    }
    const input: PutMessageInput = {
      topic: target.topic,
      queueId: target.queueId,
      flag: header.flag,
      body: request.body ?? Buffer.alloc(0),
      properties: propertiesToStoredString(stored),
      sysFlag: target.sysFlag,
      bornTimestamp: header.bornTimestamp,
      bornHost: parseSocketAddress(remote),
      storeHost: this.ctx.storeHost(),
      reconsumeTimes: header.reconsumeTimes ?? 0,
      preparedTransactionOffset: 0n,
      waitStoreMsgOK: wait === undefined || wait.toLowerCase() === 'true',
    };
    if (target.dlq) {
      delete stored[MessageConst.PROPERTY_DELAY_TIME_LEVEL];
      input.properties = propertiesToStoredString(stored);
    } else {
      this.schedule.rewriteIfDelayed(input, stored);
    }
    const result = await this.ctx.store.putMessage(input);
    return this.answer(request, response, result, queueId);
  }

  /** Java handleRetryAndDLQ + the MULTI_TAG sysFlag bit. Undefined after filling `response`. */
  private retryAndDLQ(
    request: RemotingCommand,
    header: SendMessageRequestHeader,
    config: TopicConfig,
    queueId: number,
    response: RemotingCommand,
  ): { topic: string; queueId: number; sysFlag: number; dlq: boolean } | undefined {
    let topic = header.topic;
    let dlq = false;
    if (topic.startsWith(RETRY_GROUP_TOPIC_PREFIX)) {
      const group = topic.slice(RETRY_GROUP_TOPIC_PREFIX.length);
      const groupConfig = this.ctx.groups.find(group);
      if (!groupConfig) {
        fail(
          response,
          ResponseCode.SUBSCRIPTION_GROUP_NOT_EXIST,
          `subscription group not exist, ${group} ${FAQ_SUGGEST}`,
        );
        return undefined;
      }
      let max = groupConfig.retryMaxTimes;
      if (request.version >= MQVersion.V3_4_9 && header.maxReconsumeTimes !== undefined)
        max = header.maxReconsumeTimes;
      if ((header.reconsumeTimes ?? 0) >= max) {
        topic = DLQ_GROUP_TOPIC_PREFIX + group;
        queueId = randomQueueId(DLQ_NUMS_PER_GROUP);
        this.ctx.topics.createInSendMessageBack(topic, DLQ_NUMS_PER_GROUP, Perm.READ | Perm.WRITE, 0);
        dlq = true;
      }
    }
    let sysFlag = header.sysFlag;
    if (config.topicFilterType === 'MULTI_TAG') sysFlag |= MessageSysFlag.MULTI_TAGS;
    return { topic, queueId, sysFlag, dlq };
  }

  private async sendBatch(
    request: RemotingCommand,
    header: SendMessageRequestHeader,
    config: TopicConfig,
    queueId: number,
    remote: string,
    response: RemotingCommand,
  ): Promise<RemotingCommand> {
    if (header.topic.length > TOPIC_MAX_LENGTH) {
      return fail(
        response,
        ResponseCode.MESSAGE_ILLEGAL,
        `message topic length too long ${header.topic.length}`,
      );
    }
    let sysFlag = header.sysFlag;
    if (config.topicFilterType === 'MULTI_TAG') sysFlag |= MessageSysFlag.MULTI_TAGS;
    const batchProps = decodeProperties(header.properties ?? '');
    batchProps[MessageConst.PROPERTY_CLUSTER] = this.ctx.options.clusterName;
    const body = request.body ?? Buffer.alloc(0);
    // Java's store refuses these whole batches (MESSAGE_ILLEGAL): transaction bits, delay, oversize.
    const delay = Number(batchProps[MessageConst.PROPERTY_DELAY_TIME_LEVEL] ?? 0);
    if (
      (sysFlag & MessageSysFlag.TRANSACTION_MASK) !== 0 ||
      delay > 0 ||
      body.length > this.ctx.options.maxMessageSize
    ) {
      return this.answer(request, response, { status: 'MESSAGE_ILLEGAL' } as PutResult, queueId);
    }
    let entries;
    try {
      entries = decodeBatch(body);
    } catch (err) {
      if (!(err instanceof ProtocolError)) throw err;
      this.ctx.logger.warn({ producer: remote, err: err.message }, 'malformed batch body');
      return this.answer(request, response, { status: 'MESSAGE_ILLEGAL' } as PutResult, queueId);
    }
    if (entries.length === 0)
      return this.answer(request, response, { status: 'MESSAGE_ILLEGAL' } as PutResult, queueId);
    const batchPropString = propertiesToStoredString(batchProps);
    const wait = batchProps[MessageConst.PROPERTY_WAIT_STORE_MSG_OK];
    const bornHost = parseSocketAddress(remote);
    const inputs: PutMessageInput[] = entries.map((e) => {
      // Inner properties, then the batch's own (WAIT, CLUSTER) after one separator (4.8.0 .. 5.3.3).
      let properties = e.properties;
      if (properties.length > 0 && batchPropString.length > 0 && !properties.endsWith(PROPERTY_SEPARATOR)) {
        properties += PROPERTY_SEPARATOR;
      }
      properties += batchPropString;
      return {
        topic: header.topic,
        queueId,
        flag: e.flag,
        body: e.body,
        properties,
        sysFlag,
        bornTimestamp: header.bornTimestamp,
        bornHost,
        storeHost: this.ctx.storeHost(),
        reconsumeTimes: header.reconsumeTimes ?? 0,
        preparedTransactionOffset: 0n,
        waitStoreMsgOK: wait === undefined || wait.toLowerCase() === 'true',
      };
    });
    const result = await this.ctx.store.putMessages(inputs);
    return this.answer(request, response, result, queueId);
  }

  private answer(
    request: RemotingCommand,
    response: RemotingCommand,
    result: PutResult,
    queueId: number,
  ): RemotingCommand {
    const [code, remark, ok] = mapPutStatus(this.ctx, result.status);
    response.code = code;
    if (!ok) {
      if (result.reason)
        this.ctx.logger.warn({ status: result.status, reason: result.reason }, 'send refused by the store');
      response.remark = remark ?? '';
      return response;
    }
    const host = this.ctx.storeHost();
    const msgId = result.records.map((r) => encodeOffsetMessageId(host, r.physicalOffset)).join(',');
    fillSendSuccess(response, request, { msgId, queueId, queueOffset: result.queueOffset });
    return response;
  }
}
