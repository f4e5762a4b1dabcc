/**
 * RegisterBrokerBody, compressed form (REGISTER_BROKER header compressed=true), reference §6.3:
 * a zlib stream (RFC 1950, Java Deflater level 9, `78 DA`) of
 *   int32 len | DataVersion JSON
 *   int32 topicCount
 *   topicCount x (int32 len | "name read write perm FILTERTYPE"        4.9
 *                            | "name read write perm FILTERTYPE {attrs}" 5.x, attrs = fastjson JSON)
 *   int32 len | filterServerList JSON array
 *   5.x only: int32 mappingCount | mappingCount x (int32 len | TopicQueueMappingInfo JSON)
 * All int32 big-endian. The text form loses topicSysFlag and order (they decode as 0 / false).
 * Our deflate output is a valid stream for Java's Inflater but, zlib builds differing, is not
 * promised to equal Java's bytes.
 *
 * A small stream can inflate to many megabytes and ~100k entries. So that a server need not do that
 * work in one go, the decoder is also offered as steps over bytes inflated elsewhere
 * (registerBodyDecodeSteps: a generator that pauses after every DECODE_STEP_ENTRIES entries), and
 * the mapping entries, which a name server that keeps no static-topic mappings never reads, can be
 * skipped without parsing (skipMappings).
 */
import { deflateSync, inflateSync } from 'node:zlib';
import { ProtocolError } from '../../common/errors.js';
import { isJavaInt } from '../java/int-range.js';
import { parseFastjson, parseFastjsonObject } from '../json/fastjson-parse.js';
import type { FastjsonParseOptions, JsonValue } from '../json/fastjson-parse.js';
import { toFastjsonBytes, toFastjsonString } from '../json/fastjson-write.js';
import type { JsonOut } from '../json/fastjson-write.js';
import { ObjectReader } from '../json/object-reader.js';
import {
  TOPIC_CONFIG_DEFAULTS,
  dataVersionFromJson,
  dataVersionToJson,
  parseTopicFilterType,
} from './topic-config.js';
import type { TopicConfig, TopicConfigSerializeWrapper } from './topic-config.js';
import type { BodyVersionOptions, RegisterBrokerBody } from './register-broker.js';

export interface CompressedRegisterBodyOptions extends FastjsonParseOptions {
  /** Refuse bodies with more topics (or more mapping entries) than this (default 100000). */
  maxTopics?: number;
  /** Refuse compressed bodies that inflate beyond this many bytes (default 64 MiB). */
  maxInflatedBytes?: number;
  /** Check the mapping entries' framing but do not parse them (topicQueueMappingInfoMap left unset). */
  skipMappings?: boolean;
}

export const DEFAULT_MAX_TOPICS = 100_000;
const DEFAULT_MAX_INFLATED = 64 * 1024 * 1024;
/** Entries (topics or mappings) decoded between two pauses of registerBodyDecodeSteps. */
export const DECODE_STEP_ENTRIES = 1000;

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

/** Inflates and decodes in one synchronous call (small bodies, tests; a server uses the steps). */
export function decodeRegisterBrokerBodyCompressed(
  data: Uint8Array,
  options: CompressedRegisterBodyOptions = {},
): RegisterBrokerBody {
  let raw: Buffer;
  try {
    raw = inflateSync(data, { maxOutputLength: options.maxInflatedBytes ?? DEFAULT_MAX_INFLATED });
  } catch (err) {
    throw new ProtocolError(`compressed register body does not inflate: ${(err as Error).message}`, {
      cause: err,
    });
  }
  return decodeRegisterBrokerBodyInflated(raw, options);
}

/** Decodes an already inflated body in one go. */
export function decodeRegisterBrokerBodyInflated(
  raw: Buffer,
  options: CompressedRegisterBodyOptions = {},
): RegisterBrokerBody {
  const steps = registerBodyDecodeSteps(raw, options);
  for (;;) {
    const step = steps.next();
    if (step.done === true) return step.value;
  }
}

/**
 * The decoder of an inflated body as steps: each `next()` decodes up to DECODE_STEP_ENTRIES entries;
 * the last one returns the body. Throws ProtocolError from the step that meets the problem.
 */
export function* registerBodyDecodeSteps(
  raw: Buffer,
  options: CompressedRegisterBodyOptions = {},
): Generator<void, RegisterBrokerBody, void> {
  const maxTopics = options.maxTopics ?? DEFAULT_MAX_TOPICS;
  const c = new Cursor(raw);
  const dataVersion = dataVersionFromJson(
    ObjectReader.of(parseFastjson(c.bytes('dataVersion'), options), 'dataVersion'),
  );
  const count = c.int('topic count');
  if (count < 0 || count > maxTopics)
    throw new ProtocolError(`compressed register body: ${count} topics (limit ${maxTopics})`);
  const topicConfigTable = new Map<string, TopicConfig>();
  for (let i = 0; i < count; i++) {
    if (i > 0 && i % DECODE_STEP_ENTRIES === 0) yield;
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
    if (options.skipMappings === true) {
      for (let i = 0; i < n; i++) c.bytes('mapping info'); // framing only: O(1) per entry
      return { filterServerList, topicConfigSerializeWrapper: wrapper };
    }
    const map = new Map<string, JsonValue>();
    for (let i = 0; i < n; i++) {
      if (i > 0 && i % DECODE_STEP_ENTRIES === 0) yield;
      const info = parseFastjsonObject(c.bytes('mapping info'), options);
      map.set(ObjectReader.of(info, 'TopicQueueMappingInfo').string('topic') ?? '', info);
    }
    wrapper.topicQueueMappingInfoMap = map;
  }
  return { filterServerList, topicConfigSerializeWrapper: wrapper };
}
