/**
 * RegisterBrokerBody: body of REGISTER_BROKER (103), reference §6.3.
 *
 * Uncompressed (header compressed=false; every 5.3.3 broker): fastjson default JSON
 *   {"filterServerList":[],"topicConfigSerializeWrapper":{<TopicConfigSerializeWrapper>}}
 * Brokers older than V3_0_11 (37) sent a bare TopicConfigSerializeWrapper; decode accepts that too.
 * The compressed form (header compressed=true) is in register-broker-compressed.ts.
 */
import { parseFastjsonObject } from '../json/fastjson-parse.js';
import type { FastjsonParseOptions, JsonObject } from '../json/fastjson-parse.js';
import { toFastjsonBytes } from '../json/fastjson-write.js';
import { ObjectReader } from '../json/object-reader.js';
import { storedBodyCrc } from '../message/crc32.js';
import { topicConfigWrapperFromJson, topicConfigWrapperToJson } from './topic-config.js';
import type { TopicConfigSerializeWrapper } from './topic-config.js';
import { DEFAULT_MAX_TOPICS, decodeRegisterBrokerBodyCompressed } from './register-broker-compressed.js';
import type { CompressedRegisterBodyOptions } from './register-broker-compressed.js';

export {
  DEFAULT_MAX_TOPICS,
  decodeRegisterBrokerBodyCompressed,
  decodeRegisterBrokerBodyInflated,
  encodeRegisterBrokerBodyCompressed,
  registerBodyDecodeSteps,
  topicConfigFromText,
  topicConfigToText,
} from './register-broker-compressed.js';

export interface RegisterBrokerBody {
  /** Filter server addresses; brokers send []. */
  filterServerList: string[];
  topicConfigSerializeWrapper: TopicConfigSerializeWrapper;
}

export interface BodyVersionOptions {
  /** Write the 5.x form (stateVersion, attributes, mapping fields / mapping section). */
  v5?: boolean;
}

export interface RegisterBodyDecodeOptions extends CompressedRegisterBodyOptions {
  /** Value of the request header field `compressed`. */
  compressed?: boolean;
}

export function encodeRegisterBrokerBody(body: RegisterBrokerBody, options: BodyVersionOptions = {}): Buffer {
  return toFastjsonBytes(
    {
      filterServerList: body.filterServerList,
      topicConfigSerializeWrapper: topicConfigWrapperToJson(
        body.topicConfigSerializeWrapper,
        options.v5 ?? false,
      ),
    },
    'plain',
  );
}

export function registerBrokerBodyFromJson(
  obj: JsonObject,
  maxTopics = DEFAULT_MAX_TOPICS,
): RegisterBrokerBody {
  const r = new ObjectReader(obj, 'RegisterBrokerBody');
  const inner = r.object('topicConfigSerializeWrapper');
  // Pre-V3_0_11 brokers sent the wrapper itself.
  const wrapperReader = inner ?? (r.has('topicConfigTable') ? r : undefined);
  return {
    filterServerList: r.stringArray('filterServerList') ?? [],
    topicConfigSerializeWrapper: wrapperReader
      ? topicConfigWrapperFromJson(wrapperReader, maxTopics)
      : { dataVersion: { timestamp: 0, counter: 0 }, topicConfigTable: new Map() },
  };
}

/** Decodes either form, as the header's `compressed` flag says. */
export function decodeRegisterBrokerBody(
  data: Uint8Array,
  options: RegisterBodyDecodeOptions = {},
): RegisterBrokerBody {
  if (options.compressed) return decodeRegisterBrokerBodyCompressed(data, options);
  return registerBrokerBodyFromJson(parseFastjsonObject(data, options), options.maxTopics);
}

/** GET_ALL_TOPIC_CONFIG (21) answer body: the broker's TopicConfig(AndMapping)SerializeWrapper. */
export function encodeTopicConfigSerializeWrapper(
  w: TopicConfigSerializeWrapper,
  options: BodyVersionOptions = {},
): Buffer {
  return toFastjsonBytes(topicConfigWrapperToJson(w, options.v5 ?? false), 'plain');
}

export function decodeTopicConfigSerializeWrapper(
  data: Uint8Array,
  options: FastjsonParseOptions & { maxTopics?: number } = {},
): TopicConfigSerializeWrapper {
  const r = new ObjectReader(parseFastjsonObject(data, options), 'TopicConfigSerializeWrapper');
  return topicConfigWrapperFromJson(r, options.maxTopics ?? DEFAULT_MAX_TOPICS);
}

/** Java UtilAll.crc32: CRC-32 (zlib polynomial) & 0x7FFFFFFF, the header field `bodyCrc32`. */
export function bodyCrc32(data: Uint8Array): number {
  return storedBodyCrc(data);
}
