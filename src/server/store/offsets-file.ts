/**
 * Offset tables in Java's JSON shapes, kept exact over the whole Java long range:
 *
 *   consumerOffset.json  {"offsetTable":{"<topic>@<group>":{"<queueId>":<offset>,...},...}}
 *   delayOffset.json     {"offsetTable":{"<level>":<offset>,...}}
 *
 * Offsets are plain JSON integers (what Java's fastjson writes and reads back as a long), written
 * from the bigint's digits: JSON.stringify of a Number would round any offset above 2^53
 * (9223372036854775807 became 9223372036854776000, which Java cannot read back). They are read with
 * the fastjson reader, which keeps large integers as bigint (JSON.parse would round them too). An
 * entry that is not an offset (not an integer, negative, above Long.MAX_VALUE beyond what rounding
 * Long.MAX gives, or a queue id that is not one) is left out and reported, so one bad entry does not poison the rest of the table.
 */
import { parseFastjson } from '../../protocol/json/fastjson-parse.js';
import type { JsonValue } from '../../protocol/json/fastjson-parse.js';

export const LONG_MAX = (1n << 63n) - 1n;

/** One entry left out when reading: where it was and what it held. */
export interface DroppedOffset {
  key: string;
  value: string;
}

/**
 * Our versions before exact offsets wrote offsets through a double: Long.MAX (a group committed at
 * the end) became 9223372036854776000. Values up to 2^63 + 2048 (half a double step above 2^63, all
 * that rounding can reach from a long) are read back as Long.MAX rather than dropped, which would
 * send the queue back to its consumeFromWhere.
 */
const ROUNDED_LONG_MAX_LIMIT = (1n << 63n) + 2048n;

/**
 * The offset a JSON value holds (an integer 0..Long.MAX_VALUE, or such a decimal string; a rounded
 * Long.MAX reads as Long.MAX), else undefined.
 */
export function offsetOf(value: JsonValue | undefined): bigint | undefined {
  let n: bigint;
  if (typeof value === 'bigint') n = value;
  else if (typeof value === 'number' && Number.isSafeInteger(value)) n = BigInt(value);
  else if (typeof value === 'string' && /^\d{1,19}$/.test(value)) n = BigInt(value);
  else return undefined;
  if (n > LONG_MAX && n <= ROUNDED_LONG_MAX_LIMIT) return LONG_MAX;
  return n >= 0n && n <= LONG_MAX ? n : undefined;
}

function queueIdOf(key: string): number | undefined {
  if (!/^\d{1,10}$/.test(key)) return undefined;
  const n = Number(key);
  return n <= 2147483647 ? n : undefined;
}

function describe(value: JsonValue | undefined): string {
  if (value instanceof Map) return '(an object)';
  return String(value).slice(0, 100);
}

/** Reads one `{"<int>": offset}` map; entries that are not (queue id, offset) go to `dropped`. */
function readIntKeyed(
  where: string,
  table: JsonValue | undefined,
  dropped: DroppedOffset[],
): Map<number, bigint> {
  const out = new Map<number, bigint>();
  if (!(table instanceof Map)) {
    dropped.push({ key: where, value: describe(table) });
    return out;
  }
  for (const [k, v] of table) {
    const id = queueIdOf(k);
    const offset = offsetOf(v);
    if (id === undefined || offset === undefined) dropped.push({ key: `${where}/${k}`, value: describe(v) });
    else out.set(id, offset);
  }
  return out;
}

function offsetTableOf(text: string): Map<string, JsonValue> {
  // The file is ours (or Java's): no size cap beyond what fits in memory.
  const root = parseFastjson(text, { maxLength: Number.MAX_SAFE_INTEGER });
  const table = root instanceof Map ? root.get('offsetTable') : undefined;
  return table instanceof Map ? table : new Map();
}

/** Parses consumerOffset.json text; throws on text that is not JSON (the caller tries the backup). */
export function parseConsumerOffsets(text: string): {
  table: Map<string, Map<number, bigint>>;
  dropped: DroppedOffset[];
} {
  const dropped: DroppedOffset[] = [];
  const table = new Map<string, Map<number, bigint>>();
  for (const [key, queues] of offsetTableOf(text)) {
    const m = readIntKeyed(key, queues, dropped);
    if (m.size > 0) table.set(key, m);
  }
  return { table, dropped };
}

/** Parses delayOffset.json text; throws on text that is not JSON. */
export function parseDelayOffsets(text: string): { table: Map<number, bigint>; dropped: DroppedOffset[] } {
  const dropped: DroppedOffset[] = [];
  const table = readIntKeyed('offsetTable', offsetTableOf(text), dropped);
  return { table, dropped };
}

/** `{"<id>":offset,...}` with exact digits, ids in the map's order. */
function intKeyedJson(m: ReadonlyMap<number, bigint>, indent: string): string {
  const lines = [...m].map(
    ([id, offset]) => `${indent}  ${JSON.stringify(String(id))}: ${offset.toString()}`,
  );
  return lines.length === 0 ? '{}' : `{\n${lines.join(',\n')}\n${indent}}`;
}

/** consumerOffset.json text (2-space indented, as JSON.stringify(..., null, 2) would lay it out). */
export function consumerOffsetsText(table: ReadonlyMap<string, ReadonlyMap<number, bigint>>): string {
  const entries = [...table].map(([key, m]) => `    ${JSON.stringify(key)}: ${intKeyedJson(m, '    ')}`);
  const body = entries.length === 0 ? '{}' : `{\n${entries.join(',\n')}\n  }`;
  return `{\n  "offsetTable": ${body}\n}`;
}

/** delayOffset.json text. */
export function delayOffsetsText(table: ReadonlyMap<number, bigint>): string {
  return `{\n  "offsetTable": ${intKeyedJson(table, '  ')}\n}`;
}
