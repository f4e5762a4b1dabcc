/**
 * The keys the message index files a record under (Java IndexService.buildIndex): its UNIQ_KEY, then
 * every non-empty entry of its KEYS split by ' ', each as the 32-bit FNV-1a hash of "topic#key". A
 * property named twice counts with its last non-empty value: Java reads both from the decoded property
 * map, where a later entry replaces an earlier one and an entry with an empty value is left out
 * (MessageDecoder.string2messageProperties; decodeProperties here).
 *
 * Two readers of the same thing: one over a property string, one over a record's property bytes when
 * they are plain ASCII (a batch's records: no string is made per message just to index it). Over
 * ASCII, bytes and UTF-16 code units are the same numbers, so both give the same hashes.
 *
 * A key repeated in one record (KEYS "k k", a UNIQ_KEY also among KEYS) is filed once: the record is
 * then answered once and counts once towards a query's maxNum. At most MAX_KEYS_PER_RECORD keys of
 * a record are read (repeats included), so that one record cannot fill the index.
 */
import { NAME_VALUE_SEPARATOR, PROPERTY_SEPARATOR } from '../../protocol/message/properties.js';

/** Keys of one record read at most (beyond, its KEYS are not indexed). */
export const MAX_KEYS_PER_RECORD = 64;

const KEYS_NAME = `KEYS${NAME_VALUE_SEPARATOR}`;
const KEYS_ENTRY = PROPERTY_SEPARATOR + KEYS_NAME;
const UNIQ_KEY_NAME = `UNIQ_KEY${NAME_VALUE_SEPARATOR}`;
const UNIQ_KEY_ENTRY = PROPERTY_SEPARATOR + UNIQ_KEY_NAME;
const KEYS_NAME_BYTES = Buffer.from(KEYS_NAME, 'latin1');
const UNIQ_KEY_NAME_BYTES = Buffer.from(UNIQ_KEY_NAME, 'latin1');
const SEPARATOR_CODE = 0x02;
const SPACE_CODE = 0x20;
const HASH_CODE = 0x23; // '#'
const FNV_OFFSET = 0x811c9dc5 | 0;
const FNV_PRIME = 0x01000193;

/** FNV-1a over s[from, to), continuing from `h`. */
function hashRange(h: number, s: string, from: number, to: number): number {
  for (let i = from; i < to; i++) h = Math.imul(h ^ s.charCodeAt(i), FNV_PRIME);
  return h;
}

/** FNV-1a over b[from, to), continuing from `h`. */
function hashBytes(h: number, b: Uint8Array, from: number, to: number): number {
  for (let i = from; i < to; i++) h = Math.imul(h ^ b[i]!, FNV_PRIME);
  return h;
}

/** The hash of "topic#", which every key of the topic continues. */
export function topicPrefixHash(topic: string): number {
  return Math.imul(hashRange(FNV_OFFSET, topic, 0, topic.length) ^ HASH_CODE, FNV_PRIME);
}

/** Hash of the index key "topic#key". */
export function indexKeyHash(topic: string, key: string): number {
  return hashRange(topicPrefixHash(topic), key, 0, key.length);
}

/**
 * Appends `hash` to out[0, n) unless it is there already; returns the new count. Records have one or
 * a few keys: the linear search is cheaper than any set.
 */
function addOnce(out: Int32Array, n: number, hash: number): number {
  for (let k = 0; k < n; k++) if (out[k] === hash) return n;
  out[n] = hash;
  return n + 1;
}

/**
 * Where the value of property `name` starts in `props`, -1 when it has no non-empty value (`entry`:
 * name after a separator). A name given twice (a batch's shared KEYS after a message's own) counts
 * with its last non-empty value, as in the map Java decodes the properties into before it indexes them.
 */
function valueStart(props: string, name: string, entry: string): number {
  for (let at = props.lastIndexOf(entry); at >= 0; at = at > 0 ? props.lastIndexOf(entry, at - 1) : -1) {
    const value = at + entry.length;
    if (value < props.length && props.charCodeAt(value) !== SEPARATOR_CODE) return value;
  }
  // The first entry has no separator before it (an empty value there gives no key either way).
  return props.startsWith(name) ? name.length : -1;
}

/**
 * Writes to `out` (room for 1 + MAX_KEYS_PER_RECORD) the hashes of a record's keys read from its
 * property string, UNIQ_KEY first, each once; returns how many. `prefix`: topicPrefixHash(topic).
 */
export function keyHashesOfString(prefix: number, props: string, out: Int32Array): number {
  if (props.length === 0) return 0;
  let n = 0;
  const uniq = valueStart(props, UNIQ_KEY_NAME, UNIQ_KEY_ENTRY);
  if (uniq >= 0) {
    let end = props.indexOf(PROPERTY_SEPARATOR, uniq);
    if (end < 0) end = props.length;
    if (end > uniq) out[n++] = hashRange(prefix, props, uniq, end);
  }
  const keys = valueStart(props, KEYS_NAME, KEYS_ENTRY);
  if (keys < 0) return n;
  let left = MAX_KEYS_PER_RECORD;
  let from = keys;
  for (let i = keys; ; i++) {
    const c = i < props.length ? props.charCodeAt(i) : SEPARATOR_CODE;
    if (c !== SPACE_CODE && c !== SEPARATOR_CODE) continue;
    if (i > from) {
      n = addOnce(out, n, hashRange(prefix, props, from, i));
      if (--left === 0) return n;
    }
    if (c === SEPARATOR_CODE) return n;
    from = i + 1;
  }
}

/** Whether b[at, end) starts with `name`. */
function nameAt(b: Uint8Array, at: number, end: number, name: Uint8Array): boolean {
  if (at + name.length > end) return false;
  for (let k = 0; k < name.length; k++) if (b[at + k] !== name[k]) return false;
  return true;
}

/** Whether a value starting at `at` is not empty (a byte before `to` that is not a separator). */
function filledAt(b: Uint8Array, at: number, to: number): boolean {
  return at < to && b[at] !== SEPARATOR_CODE;
}

/** valueStart over b[from, to): where the last non-empty value of `name` starts, -1 when none. */
function valueStartInBytes(b: Uint8Array, from: number, to: number, name: Uint8Array): number {
  const first = name[0];
  for (let i = to - name.length - 1; i >= from; i--) {
    if (b[i] !== SEPARATOR_CODE || b[i + 1] !== first || !nameAt(b, i + 1, to, name)) continue;
    const value = i + 1 + name.length;
    if (filledAt(b, value, to)) return value;
  }
  const value = from + name.length;
  return nameAt(b, from, to, name) && filledAt(b, value, to) ? value : -1;
}

/** A position hint of keyHashesOfAscii: not known, search the bytes. */
export const SEARCH_KEY = -2;

/**
 * keyHashesOfString for property bytes b[from, to) that are plain ASCII (all below 0x80): the same
 * hashes, in the same order, as for their string. A caller that saw the entries (the batch path's
 * property scan) says where the values of the last UNIQ_KEY and KEYS entries start (`uniqAt`,
 * `keysAt`; -1: no such entry), which spares two searches through every byte; SEARCH_KEY: search.
 */
export function keyHashesOfAscii(
  prefix: number,
  b: Uint8Array,
  from: number,
  to: number,
  out: Int32Array,
  uniqAt = SEARCH_KEY,
  keysAt = SEARCH_KEY,
): number {
  if (to <= from) return 0;
  let n = 0;
  const uniq = uniqAt === SEARCH_KEY ? valueStartInBytes(b, from, to, UNIQ_KEY_NAME_BYTES) : uniqAt;
  if (uniq >= 0) {
    let end = uniq;
    while (end < to && b[end] !== SEPARATOR_CODE) end++;
    if (end > uniq) out[n++] = hashBytes(prefix, b, uniq, end);
  }
  const keys = keysAt === SEARCH_KEY ? valueStartInBytes(b, from, to, KEYS_NAME_BYTES) : keysAt;
  if (keys < 0) return n;
  let left = MAX_KEYS_PER_RECORD;
  let start = keys;
  for (let i = keys; ; i++) {
    const c = i < to ? b[i]! : SEPARATOR_CODE;
    if (c !== SPACE_CODE && c !== SEPARATOR_CODE) continue;
    if (i > start) {
      n = addOnce(out, n, hashBytes(prefix, b, start, i));
      if (--left === 0) return n;
    }
    if (c === SEPARATOR_CODE) return n;
    start = i + 1;
  }
}
