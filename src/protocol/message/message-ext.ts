/**
 * MessageExt: a stored message as a consumer sees it, built from a decoded record (properties parsed,
 * ids computed, a compressed body decoded), and its JSON form.
 */
import { jsonFields } from '../../common/json-form.js';
import { BodyDecompressError, CompressionCodecUnavailableError } from '../../common/codec-errors.js';
import { decompressMessageBody } from './codecs.js';
import { KEY_SEPARATOR, MessageConst, MessageSysFlag, compressionTypeOf } from './constants.js';
import { encodeOffsetMessageId } from './message-id.js';
import { decodeProperties } from './properties.js';
import type { MessageRecord } from './record.js';

function messageExtToJSON(this: MessageExt): Record<string, unknown> {
  return jsonFields(this);
}

/**
 * A stored message as a consumer sees it. Those the client hands out serialise with JSON.stringify:
 * bigints as decimal strings, the body as `body` + `bodyEncoding` (see Message.toJSON).
 */
export interface MessageExt extends Omit<MessageRecord, 'properties'> {
  /** All properties of the stored message, system and user. */
  properties: Record<string, string>;
  /** The TAGS property, when set. */
  tags: string | undefined;
  /** KEYS property as stored (space separated). */
  keys: string | undefined;
  /** Non-empty tokens of KEYS. */
  keyList: string[];
  /** UNIQ_KEY when present, else the offset message id (Java MessageClientExt.getMsgId). */
  msgId: string;
  /** Id encoding the store address and commit-log offset (Java offsetMsgId). */
  offsetMsgId: string;
  /** Offset of the message in the broker's commit log. */
  commitLogOffset: bigint;
  /** Name of the broker it was read from, when known. */
  brokerName?: string;
}

export interface MessageExtOptions {
  /** Inflate COMPRESSED bodies (default true). */
  decompress?: boolean;
  maxDecompressedSize?: number;
  brokerName?: string;
}

/**
 * Build a MessageExt from a decoded record: parse properties, compute the ids and, when COMPRESSED is
 * set, decode the body with the codec its type bits name (zlib, LZ4 or ZSTD) and clear the bit (5.x
 * behaviour). A body that cannot be decoded throws (BodyDecompressError, or
 * CompressionCodecUnavailableError naming the package to install), told where the message is.
 */
export function messageExtFromRecord(record: MessageRecord, options: MessageExtOptions = {}): MessageExt {
  const properties = decodeProperties(record.properties);
  let { body, sysFlag } = record;
  if (options.decompress !== false && sysFlag & MessageSysFlag.COMPRESSED) {
    const location = { topic: record.topic, queueId: record.queueId, queueOffset: record.queueOffset };
    const type = compressionTypeOf(sysFlag);
    if (type === undefined) {
      const value = (sysFlag & MessageSysFlag.COMPRESSION_TYPE_MASK) >> 8;
      throw new BodyDecompressError(
        `type-${value}`,
        `unknown compression type ${value} in sysFlag ${sysFlag}`,
        location,
      );
    }
    const opts =
      options.maxDecompressedSize === undefined ? {} : { maxOutputLength: options.maxDecompressedSize };
    try {
      body = decompressMessageBody(body, type, opts);
    } catch (err) {
      if (err instanceof BodyDecompressError || err instanceof CompressionCodecUnavailableError) {
        throw err.at(location);
      }
      throw err;
    }
    sysFlag &= ~MessageSysFlag.COMPRESSED;
  }
  const offsetMsgId = encodeOffsetMessageId(record.storeHost, record.physicalOffset);
  const keys = properties[MessageConst.PROPERTY_KEYS];
  // Every field named, in MessageRecord's order, rather than `...record`: this runs per message
  // consumed, and the spread plus the added fields cost ~15 µs per message (V8 found no cached shape
  // for the copy), most of a push consumer's CPU.
  const ext: MessageExt = {
    topic: record.topic,
    queueId: record.queueId,
    flag: record.flag,
    queueOffset: record.queueOffset,
    physicalOffset: record.physicalOffset,
    sysFlag,
    bornTimestamp: record.bornTimestamp,
    bornHost: record.bornHost,
    storeTimestamp: record.storeTimestamp,
    storeHost: record.storeHost,
    reconsumeTimes: record.reconsumeTimes,
    preparedTransactionOffset: record.preparedTransactionOffset,
    body,
    properties,
    bodyCrc: record.bodyCrc,
    storeSize: record.storeSize,
    tags: properties[MessageConst.PROPERTY_TAGS],
    keys,
    keyList: keys === undefined ? [] : keys.split(KEY_SEPARATOR).filter((k) => k.length > 0),
    msgId: properties[MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX] ?? offsetMsgId,
    offsetMsgId,
    commitLogOffset: record.physicalOffset,
  };
  if (options.brokerName !== undefined) ext.brokerName = options.brokerName;
  // Not enumerable: spreads, deepEqual and Object.keys see the same fields as before.
  Object.defineProperty(ext, 'toJSON', TO_JSON);
  return ext;
}

/** The toJSON property of every MessageExt (one descriptor, not one per message). */
const TO_JSON: PropertyDescriptor = { value: messageExtToJSON, writable: true, configurable: true };
