/**
 * Typed access to a parsed fastjson object, with the lenient coercions fastjson applies when it
 * binds JSON to Java fields (a number in a String field, "6" in an int field, "true" / 1 in a
 * boolean field). Anything else that does not fit throws ProtocolError naming the field path.
 * Absent keys and JSON null read as "not set".
 */
import { ProtocolError } from '../../common/errors.js';
import { isJavaInt } from '../java/int-range.js';
import { describeJson } from './fastjson-parse.js';
import type { JsonObject, JsonValue } from './fastjson-parse.js';

export class ObjectReader {
  constructor(
    readonly obj: JsonObject,
    readonly path: string,
  ) {}

  static of(value: JsonValue | undefined, path: string): ObjectReader {
    if (!(value instanceof Map))
      throw new ProtocolError(`${path}: expected an object, got ${describeJson(value)}`);
    return new ObjectReader(value, path);
  }

  has(key: string): boolean {
    const v = this.obj.get(key);
    return v !== undefined && v !== null;
  }

  private bad(key: string, want: string): never {
    throw new ProtocolError(`${this.path}.${key}: expected ${want}, got ${describeJson(this.obj.get(key))}`);
  }

  string(key: string): string | undefined {
    const v = this.obj.get(key);
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'string') return v;
    if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
    return this.bad(key, 'a string');
  }

  requiredString(key: string): string {
    const v = this.string(key);
    if (v === undefined) return this.bad(key, 'a string');
    return v;
  }

  /** Java long read into a JS number; values beyond 2^53 are refused rather than rounded. */
  long(key: string, defaultValue: number): number {
    const v = this.obj.get(key);
    if (v === undefined || v === null) return defaultValue;
    const n = toInteger(v);
    if (n === undefined || !Number.isSafeInteger(n)) return this.bad(key, 'an integer within +-2^53');
    return n;
  }

  /** Java int (32-bit); out-of-range values are refused. */
  int(key: string, defaultValue: number): number {
    const n = this.long(key, defaultValue);
    if (!isJavaInt(n)) return this.bad(key, 'a 32-bit integer');
    return n;
  }

  bool(key: string, defaultValue: boolean): boolean {
    const v = this.obj.get(key);
    if (v === undefined || v === null) return defaultValue;
    if (typeof v === 'boolean') return v;
    if (v === 'true' || v === 1) return true;
    if (v === 'false' || v === 0) return false;
    return this.bad(key, 'a boolean');
  }

  array(key: string): JsonValue[] | undefined {
    const v = this.obj.get(key);
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v)) return this.bad(key, 'an array');
    return v;
  }

  /** A nested JSON object (Java bean or map), or undefined when absent. */
  object(key: string): ObjectReader | undefined {
    const v = this.obj.get(key);
    if (v === undefined || v === null) return undefined;
    if (!(v instanceof Map)) return this.bad(key, 'an object');
    return new ObjectReader(v, `${this.path}.${key}`);
  }

  /** Array of strings (null elements dropped); undefined when absent. */
  stringArray(key: string, maxItems = Infinity): string[] | undefined {
    const arr = this.array(key);
    if (arr === undefined) return undefined;
    if (arr.length > maxItems) this.bad(key, `at most ${maxItems} items`);
    const out: string[] = [];
    for (const e of arr) {
      if (e === null) continue;
      if (typeof e === 'string') out.push(e);
      else if (typeof e === 'number' || typeof e === 'bigint' || typeof e === 'boolean') out.push(String(e));
      else this.bad(key, 'an array of strings');
    }
    return out;
  }

  /** Each element of an array as an object reader (null elements dropped). */
  objectArray(key: string, maxItems = Infinity): ObjectReader[] | undefined {
    const arr = this.array(key);
    if (arr === undefined) return undefined;
    if (arr.length > maxItems) this.bad(key, `at most ${maxItems} items`);
    const out: ObjectReader[] = [];
    arr.forEach((e, i) => {
      if (e !== null) out.push(ObjectReader.of(e, `${this.path}.${key}[${i}]`));
    });
    return out;
  }

  /** A `Map<String, String>`-typed field (null values dropped). */
  stringMap(key: string): Map<string, string> | undefined {
    const m = this.object(key);
    if (m === undefined) return undefined;
    const out = new Map<string, string>();
    for (const k of m.obj.keys()) {
      const s = m.string(k);
      if (s !== undefined) out.set(k, s);
    }
    return out;
  }
}

function toInteger(v: JsonValue): number | undefined {
  if (typeof v === 'number') return Number.isInteger(v) ? v : undefined;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'string' && /^\s*-?\d+\s*$/.test(v)) return Number(v);
  return undefined;
}

/** Parses a JSON object key written for a Java Long (brokerId); refuses anything else. */
export function parseLongKey(key: string, path: string): number {
  if (!/^-?\d+$/.test(key)) throw new ProtocolError(`${path}: key ${JSON.stringify(key)} is not an integer`);
  const n = Number(key);
  if (!Number.isSafeInteger(n)) throw new ProtocolError(`${path}: key ${key} is out of range`);
  return n;
}
