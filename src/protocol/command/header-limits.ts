/**
 * Limits on one frame's header, checked before the header is decoded (its length) or while it is
 * (its field count, before any field past the cap is built), so that a hostile header costs at most
 * the work of a legal one. Without them a 16 MiB JSON header of a million keys took ~6 s to decode,
 * blocking the event loop.
 *
 * When a header is refused, the request's opaque is read from fixed places, so the peer can be told
 * why before its connection closes:
 *   ROCKETMQ form: code int16 @0, language uint8 @2, version int16 @3, opaque int32 @5, flag int32 @9
 *   JSON form:     the last top-level-looking `"opaque":<int>` and `"flag":<int>` (Java writes its keys
 *                  alphabetically, after extFields; a quote inside a string is escaped, so these bytes
 *                  only occur as keys). Best effort: a wrong guess is answered to an opaque nobody waits
 *                  for, and the connection closes either way.
 */
import { HeaderLimitError } from '../../common/errors.js';
import {
  CommandFlag,
  DEFAULT_MAX_HEADER_FIELDS,
  DEFAULT_MAX_HEADER_LENGTH,
  SerializeType,
} from '../codes/misc.js';

export interface HeaderLimits {
  /** Largest header, in bytes. */
  readonly maxHeaderLength: number;
  /** Most ext fields in one header. */
  readonly maxHeaderFields: number;
}

export const DEFAULT_HEADER_LIMITS: HeaderLimits = Object.freeze({
  maxHeaderLength: DEFAULT_MAX_HEADER_LENGTH,
  maxHeaderFields: DEFAULT_MAX_HEADER_FIELDS,
});

/** Fills missing limits from the defaults and checks them (RangeError naming the bad one). */
export function resolveHeaderLimits(limits: Partial<HeaderLimits> = {}): HeaderLimits {
  const resolved = {
    maxHeaderLength: limits.maxHeaderLength ?? DEFAULT_MAX_HEADER_LENGTH,
    maxHeaderFields: limits.maxHeaderFields ?? DEFAULT_MAX_HEADER_FIELDS,
  };
  for (const [name, value] of Object.entries(resolved)) {
    if (!Number.isInteger(value) || value < 0)
      throw new RangeError(`${name} must be a non-negative integer, got ${value}`);
  }
  return Object.freeze(resolved);
}

export function headerTooLong(length: number, max: number): HeaderLimitError {
  return new HeaderLimitError(
    'headerLength',
    max,
    `request header of ${length} bytes exceeds the limit of ${max} bytes`,
  );
}

export function tooManyHeaderFields(max: number): HeaderLimitError {
  return new HeaderLimitError('headerFields', max, `request header has more than ${max} fields`);
}

const OPAQUE_KEY = Buffer.from('"opaque":', 'latin1');
const FLAG_KEY = Buffer.from('"flag":', 'latin1');

/** The JSON integer right after the last `key` in `header`; undefined when absent or not an int32. */
function lastJsonInt(header: Buffer, key: Buffer): number | undefined {
  const at = header.lastIndexOf(key);
  if (at < 0) return undefined;
  let p = at + key.length;
  while (header[p] === 0x20 || header[p] === 0x09 || header[p] === 0x0a || header[p] === 0x0d) p++;
  const negative = header[p] === 0x2d;
  if (negative) p++;
  let n = 0;
  let digits = 0;
  for (; p < header.length && digits <= 10; p++, digits++) {
    const digit = header[p]! - 0x30;
    if (digit < 0 || digit > 9) break;
    n = n * 10 + digit;
  }
  if (digits === 0 || digits > 10 || n > 0xffffffff) return undefined;
  return (negative ? -n : n) | 0;
}

/**
 * Sets `error.answerOpaque` when the refused header is a request that expects an answer and its
 * opaque can be read; returns the error.
 */
export function withAnswerOpaque(error: HeaderLimitError, type: number, header: Buffer): HeaderLimitError {
  let opaque: number | undefined;
  let flag: number | undefined;
  if (type === SerializeType.ROCKETMQ) {
    if (header.length >= 13) {
      opaque = header.readInt32BE(5);
      flag = header.readInt32BE(9);
    }
  } else {
    opaque = lastJsonInt(header, OPAQUE_KEY);
    flag = lastJsonInt(header, FLAG_KEY) ?? 0;
  }
  const answered = flag !== undefined && (flag & (CommandFlag.RESPONSE | CommandFlag.ONEWAY)) === 0;
  if (answered && opaque !== undefined) error.answerOpaque = opaque;
  return error;
}
