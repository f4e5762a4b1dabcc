/**
 * The JSON form of what the client hands out (send results, pulled messages, errors), so that
 * `JSON.stringify` never throws on a bigint and a log line or an HTTP answer can carry them:
 *
 * - bigint -> decimal string (`"18446744073709551615"`): exact, where a JSON number would round.
 * - A message body -> `body` plus `bodyEncoding`: `'utf8'` and the text when the bytes are valid UTF-8
 *   (what most bodies are: JSON, text), else `'base64'` and the bytes in base64. Reading it back:
 *   `Buffer.from(json.body, json.bodyEncoding)`.
 * - Any other Buffer / Uint8Array -> base64 string.
 * - Map -> object, Set -> array, functions and undefined left out, cycles written as `"[Circular]"`.
 */
import { isUtf8 } from 'node:buffer';

/** How a body is written in JSON. */
export type BodyEncoding = 'utf8' | 'base64';

/** A message body in its JSON form. */
export interface JsonBody {
  body: string;
  bodyEncoding: BodyEncoding;
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** A body (bytes or a string) in its JSON form: text when it is valid UTF-8, else base64. */
export function jsonBody(body: Uint8Array | string): JsonBody {
  if (typeof body === 'string') return { body, bodyEncoding: 'utf8' };
  const bytes = asBuffer(body);
  return isUtf8(bytes)
    ? { body: bytes.toString('utf8'), bodyEncoding: 'utf8' }
    : { body: bytes.toString('base64'), bodyEncoding: 'base64' };
}

/** A JSON-safe copy of any value (see the file header). */
export function jsonValue(value: unknown, seen: Set<object> = new Set()): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'function' || typeof value === 'symbol') return undefined;
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Uint8Array) return asBuffer(value).toString('base64');
  if (seen.has(value)) return '[Circular]';
  seen.add(value);
  try {
    if (value instanceof Error) return errorJSON(value, seen);
    if (Array.isArray(value) || value instanceof Set)
      return [...value].map((v) => jsonValue(v, seen) ?? null);
    if (value instanceof Map) return jsonValue(Object.fromEntries(value), seen);
    if (value instanceof Date) return value.toISOString();
    return jsonFields(value, seen);
  } finally {
    seen.delete(value);
  }
}

/** Own enumerable fields in JSON-safe form; a `body` field in its JSON form with `bodyEncoding`. */
export function jsonFields(object: object, seen: Set<object> = new Set()): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(object)) {
    if (key === 'body' && (typeof field === 'string' || field instanceof Uint8Array)) {
      Object.assign(out, jsonBody(field));
      continue;
    }
    const converted = jsonValue(field, seen);
    if (converted !== undefined) out[key] = converted;
  }
  return out;
}

function errorJSON(error: Error, seen: Set<object>): Record<string, unknown> {
  const out: Record<string, unknown> = { name: error.name, message: error.message };
  const fields = jsonFields(error, seen);
  delete fields.stack;
  Object.assign(out, fields);
  if (error.cause !== undefined) {
    const cause = jsonValue(error.cause, seen);
    if (cause !== undefined) out.cause = cause;
  }
  return out;
}

/**
 * An error's JSON form: name, message, code, retriable, the subclass's own fields (bigints as strings)
 * and `cause`. No stack: it is for logs and answers; log the error itself for the stack.
 */
export function errorToJSON(error: Error): Record<string, unknown> {
  return errorJSON(error, new Set([error]));
}
