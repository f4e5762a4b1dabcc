/**
 * RegisterBrokerBody: body of REGISTER_BROKER (103), reference §6.3.
 *
 * Uncompressed (header compressed=false; every 5.3.3 broker): fastjson default JSON
 *   {"filterServerList":[],"topicConfigSerializeWrapper":{<TopicConfigSerializeWrapper>}}
 * Brokers older than V3_0_11 (37) sent a bare TopicConfigSerializeWrapper; decode accepts that too.
 *
 * Compressed (header compressed=true): a zlib stream (RFC 1950, Java Deflater level 9, `78 DA`) of
 *   int32 len | DataVersion JSON
 *   int32 topicCount
 *   topicCount x (int32 len | "name read write perm FILTERTYPE"        4.9
 *                            | "name read write perm FILTERTYPE {attrs}" 5.x, attrs = fastjson JSON)
 *   int32 len | filterServerList JSON array
 *   5.x only: int32 mappingCount | mappingCount x (int32 len | TopicQueueMappingInfo JSON)
 * All int32 big-endian. The text form loses topicSysFlag and order (they decode as 0 / false).
 * Our deflate output is a valid stream for Java's Inflater but, zlib builds differing, is not
 * promised to equal Java's bytes.
 */
import { deflateSync, inflateSync } from 'node:zlib';
import { ProtocolError } from '../../common/errors.js';
import { isJavaInt } from '../java/int-range.js';
import { parseFastjson, parseFastjsonObject } from '../json/fastjson-parse.js';
import type { FastjsonParseOptions, JsonObject, JsonValue } from '../json/fastjson-parse.js';
import { toFastjsonBytes, toFastjsonString } from '../json/fastjson-write.js';
import type { JsonOut } from '../json/fastjson-write.js';
import { ObjectReader } from '../json/object-reader.js';
import { storedBodyCrc } from '../message/crc32.js';
import {
  TOPIC_CONFIG_DEFAULTS,
  dataVersionFromJson,
  dataVersionToJson,
  parseTopicFilterType,
  topicConfigWrapperFromJson,
  topicConfigWrapperToJson,
} from './topic-config.js';
import type { TopicConfig, TopicConfigSerializeWrapper } from './topic-config.js';

export interface RegisterBrokerBody {
  /** Filter server addresses; brokers send []. */
  filterServerList: string[];
  topicConfigSerializeWrapper: TopicConfigSerializeWrapper;
}

export interface BodyVersionOptions {
  /** Write the 5.x form (stateVersion, attributes, mapping fields / mapping section). */
  v5?: boolean;
}

export interface RegisterBodyDecodeOptions extends FastjsonParseOptions {
  /** Value of the request header field `compressed`. */
  compressed?: boolean;
  /** Refuse bodies with more topics than this (default 100000). */
  maxTopics?: number;
  /** Refuse compressed bodies that inflate beyond this many bytes (default 64 MiB). */
  maxInflatedBytes?: number;
}

export const DEFAULT_MAX_TOPICS = 100_000;
const DEFAULT_MAX_INFLATED = 64 * 1024 * 1024;

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

/** TopicConfig.encode(): the space-separated text used inside the compressed form. */
export function topicConfigToText(t: TopicConfig, v5: boolean): string {
  const base = `${t.topicName} ${t.readQueueNums} ${t.writeQueueNums} ${t.perm} ${t.topicFilterType}`;
  return v5 ? `${base} ${toFastjsonString(t.attributes ?? new Map<string, string>(), 'plain')}` : base;
}

/** TopicConfig.decode(String) (5.x rules, which accept the 4.9 form). */
export function topicConfigFromText(text: string): TopicConfig {
  const parts = text.split(' ');
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop(); // like Java String.split
  if (parts.length < 5)
    throw new ProtocolError(`bad compressed topic config ${JSON.stringify(text.slice(0, 80))}`);
  const int = (s: string): number => {
    if (!/^[+-]?\d{1,10}$/.test(s) || !isJavaInt(Number(s))) {
      throw new ProtocolError(`bad number ${JSON.stringify(s)} in compressed topic config`);
    }
    return Number(s);
  };
  const t: TopicConfig = {
    topicName: parts[0]!,
    readQueueNums: int(parts[1]!),
    writeQueueNums: int(parts[2]!),
    perm: int(parts[3]!),
    topicFilterType: parseTopicFilterType(parts[4], 'compressed topic config'),
    topicSysFlag: TOPIC_CONFIG_DEFAULTS.topicSysFlag,
    order: TOPIC_CONFIG_DEFAULTS.order,
  };
  if (parts.length >= 6) {
    // Java ignores attributes that fail to parse (e.g. a space inside a key or value split them).
    try {
      const r = ObjectReader.of(parseFastjson(parts[5]!), 'attributes');
      t.attributes = new Map();
      for (const k of r.obj.keys()) {
        const v = r.string(k);
        if (v !== undefined) t.attributes.set(k, v);
      }
    } catch {
      delete t.attributes;
    }
  }
  return t;
}

function int32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
}

function lengthPrefixed(data: Buffer): Buffer[] {
  return [int32(data.length), data];
}

export function encodeRegisterBrokerBodyCompressed(
  body: RegisterBrokerBody,
  options: BodyVersionOptions = {},
): Buffer {
  const v5 = options.v5 ?? false;
  const w = body.topicConfigSerializeWrapper;
  const parts: Buffer[] = [...lengthPrefixed(toFastjsonBytes(dataVersionToJson(w.dataVersion, v5)))];
  parts.push(int32(w.topicConfigTable.size));
  for (const t of w.topicConfigTable.values())
    parts.push(...lengthPrefixed(Buffer.from(topicConfigToText(t, v5))));
  parts.push(...lengthPrefixed(toFastjsonBytes(body.filterServerList)));
  if (v5) {
    const mappings = w.topicQueueMappingInfoMap ?? new Map<string, JsonValue>();
    parts.push(int32(mappings.size));
    for (const info of mappings.values()) parts.push(...lengthPrefixed(toFastjsonBytes(info as JsonOut)));
  }
  return deflateSync(Buffer.concat(parts), { level: 9 });
}

class Cursor {
  private pos = 0;
  constructor(private readonly buf: Buffer) {}
  get remaining(): number {
    return this.buf.length - this.pos;
  }
  int(what: string): number {
    if (this.remaining < 4) throw new ProtocolError(`compressed register body truncated before ${what}`);
    const n = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return n;
  }
  bytes(what: string): Buffer {
    const n = this.int(`${what} length`);
    if (n < 0 || n > this.remaining)
      throw new ProtocolError(`compressed register body: bad ${what} length ${n}`);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
}

export function decodeRegisterBrokerBodyCompressed(
  data: Uint8Array,
  options: RegisterBodyDecodeOptions = {},
): RegisterBrokerBody {
  const maxTopics = options.maxTopics ?? DEFAULT_MAX_TOPICS;
  let raw: Buffer;
  try {
    raw = inflateSync(data, { maxOutputLength: options.maxInflatedBytes ?? DEFAULT_MAX_INFLATED });
  } catch (err) {
    throw new ProtocolError(`compressed register body does not inflate: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const c = new Cursor(raw);
  const dataVersion = dataVersionFromJson(
    ObjectReader.of(parseFastjson(c.bytes('dataVersion'), options), 'dataVersion'),
  );
  const count = c.int('topic count');
  if (count < 0 || count > maxTopics)
    throw new ProtocolError(`compressed register body: ${count} topics (limit ${maxTopics})`);
  const topicConfigTable = new Map<string, TopicConfig>();
  for (let i = 0; i < count; i++) {
    const t = topicConfigFromText(c.bytes('topic config').toString('utf8'));
    topicConfigTable.set(t.topicName, t);
  }
  let filterServerList: string[] = [];
  const fsl = c.bytes('filterServerList').toString('utf8');
  try {
    const v = parseFastjson(fsl, options);
    if (Array.isArray(v)) filterServerList = v.filter((e): e is string => typeof e === 'string');
  } catch {
    // Java logs and keeps an empty list.
  }
  const wrapper: TopicConfigSerializeWrapper = { dataVersion, topicConfigTable };
  // 5.x section; Java reads it only for broker versions >= V5_0_0, which always write it.
  if (c.remaining >= 4) {
    const n = c.int('mapping count');
    if (n < 0 || n > maxTopics)
      throw new ProtocolError(`compressed register body: ${n} mappings (limit ${maxTopics})`);
    const map = new Map<string, JsonValue>();
    for (let i = 0; i < n; i++) {
      const info = parseFastjsonObject(c.bytes('mapping info'), options);
      map.set(ObjectReader.of(info, 'TopicQueueMappingInfo').string('topic') ?? '', info);
    }
    wrapper.topicQueueMappingInfoMap = map;
  }
  return { filterServerList, topicConfigSerializeWrapper: wrapper };
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
