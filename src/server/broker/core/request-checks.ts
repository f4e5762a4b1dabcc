/**
 * The checks a broker runs on the names and numbers of a request before anything is stored, for the
 * entry points Java leaves unchecked (offsets, locks, heartbeats, group admin, queue numbers). Each
 * refuses INVALID_PARAMETER with a remark saying what to change; where Java does check (send's
 * msgCheck, topic admin, group auto-creation) the handlers answer Java's own codes and remarks.
 *
 * Why this matters: a name stored here ends up in topics.json, consumerOffset.json, the registration
 * sent to every name server and the routes clients read; one bad name there used to cost the broker
 * its whole registration.
 */
import { RequestRefusedError } from '../../../common/errors.js';
import { Perm } from '../../../protocol/codes/misc.js';
import { ResponseCode } from '../../../protocol/codes/response-code.js';
import type { TopicConfig } from '../../../protocol/body/topic-config.js';
import { TopicSysFlag } from '../../../protocol/body/topic-config.js';
import {
  RETRY_GROUP_TOPIC_PREFIX,
  groupNameProblem,
  topicNameProblem,
} from '../../../protocol/message/validators.js';

/** Java's Long.MAX_VALUE: the largest offset a Java peer can read. */
const LONG_MAX = (1n << 63n) - 1n;

/**
 * Most queues a topic (or a group's retry topic) may be given. Java sets no bound; 1024 is the most
 * Java configures itself (BenchmarkTest), and every client builds one queue object per queue it sees.
 */
export const MAX_QUEUE_NUMS = 1024;

/** Highest valid perm: READ | WRITE | INHERIT (Java PermName.isValid: 0 <= perm < PRIORITY). */
export const MAX_PERM = Perm.PRIORITY - 1;

const ALL_TOPIC_SYS_FLAGS = TopicSysFlag.UNIT | TopicSysFlag.UNIT_SUB;

export function refuseInvalid(remark: string): never {
  throw new RequestRefusedError(ResponseCode.INVALID_PARAMETER, remark);
}

export function isValidTopicName(topic: string): boolean {
  return topicNameProblem(topic) === undefined;
}

export function isValidGroupName(group: string): boolean {
  return groupNameProblem(group) === undefined;
}

/** `field` names where the name came from, e.g. "consumerGroup" or "heartbeat consumerDataSet". */
export function checkTopicParam(topic: string, field = 'topic'): void {
  const problem = topicNameProblem(topic);
  if (problem !== undefined) refuseInvalid(`${field}: ${problem}`);
}

export function checkGroupParam(group: string, field = 'group'): void {
  const problem = groupNameProblem(group);
  if (problem !== undefined) refuseInvalid(`${field}: ${problem}`);
}

/** The retry topic a group's failed messages go to, refused when the group is too long to have one. */
export function retryTopicOf(group: string): string {
  const topic = RETRY_GROUP_TOPIC_PREFIX + group;
  const problem = topicNameProblem(topic);
  if (problem !== undefined) {
    refuseInvalid(
      `the retry topic of group[${group.slice(0, 64)}] would be invalid: ${problem}; ` +
        `use a group name of at most ${127 - RETRY_GROUP_TOPIC_PREFIX.length} characters`,
    );
  }
  return topic;
}

/** An integer in [min, max]; refused INVALID_PARAMETER naming the field and the range otherwise. */
export function checkIntRange(field: string, value: number | bigint, min: number, max: number): void {
  const n = typeof value === 'bigint' ? Number(value) : value;
  if (!Number.isInteger(n) || n < min || n > max) {
    refuseInvalid(`${field} ${String(value)} is out of range: set ${field} between ${min} and ${max}`);
  }
}

export function checkQueueId(queueId: number, field = 'queueId'): void {
  checkIntRange(field, queueId, 0, 2147483647);
}

/** Queue numbers of a topic or a retry topic: 1..MAX_QUEUE_NUMS (`min` 0 where 0 means "none"). */
export function checkQueueNums(field: string, n: number, min = 1): void {
  checkIntRange(field, n, min, MAX_QUEUE_NUMS);
}

/** What makes a topic config unfit to keep or register (a stored name or number no peer accepts). */
export function topicConfigProblem(config: TopicConfig): string | undefined {
  const name = topicNameProblem(config.topicName);
  if (name !== undefined) return name;
  for (const field of ['readQueueNums', 'writeQueueNums'] as const) {
    const n = config[field];
    if (!Number.isInteger(n) || n < 0 || n > MAX_QUEUE_NUMS) {
      return `topic[${config.topicName}] ${field} ${n} is out of range 0..${MAX_QUEUE_NUMS}`;
    }
  }
  if (!Number.isInteger(config.perm) || config.perm < 0 || config.perm > MAX_PERM) {
    return `topic[${config.topicName}] perm ${config.perm} is out of range 0..${MAX_PERM}`;
  }
  if (!Number.isInteger(config.topicSysFlag) || (config.topicSysFlag & ~ALL_TOPIC_SYS_FLAGS) !== 0) {
    return `topic[${config.topicName}] topicSysFlag ${config.topicSysFlag} is not a combination of 1 and 2`;
  }
  return undefined;
}

/** The numbers UPDATE_AND_CREATE_TOPIC may set (Java checks none of them). */
export function checkTopicNumbers(h: {
  readQueueNums: number;
  writeQueueNums: number;
  perm: number;
  topicSysFlag?: number | undefined;
}): void {
  // 0 is accepted, as Java does: `updateTopic -w 0` stops a topic's writes while its reads drain.
  checkQueueNums('readQueueNums', h.readQueueNums, 0);
  checkQueueNums('writeQueueNums', h.writeQueueNums, 0);
  checkIntRange('perm', h.perm, 0, MAX_PERM);
  const sysFlag = h.topicSysFlag ?? 0;
  if (!Number.isInteger(sysFlag) || (sysFlag & ~ALL_TOPIC_SYS_FLAGS) !== 0) {
    refuseInvalid(`topicSysFlag ${sysFlag} is invalid: set 0, 1 (unit), 2 (unit sub) or 3`);
  }
}

/** A committed offset: 0 or more (Java clients only commit offsets > 0). */
export function checkCommitOffset(offset: bigint, field = 'commitOffset'): void {
  if (offset < 0n) refuseInvalid(`${field} ${offset} is negative: commit an offset of 0 or more`);
  // Headers cannot carry more (they decode as Java longs); a JS caller could.
  if (offset > LONG_MAX) refuseInvalid(`${field} ${offset} is above Java's Long.MAX_VALUE (2^63-1)`);
}
