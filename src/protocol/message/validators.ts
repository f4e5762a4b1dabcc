/**
 * Client-side checks of topics, groups and messages (Java Validators / TopicValidator). Messages and
 * codes follow the Java client; each message ends with a short hint in parentheses saying what to change.
 */
import { ClientErrorCode, MQClientError } from '../../common/errors.js';
import { ResponseCode } from '../codes/index.js';
import { MessageConst } from './constants.js';
import type { MessageBody } from './message.js';

export const TOPIC_MAX_LENGTH = 127;
export const GROUP_MAX_LENGTH = 255;
export const DEFAULT_MAX_MESSAGE_SIZE = 4 * 1024 * 1024;
export const VALID_NAME_PATTERN = '^[%|a-zA-Z0-9_-]+$';

/** Names of the system topics (Java TopicValidator): trace, schedule, transaction half/op, benchmark and others. */
export const SystemTopic = {
  AUTO_CREATE_TOPIC_KEY_TOPIC: 'TBW102',
  RMQ_SYS_SCHEDULE_TOPIC: 'SCHEDULE_TOPIC_XXXX',
  RMQ_SYS_BENCHMARK_TOPIC: 'BenchmarkTest',
  RMQ_SYS_TRANS_HALF_TOPIC: 'RMQ_SYS_TRANS_HALF_TOPIC',
  RMQ_SYS_TRACE_TOPIC: 'RMQ_SYS_TRACE_TOPIC',
  RMQ_SYS_TRANS_OP_HALF_TOPIC: 'RMQ_SYS_TRANS_OP_HALF_TOPIC',
  RMQ_SYS_TRANS_CHECK_MAX_TIME_TOPIC: 'TRANS_CHECK_MAX_TIME_TOPIC',
  RMQ_SYS_SELF_TEST_TOPIC: 'SELF_TEST_TOPIC',
  RMQ_SYS_OFFSET_MOVED_EVENT: 'OFFSET_MOVED_EVENT',
  /** 5.x */
  RMQ_SYS_ROCKSDB_OFFSET_TOPIC: 'CHECKPOINT_TOPIC',
} as const;

export const SYSTEM_TOPIC_PREFIX = 'rmq_sys_';
export const RETRY_GROUP_TOPIC_PREFIX = '%RETRY%';
export const DLQ_GROUP_TOPIC_PREFIX = '%DLQ%';
export const LMQ_PREFIX = '%LMQ%';
export const SYSTEM_CONSUMER_GROUP_PREFIX = 'CID_RMQ_SYS_';
export const DEFAULT_PRODUCER_GROUP = 'DEFAULT_PRODUCER';
export const CLIENT_INNER_PRODUCER_GROUP = 'CLIENT_INNER_PRODUCER';
export const DEFAULT_CONSUMER_GROUP = 'DEFAULT_CONSUMER';
export const TOOLS_CONSUMER_GROUP = 'TOOLS_CONSUMER';

export const SYSTEM_TOPICS: ReadonlySet<string> = new Set<string>(Object.values(SystemTopic));

export const NOT_ALLOWED_SEND_TOPICS: ReadonlySet<string> = new Set<string>([
  SystemTopic.RMQ_SYS_SCHEDULE_TOPIC,
  SystemTopic.RMQ_SYS_TRANS_HALF_TOPIC,
  SystemTopic.RMQ_SYS_TRANS_OP_HALF_TOPIC,
  SystemTopic.RMQ_SYS_TRANS_CHECK_MAX_TIME_TOPIC,
  SystemTopic.RMQ_SYS_SELF_TEST_TOPIC,
  SystemTopic.RMQ_SYS_OFFSET_MOVED_EVENT,
]);

/** Built-in system topics and anything starting with `rmq_sys_` (brokers add more at start-up). */
export function isSystemTopic(topic: string): boolean {
  return SYSTEM_TOPICS.has(topic) || topic.startsWith(SYSTEM_TOPIC_PREFIX);
}

export function isNotAllowedSendTopic(topic: string): boolean {
  return NOT_ALLOWED_SEND_TOPICS.has(topic);
}

export function isSystemConsumerGroup(group: string): boolean {
  return group.startsWith(SYSTEM_CONSUMER_GROUP_PREFIX);
}

/** True when `name` has a character outside `^[%|a-zA-Z0-9_-]+$` (UTF-16 units; non-ASCII is illegal). */
export function isTopicOrGroupIllegal(name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    const ok =
      (c >= 0x30 && c <= 0x39) ||
      (c >= 0x41 && c <= 0x5a) ||
      (c >= 0x61 && c <= 0x7a) ||
      c === 0x25 /* % */ ||
      c === 0x7c /* | */ ||
      c === 0x5f /* _ */ ||
      c === 0x2d; /* - */
    if (!ok) return true;
  }
  return false;
}

function isBlank(s: string | null | undefined): boolean {
  return s === null || s === undefined || s.trim() === '';
}

function clientError(message: string, hint: string, code: number): MQClientError {
  return new MQClientError(`${message} (${hint})`, { code });
}

interface NameProblem {
  message: string;
  hint: string;
}

/** Java Validators' blank / length / character checks; `what` opens the messages as Java words them. */
function nameProblem(
  value: string,
  what: 'The specified topic' | 'the specified group',
  noun: 'topic' | 'group',
  maxLength: number,
): NameProblem | undefined {
  if (typeof value !== 'string' || isBlank(value)) {
    return { message: `${what} is blank`, hint: `set a non-empty ${noun} name` };
  }
  if (value.length > maxLength) {
    return {
      message: `${what} is longer than ${noun} max length ${maxLength}.`,
      hint: `shorten the ${noun}, ${value.length} characters given`,
    };
  }
  if (isTopicOrGroupIllegal(value)) {
    return {
      message: `${what}[${value}] contains illegal characters, allowing only ${VALID_NAME_PATTERN}`,
      hint: 'use only ASCII letters, digits, %, |, _ and -',
    };
  }
  return undefined;
}

function checkName(...args: Parameters<typeof nameProblem>): void {
  const problem = nameProblem(...args);
  const code = args[2] === 'topic' ? ClientErrorCode.INVALID_TOPIC : ClientErrorCode.INVALID_GROUP;
  if (problem) throw clientError(problem.message, problem.hint, code);
}

/** What checkTopic would refuse, as "message (hint)"; undefined for a valid topic. Servers use it in remarks. */
export function topicNameProblem(topic: string): string | undefined {
  const p = nameProblem(topic, 'The specified topic', 'topic', TOPIC_MAX_LENGTH);
  return p && `${p.message} (${p.hint})`;
}

/** What checkGroup would refuse, as "message (hint)"; undefined for a valid group. */
export function groupNameProblem(group: string): string | undefined {
  const p = nameProblem(group, 'the specified group', 'group', GROUP_MAX_LENGTH);
  return p && `${p.message} (${p.hint})`;
}

/** The topic checkTopic passed last. */
let lastValidTopic: string | undefined;

/** Throws MQClientError (INVALID_TOPIC) when the topic is empty, too long (127 chars) or has characters outside `[%|a-zA-Z0-9_-]` (Java Validators.checkTopic). */
export function checkTopic(topic: string): void {
  if (topic === lastValidTopic) return; // a producer sends to the same topic again and again
  checkName(topic, 'The specified topic', 'topic', TOPIC_MAX_LENGTH);
  if (typeof topic === 'string') lastValidTopic = topic;
}

/** Refuse topics no client may send to (schedule / transaction internals...). */
export function checkNotAllowedSendTopic(topic: string): void {
  if (isNotAllowedSendTopic(topic)) {
    throw clientError(
      `Sending message to topic[${topic}] is forbidden.`,
      'this is a broker-internal topic',
      ClientErrorCode.INVALID_TOPIC,
    );
  }
}

/** The createTopic check: refuse names of system topics. */
export function checkNotSystemTopic(topic: string): void {
  if (isSystemTopic(topic)) {
    throw clientError(
      `The topic[${topic}] is conflict with system topic.`,
      'choose another topic name',
      ClientErrorCode.INVALID_TOPIC,
    );
  }
}

/** Throws MQClientError (INVALID_GROUP) when the group is empty, too long (255 chars) or has characters outside `[%|a-zA-Z0-9_-]` (Java Validators.checkGroup). */
export function checkGroup(group: string): void {
  checkName(group, 'the specified group', 'group', GROUP_MAX_LENGTH);
}

/** checkGroup plus the producer's refusal of the default group name (Java checkConfig). */
export function checkProducerGroup(group: string): void {
  checkGroup(group);
  if (group === DEFAULT_PRODUCER_GROUP) {
    throw clientError(
      'producerGroup can not equal DEFAULT_PRODUCER, please specify another one.',
      'name the producer group after your application',
      ClientErrorCode.INVALID_GROUP,
    );
  }
}

export interface CheckableMessage {
  topic: string;
  body: MessageBody | null | undefined;
  properties?: Readonly<Record<string, string>>;
}

function bodyLength(body: MessageBody): number {
  return typeof body === 'string' ? Buffer.byteLength(body, 'utf8') : body.length;
}

/**
 * Java Validators.checkMessage: topic, forbidden topics, body presence and size (raw body, before
 * compression), and the 5.x INNER_MULTI_DISPATCH path check.
 */
export function checkMessage(
  msg: CheckableMessage | null | undefined,
  maxMessageSize: number = DEFAULT_MAX_MESSAGE_SIZE,
): void {
  const illegal = ResponseCode.MESSAGE_ILLEGAL;
  if (msg === null || msg === undefined) {
    throw clientError('the message is null', 'pass a message object', illegal);
  }
  checkTopic(msg.topic);
  checkNotAllowedSendTopic(msg.topic);
  if (msg.body === null || msg.body === undefined) {
    throw clientError('the message body is null', 'set message.body', illegal);
  }
  const len = bodyLength(msg.body);
  if (len === 0) {
    throw clientError('the message body length is zero', 'send a non-empty body', illegal);
  }
  if (len > maxMessageSize) {
    throw clientError(
      `the message body size over max value, MAX: ${maxMessageSize}`,
      `body is ${len} bytes; split it or raise maxMessageSize`,
      illegal,
    );
  }
  const lmq = msg.properties?.[MessageConst.PROPERTY_INNER_MULTI_DISPATCH];
  if (lmq !== undefined && lmq.includes('/')) {
    throw clientError(
      `INNER_MULTI_DISPATCH ${lmq} can not contains / character`,
      'remove "/" from the queue names',
      illegal,
    );
  }
}
