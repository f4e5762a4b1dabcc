/**
 * The checks of client housekeeping requests, run before anything of the request is applied: a
 * heartbeat, a lock batch or an offset commit with one bad name is refused whole (INVALID_PARAMETER
 * unless Java has its own answer), so nothing of it reaches the client, lock or offset tables.
 */
import { RequestRefusedError } from '../../../common/errors.js';
import { ResponseCode } from '../../../protocol/codes/response-code.js';
import type { HeartbeatData } from '../../../protocol/body/heartbeat.js';
import type { LockBatchRequestBody } from '../../../protocol/body/lock-batch.js';
import type { BrokerContext } from '../core/broker-context.js';
import type { ClientTableLimits } from '../core/client-table-limits.js';
import type { SubscriptionGroupConfig } from '../core/groups.js';
import {
  checkCommitOffset,
  checkGroupParam,
  checkQueueId,
  checkTopicParam,
  refuseInvalid,
} from '../core/request-checks.js';

/** Longest client id (ip@instance[@unit]) and broker name taken from a client (Java sets no bound). */
const MAX_CLIENT_ID_LENGTH = 1024;
const MAX_BROKER_NAME_LENGTH = 255;

/**
 * Java checks nothing here; 5.x merely skips a consumer whose group it cannot auto-create. The counts
 * are capped (client-table-limits.ts) far above what a client instance sends: a heartbeat naming
 * thousands of groups would otherwise create as many groups and retry topics at once. Group names are
 * checked (they become retry topics and consumerOffset.json keys; Java clients check them the same
 * way before sending), subscribed topics are not: Java's subscribe() takes any name, and a push
 * consumer of a long group subscribes to its %RETRY% topic, longer than a topic may be. Refusing
 * the heartbeat for one of them would stop every consumer of that client instance.
 */
export function checkHeartbeat(data: HeartbeatData, limits: ClientTableLimits): void {
  if (data.clientID.length > MAX_CLIENT_ID_LENGTH) {
    refuseInvalid(
      `heartbeat clientID is longer than ${MAX_CLIENT_ID_LENGTH} characters: shorten the instance name`,
    );
  }
  const max = limits.maxHeartbeatGroups;
  for (const [set, count] of [
    ['consumerDataSet', data.consumerDataSet.length],
    ['producerDataSet', data.producerDataSet.length],
  ] as const) {
    if (count > max) {
      refuseInvalid(`heartbeat ${set} has ${count} groups, more than ${max} (maxHeartbeatGroups)`);
    }
  }
  for (const consumer of data.consumerDataSet) {
    checkGroupParam(consumer.groupName, 'heartbeat consumerDataSet.groupName');
    const subs = consumer.subscriptionDataSet.length;
    if (subs > limits.maxSubscriptionsPerGroup) {
      refuseInvalid(
        `heartbeat group ${consumer.groupName} has ${subs} subscriptions, more than ` +
          `${limits.maxSubscriptionsPerGroup} (maxSubscriptionsPerGroup)`,
      );
    }
  }
  for (const producer of data.producerDataSet) {
    checkGroupParam(producer.groupName, 'heartbeat producerDataSet.groupName');
  }
}

/** The consumer groups of a heartbeat the broker takes, and the new ones it has no room for. */
export interface AdmittedGroups {
  /** Per consumer of the heartbeat: its subscription-group config (stored, or new and fitting), else undefined. */
  configs: (SubscriptionGroupConfig | undefined)[];
  /** New groups beyond maxSubscriptionGroups (subscription-group table or client table): not registered. */
  skipped: Set<string>;
}

/**
 * The heartbeat's groups under maxSubscriptionGroups, in heartbeat order: groups the broker already
 * holds always pass; a new group passes while both the subscription-group table and the client table
 * have room, else it is skipped. Java 5.x likewise skips a consumer whose group it cannot create and
 * keeps the rest: refusing the heartbeat whole would stop refreshing the client's live groups too,
 * and its consumers would drop at channel expiry. Subscription groups are never pruned, so a
 * long-lived broker can reach the cap. Nothing is stored here.
 */
export function admitConsumerGroups(ctx: BrokerContext, groups: readonly string[]): AdmittedGroups {
  let groupRoom = ctx.groups.room;
  let consumerRoom = Math.max(0, ctx.options.maxSubscriptionGroups - ctx.clients.consumers.size);
  const admitted = new Map<string, SubscriptionGroupConfig | undefined>();
  const skipped = new Set<string>();
  for (const group of groups) {
    if (admitted.has(group) || skipped.has(group)) continue;
    const stored = ctx.groups.table.get(group);
    const fresh = stored === undefined ? ctx.groups.draft(group) : undefined;
    const newConsumer = ctx.clients.consumerGroup(group) === undefined;
    if ((fresh !== undefined && groupRoom < 1) || (newConsumer && consumerRoom < 1)) {
      skipped.add(group);
      continue;
    }
    if (fresh !== undefined) groupRoom--;
    if (newConsumer) consumerRoom--;
    admitted.set(group, stored ?? fresh);
  }
  return { configs: groups.map((g) => admitted.get(g)), skipped };
}

/** At most one warning about skipped heartbeat groups per broker per this many milliseconds. */
export const SKIPPED_GROUPS_LOG_INTERVAL_MS = 60_000;
const skipLog = new WeakMap<BrokerContext, { lastAt: number; since: number }>();

/**
 * Warns that new groups were skipped for want of room, at most once a minute per broker (every
 * heartbeat of such a client would log again), counting the skips in between.
 */
export function logSkippedGroups(ctx: BrokerContext, skipped: ReadonlySet<string>, clientId: string): void {
  if (skipped.size === 0) return;
  const now = Date.now();
  const state = skipLog.get(ctx) ?? { lastAt: -Infinity, since: 0 };
  state.since += skipped.size;
  skipLog.set(ctx, state);
  if (now - state.lastAt < SKIPPED_GROUPS_LOG_INTERVAL_MS) return;
  ctx.logger.warn(
    {
      clientId: clientId.slice(0, 255),
      example: String(skipped.values().next().value).slice(0, 255),
      skippedSinceLastWarning: state.since,
      groups: ctx.groups.table.size,
      consumerGroups: ctx.clients.consumers.size,
      max: ctx.options.maxSubscriptionGroups,
    },
    'heartbeat groups not registered: the broker holds maxSubscriptionGroups groups; delete unused groups or raise the limit',
  );
  state.lastAt = now;
  state.since = 0;
}

/** LOCK_BATCH_MQ / UNLOCK_BATCH_MQ: group, and topic / broker name / queue id of every queue. */
export function checkLockBatch(body: LockBatchRequestBody): void {
  checkGroupParam(body.consumerGroup, 'consumerGroup');
  if (body.clientId.length > MAX_CLIENT_ID_LENGTH) {
    refuseInvalid(`clientId is longer than ${MAX_CLIENT_ID_LENGTH} characters: shorten the instance name`);
  }
  for (const mq of body.mqSet) {
    checkTopicParam(mq.topic, 'mqSet.topic');
    if (mq.brokerName.length === 0 || mq.brokerName.length > MAX_BROKER_NAME_LENGTH) {
      refuseInvalid(`mqSet.brokerName must have 1 to ${MAX_BROKER_NAME_LENGTH} characters`);
    }
    checkQueueId(mq.queueId, 'mqSet.queueId');
  }
}

/** QUERY_CONSUMER_OFFSET reads only, but a bad name or queue id can never have an answer. */
export function checkOffsetQuery(h: { consumerGroup: string; topic: string; queueId: number }): void {
  checkGroupParam(h.consumerGroup, 'consumerGroup');
  checkTopicParam(h.topic);
  checkQueueId(h.queueId);
}

/**
 * UPDATE_CONSUMER_OFFSET, as 5.x ConsumerManageProcessor: the group must exist (here: or be
 * auto-creatable) and the topic must exist; plus what 5.x leaves unchecked: a queue id of the topic
 * and an offset of 0 or more.
 */
export function checkOffsetUpdate(
  ctx: BrokerContext,
  h: { consumerGroup: string; topic: string; queueId: number; commitOffset: bigint },
): void {
  if (ctx.groups.lookup(h.consumerGroup) === undefined) {
    throw new RequestRefusedError(
      ResponseCode.SUBSCRIPTION_GROUP_NOT_EXIST,
      `Group ${h.consumerGroup} not exist!`,
    );
  }
  const topic = ctx.topics.select(h.topic);
  if (topic === undefined) {
    throw new RequestRefusedError(ResponseCode.TOPIC_NOT_EXIST, `Topic ${h.topic} not exist!`);
  }
  const queues = Math.max(topic.readQueueNums, topic.writeQueueNums);
  if (h.queueId < 0 || h.queueId >= queues) {
    refuseInvalid(
      `queueId ${h.queueId} is out of range: topic[${h.topic}] has queues 0 to ${queues - 1}, commit to one of them`,
    );
  }
  checkCommitOffset(h.commitOffset);
}
