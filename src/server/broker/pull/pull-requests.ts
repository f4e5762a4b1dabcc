/**
 * PULL_MESSAGE (11) — Java PullMessageProcessor, 4.9.8: checks (broker / topic read permission,
 * group, topic, queue id, subscription), store read with a tag-hash or SQL92 filter, status → code, body =
 * the stored records concatenated. A PULL_NOT_FOUND with the SUSPEND flag is held by the
 * PullHoldService until a message arrives or suspendTimeoutMillis passes (long polling), unless the
 * hold's caps are reached (then it is answered at once); the offset
 * in `commitOffset` is committed when the COMMIT_OFFSET flag is set.
 */
import { RequestRefusedError } from '../../../common/errors.js';
import { RequestCode } from '../../../protocol/codes/request-code.js';
import { ResponseCode } from '../../../protocol/codes/response-code.js';
import { Perm } from '../../../protocol/codes/misc.js';
import { createResponse } from '../../../protocol/command/remoting-command.js';
import type { RemotingCommand } from '../../../protocol/command/remoting-command.js';
import {
  PullMessageRequestHeader,
  PullMessageResponseHeader,
  PullSysFlag,
} from '../../../protocol/headers/pull.js';
import { javaStringHash } from '../../../protocol/java/string-hash.js';
import { handlerTable } from '../../../transport/handler-table.js';
import type { HandlerTable, RequestHandler } from '../../../transport/handler-table.js';
import type { RemotingChannel } from '../../../transport/types.js';
import type { GetMessageStatus, TagsCodeFilter } from '../../store/index.js';
import type { BrokerContext } from '../core/broker-context.js';
import { checkCommitOffset, checkIntRange } from '../core/request-checks.js';
import type { PullHoldService } from './pull-hold-service.js';
import { pullSelector, readMatching } from './sql92-pull.js';
import { FAQ_SUGGEST } from '../../faq.js';

export interface TagFilter {
  /** Undefined = every message. */
  codes: Set<number> | undefined;
}

/** Java FilterAPI.build for TAG expressions: `*` / empty = all, else `a || b` → hash codes. */
export function buildTagFilter(subString: string | undefined): TagFilter {
  const s = (subString ?? '').trim();
  if (s === '' || s === '*') return { codes: undefined };
  const codes = new Set<number>();
  for (const tag of s.split('||')) {
    const t = tag.trim();
    if (t.length > 0) codes.add(javaStringHash(t));
  }
  return { codes };
}

/** Consume-queue level match (Java ExpressionMessageFilter.isMatchedByConsumeQueue for TAG). */
export function tagsCodeFilter(filter: TagFilter): TagsCodeFilter | undefined {
  const codes = filter.codes;
  if (!codes) return undefined;
  return (code) => codes.has(Number(BigInt.asIntN(32, code)));
}

export function pullHandlers(ctx: BrokerContext, hold: PullHoldService): HandlerTable {
  const pull: RequestHandler = (request, context) => pullMessage(ctx, request, context.channel, hold);
  // 5.x DefaultLitePullConsumer pulls with LITE_PULL_MESSAGE (PullSysFlag LITE_PULL set); same processing.
  return handlerTable([
    [RequestCode.PULL_MESSAGE, pull],
    [RequestCode.LITE_PULL_MESSAGE, pull],
  ]);
}

/**
 * A held pull run again once a message arrived or its hold time ended: it neither suspends nor
 * commits again, and its refusal is answered here (the hold service answers outside the dispatcher).
 */
export async function rerunHeldPull(
  ctx: BrokerContext,
  channel: RemotingChannel,
  request: RemotingCommand,
): Promise<RemotingCommand | undefined> {
  try {
    return await pullMessage(ctx, request, channel, undefined);
  } catch (err) {
    if (err instanceof RequestRefusedError) return createResponse(err.code, { remark: err.message });
    throw err;
  }
}

/** `hold` is undefined when a held pull is re-run. */
async function pullMessage(
  ctx: BrokerContext,
  request: RemotingCommand,
  channel: RemotingChannel,
  hold: PullHoldService | undefined,
): Promise<RemotingCommand | undefined> {
  const h = PullMessageRequestHeader.decode(request.extFields);
  if ((ctx.options.brokerPermission & Perm.READ) === 0) {
    throw new RequestRefusedError(
      ResponseCode.NO_PERMISSION,
      `the broker[${ctx.storeHost().ip}] pulling message is forbidden`,
    );
  }
  // 5.x refuses to auto-create an illegal or overlong group (SUBSCRIPTION_GROUP_NOT_EXIST); a new
  // group is stored only once the pull passed its checks.
  const group = ctx.groups.lookup(h.consumerGroup);
  if (!group) {
    throw new RequestRefusedError(
      ResponseCode.SUBSCRIPTION_GROUP_NOT_EXIST,
      `subscription group [${h.consumerGroup}] does not exist, ${FAQ_SUGGEST}`,
    );
  }
  if (!group.consumeEnable) {
    throw new RequestRefusedError(
      ResponseCode.NO_PERMISSION,
      `subscription group no permission, ${h.consumerGroup}`,
    );
  }
  const suspend = (h.sysFlag & PullSysFlag.SUSPEND) !== 0;
  const commit = (h.sysFlag & PullSysFlag.COMMIT_OFFSET) !== 0;
  const hasSubscription = (h.sysFlag & PullSysFlag.SUBSCRIPTION) !== 0;
  const topic = ctx.topics.select(h.topic);
  if (!topic) {
    throw new RequestRefusedError(
      ResponseCode.TOPIC_NOT_EXIST,
      `topic[${h.topic}] not exist, apply first please! ${FAQ_SUGGEST}`,
    );
  }
  if ((topic.perm & Perm.READ) === 0) {
    throw new RequestRefusedError(
      ResponseCode.NO_PERMISSION,
      `the topic[${h.topic}] pulling message is forbidden`,
    );
  }
  if (h.queueId < 0 || h.queueId >= topic.readQueueNums) {
    throw new RequestRefusedError(
      ResponseCode.SYSTEM_ERROR,
      `queueId[${h.queueId}] is illegal, topic:[${h.topic}] topicConfig.readQueueNums:[${topic.readQueueNums}] consumer:[${channel.remoteAddress}]`,
    );
  }
  let subString: string | undefined;
  let expressionType: string | undefined;
  let registeredType: string | undefined;
  if (hasSubscription) {
    subString = h.subscription;
    expressionType = h.expressionType;
  } else {
    const info = ctx.clients.consumerGroup(h.consumerGroup);
    if (!info) {
      throw new RequestRefusedError(
        ResponseCode.SUBSCRIPTION_NOT_EXIST,
        `the consumer's group info not exist${FAQ_SUGGEST}`,
      );
    }
    if (!group.consumeBroadcastEnable && info.messageModel === 'BROADCASTING') {
      throw new RequestRefusedError(
        ResponseCode.NO_PERMISSION,
        `the consumer group[${h.consumerGroup}] can not consume by broadcast way`,
      );
    }
    const sub = info.subscriptions.get(h.topic);
    if (!sub)
      throw new RequestRefusedError(
        ResponseCode.SUBSCRIPTION_NOT_EXIST,
        `the consumer's subscription not exist${FAQ_SUGGEST}`,
      );
    if (sub.subVersion < h.subVersion) {
      throw new RequestRefusedError(
        ResponseCode.SUBSCRIPTION_NOT_LATEST,
        "the consumer's subscription not latest",
      );
    }
    subString = sub.subString;
    registeredType = sub.expressionType;
  }
  // SQL92 (sql92-pull.ts): refused as Java refuses; else the selector the read is filtered with.
  const selector = pullSelector(ctx, {
    consumerGroup: h.consumerGroup,
    topic: h.topic,
    subVersion: h.subVersion,
    own: hasSubscription ? { subString, expressionType } : undefined,
    registeredType,
  });
  // Java checks neither: a pull asking for nothing, or committing a negative offset.
  checkIntRange('maxMsgNums', h.maxMsgNums, 1, 2147483647);
  if (commit) checkCommitOffset(h.commitOffset);
  ctx.groups.keep(group);
  // The consumer's offset rides on the pull (Java commits it after the read, first run only). It is
  // committed now, before the read's await: an UPDATE_CONSUMER_OFFSET the consumer sent after this
  // pull (a queue handed over in a rebalance) would otherwise be overwritten with the older value,
  // and the queue's next owner would consume those messages again.
  if (hold && commit) ctx.offsets.commit(h.consumerGroup, h.topic, h.queueId, h.commitOffset);
  const filter = selector ? { codes: undefined } : buildTagFilter(subString);
  const result = selector
    ? await readMatching(ctx, h, undefined, selector)
    : await ctx.store.getMessage(
        h.consumerGroup,
        h.topic,
        h.queueId,
        h.queueOffset,
        h.maxMsgNums,
        tagsCodeFilter(filter),
      );
  ctx.offsets.commitPullOffset(h.consumerGroup, h.topic, h.queueId, result.nextBeginOffset);
  const response = createResponse(pullStatusToCode(result.status, h.queueOffset), {
    remark: result.status,
    extFields: PullMessageResponseHeader.encode({
      suggestWhichBrokerId: 0,
      nextBeginOffset: result.nextBeginOffset,
      minOffset: result.minOffset,
      maxOffset: result.maxOffset,
    }),
  });
  let answer: RemotingCommand | undefined = response;
  if (response.code === ResponseCode.SUCCESS) {
    response.body = Buffer.concat(result.messages, result.bufferTotalSize);
    ctx.stats.addGot(result.messages.length);
  } else if (response.code === ResponseCode.PULL_NOT_FOUND && hold && suspend) {
    const holdMillis = ctx.options.longPollingEnable
      ? h.suspendTimeoutMillis
      : ctx.options.shortPollingTimeMillis;
    // Beyond the hold caps the pull is answered now, as Java answers a pull it does not suspend.
    // A message stored while this pull read the store found no held pull to wake: the pull is woken
    // at once (Java's hold service re-checks every held pull against the queue's max offset for this).
    const parked = hold.suspend(
      {
        channel,
        request,
        topic: h.topic,
        queueId: h.queueId,
        offset: h.queueOffset,
        filter,
        ...(selector && { selector }),
        holdMillis,
      },
      () => ctx.store.getMaxOffsetInQueue(h.topic, h.queueId) > result.maxOffset,
    );
    if (parked) answer = undefined;
  } else if (response.code === ResponseCode.PULL_OFFSET_MOVED) {
    ctx.logger.info(
      {
        topic: h.topic,
        group: h.consumerGroup,
        queueId: h.queueId,
        requested: h.queueOffset.toString(),
        next: result.nextBeginOffset.toString(),
      },
      'PULL_OFFSET_MOVED: correction offset',
    );
  }
  return answer;
}

/** Store status → PULL response code (reference §13.4). */
export function pullStatusToCode(status: GetMessageStatus, requestOffset: bigint): number {
  switch (status) {
    case 'FOUND':
      return ResponseCode.SUCCESS;
    case 'MESSAGE_WAS_REMOVING':
    case 'NO_MATCHED_MESSAGE':
      return ResponseCode.PULL_RETRY_IMMEDIATELY;
    case 'NO_MATCHED_LOGIC_QUEUE':
    case 'NO_MESSAGE_IN_QUEUE':
      return requestOffset !== 0n ? ResponseCode.PULL_OFFSET_MOVED : ResponseCode.PULL_NOT_FOUND;
    case 'OFFSET_FOUND_NULL':
    case 'OFFSET_OVERFLOW_ONE':
      return ResponseCode.PULL_NOT_FOUND;
    case 'OFFSET_OVERFLOW_BADLY':
    case 'OFFSET_TOO_SMALL':
      return ResponseCode.PULL_OFFSET_MOVED;
    default:
      return ResponseCode.SYSTEM_ERROR;
  }
}
