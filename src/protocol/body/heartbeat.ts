/**
 * HeartbeatData: body of HEART_BEAT (34), reference §8. fastjson defaults, keys alphabetical, enums
 * by name, sets in the order given:
 *   {"clientID":"ip@instance","consumerDataSet":[{"consumeFromWhere":..,"consumeType":..,
 *     "groupName":..,"messageModel":..,"subscriptionDataSet":[{"classFilterMode":false,"codeSet":[],
 *     "expressionType":"TAG","subString":"*","subVersion":<ms>,"tagsSet":[],"topic":..}],
 *     "unitMode":false}],[5.x: "heartbeatFingerprint":0,]"producerDataSet":[{"groupName":..}]
 *    [5.x: ,"withoutSub":false]}
 * Decoding ignores unknown keys and reads enum names it does not know as plain strings.
 */
import { ProtocolError } from '../../common/errors.js';
import { isJavaInt } from '../java/int-range.js';
import { parseFastjsonObject } from '../json/fastjson-parse.js';
import type { FastjsonParseOptions } from '../json/fastjson-parse.js';
import { toFastjsonBytes } from '../json/fastjson-write.js';
import type { JsonOut } from '../json/fastjson-write.js';
import { ObjectReader } from '../json/object-reader.js';

export type ConsumeType = 'CONSUME_ACTIVELY' | 'CONSUME_PASSIVELY' | 'CONSUME_POP' | (string & {});
export type MessageModel = 'CLUSTERING' | 'BROADCASTING' | (string & {});
export type ConsumeFromWhere =
  'CONSUME_FROM_LAST_OFFSET' | 'CONSUME_FROM_FIRST_OFFSET' | 'CONSUME_FROM_TIMESTAMP' | (string & {});
export type ExpressionType = 'TAG' | 'SQL92' | (string & {});

export interface SubscriptionData {
  topic: string;
  /** "*" = every tag; otherwise "a || b" or an SQL92 expression. */
  subString: string;
  tagsSet: string[];
  /** Java String.hashCode of each tag. */
  codeSet: number[];
  /** Milliseconds; newer subscriptions win. */
  subVersion: number;
  expressionType: ExpressionType;
  classFilterMode: boolean;
}

export interface ProducerData {
  groupName: string;
}

export interface ConsumerData {
  groupName: string;
  consumeType?: ConsumeType;
  messageModel?: MessageModel;
  consumeFromWhere?: ConsumeFromWhere;
  subscriptionDataSet: SubscriptionData[];
  unitMode: boolean;
}

/** HEARTBEAT body (Java HeartbeatData): the client id and its producer and consumer groups with their subscriptions. */
export interface HeartbeatData {
  /** Client id, `ip@instanceName[@unitName]`. */
  clientID: string;
  /** Producer groups of the client. */
  producerDataSet: ProducerData[];
  /** Consumer groups of the client, with their subscriptions. */
  consumerDataSet: ConsumerData[];
  /** 5.x: 0 = fingerprint not used. */
  heartbeatFingerprint?: number;
  /** 5.x: heartbeat v2 without subscriptions. */
  withoutSub?: boolean;
}

export function subscriptionDataToJson(s: SubscriptionData): JsonOut {
  return {
    classFilterMode: s.classFilterMode,
    codeSet: s.codeSet,
    expressionType: s.expressionType,
    subString: s.subString,
    subVersion: s.subVersion,
    tagsSet: s.tagsSet,
    topic: s.topic,
  };
}

export function consumerDataToJson(c: ConsumerData): JsonOut {
  return {
    consumeFromWhere: c.consumeFromWhere,
    consumeType: c.consumeType,
    groupName: c.groupName,
    messageModel: c.messageModel,
    subscriptionDataSet: c.subscriptionDataSet.map(subscriptionDataToJson),
    unitMode: c.unitMode,
  };
}

/** Encodes as 4.9.8 does; `v5` adds heartbeatFingerprint and withoutSub (defaults 0 / false). */
export function encodeHeartbeatData(h: HeartbeatData, options: { v5?: boolean } = {}): Buffer {
  const v5 = options.v5 ?? false;
  return toFastjsonBytes(
    {
      clientID: h.clientID,
      consumerDataSet: h.consumerDataSet.map(consumerDataToJson),
      heartbeatFingerprint: v5 ? (h.heartbeatFingerprint ?? 0) : undefined,
      producerDataSet: h.producerDataSet.map((p) => ({ groupName: p.groupName })),
      withoutSub: v5 ? (h.withoutSub ?? false) : undefined,
    },
    'plain',
  );
}

/** Set<Integer> of tag hash codes; numeric strings are accepted as fastjson does. */
function intArray(r: ObjectReader, key: string): number[] {
  return (r.array(key) ?? []).flatMap((e) => {
    if (e === null) return [];
    const n = typeof e === 'number' || (typeof e === 'string' && /^-?\d+$/.test(e)) ? Number(e) : NaN;
    if (!isJavaInt(n)) {
      throw new ProtocolError(`${r.path}.${key}: element is not a 32-bit integer`);
    }
    return [n];
  });
}

export function subscriptionDataFromJson(r: ObjectReader): SubscriptionData {
  return {
    topic: r.requiredString('topic'),
    subString: r.string('subString') ?? '*',
    tagsSet: r.stringArray('tagsSet') ?? [],
    codeSet: intArray(r, 'codeSet'),
    subVersion: r.long('subVersion', 0),
    expressionType: r.string('expressionType') ?? 'TAG',
    classFilterMode: r.bool('classFilterMode', false),
  };
}

export function consumerDataFromJson(r: ObjectReader, maxItems: number): ConsumerData {
  const c: ConsumerData = {
    groupName: r.requiredString('groupName'),
    subscriptionDataSet: (r.objectArray('subscriptionDataSet', maxItems) ?? []).map(subscriptionDataFromJson),
    unitMode: r.bool('unitMode', false),
  };
  const consumeType = r.string('consumeType');
  if (consumeType !== undefined) c.consumeType = consumeType;
  const messageModel = r.string('messageModel');
  if (messageModel !== undefined) c.messageModel = messageModel;
  const from = r.string('consumeFromWhere');
  if (from !== undefined) c.consumeFromWhere = from;
  return c;
}

export interface HeartbeatDecodeOptions extends FastjsonParseOptions {
  /** Refuse more producer / consumer / subscription entries than this per list (default 10000). */
  maxItems?: number;
}

/**
 * Values a heartbeat body may hold by default (FastjsonParseOptions.maxValues): a subscription is
 * ~15 values, so this leaves room for ~10,000 of them (Java clients send a few); parsing 200,000 takes
 * ~0.2 s, the longest one unauthenticated request may hold the event loop (16 MiB of `{},` made 5.6 M
 * values and ~10 s).
 */
export const HEARTBEAT_MAX_VALUES = 200_000;

/** Decodes a HEARTBEAT body; throws on a malformed one. */
export function decodeHeartbeatData(body: Uint8Array, options: HeartbeatDecodeOptions = {}): HeartbeatData {
  const max = options.maxItems ?? 10000;
  const parsed = parseFastjsonObject(body, { maxValues: HEARTBEAT_MAX_VALUES, ...options });
  const r = new ObjectReader(parsed, 'HeartbeatData');
  const h: HeartbeatData = {
    clientID: r.string('clientID') ?? '',
    producerDataSet: (r.objectArray('producerDataSet', max) ?? []).map((p) => ({
      groupName: p.requiredString('groupName'),
    })),
    consumerDataSet: (r.objectArray('consumerDataSet', max) ?? []).map((c) => consumerDataFromJson(c, max)),
  };
  if (r.has('heartbeatFingerprint')) h.heartbeatFingerprint = r.int('heartbeatFingerprint', 0);
  if (r.has('withoutSub')) h.withoutSub = r.bool('withoutSub', false);
  return h;
}
