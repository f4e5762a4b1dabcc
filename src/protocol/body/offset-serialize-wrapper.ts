/**
 * The file of Java's LocalFileOffsetStore (`offsets.json`): an OffsetSerializeWrapper, a
 * Map<MessageQueue, AtomicLong> written by fastjson with PrettyFormat. fastjson writes a bean map key
 * as an object, with no line break before it, tabs for indentation and no space after ':':
 *
 *   {
 *   \t"offsetTable":{{
 *   \t\t\t"brokerName":"broker-a",
 *   \t\t\t"queueId":3,
 *   \t\t\t"topic":"TopicTest"
 *   \t\t}:42,{
 *   \t\t\t...
 *   \t\t}:7
 *   \t}
 *   }
 *
 * and `{\n\t"offsetTable":{}\n}` when empty. Java iterates a ConcurrentHashMap; we write the entries
 * sorted (topic, broker, queue id), which any reader takes the same way.
 *
 * The reader is strict where a lenient one would be dangerous: a truncated or damaged file must be
 * refused as a whole (so that the store falls back to `offsets.json.bak`), never half read. It accepts
 * what fastjson writes with or without PrettyFormat and any whitespace.
 */
import { ProtocolError } from '../../common/errors.js';
import { parseFastjsonObject } from '../json/fastjson-parse.js';
import { fastjsonString } from '../json/fastjson-write.js';
import { ObjectReader } from '../json/object-reader.js';
import { messageQueueFromJson } from './lock-batch.js';
import type { MessageQueueData } from './lock-batch.js';

export interface QueueOffsetEntry extends MessageQueueData {
  offset: bigint;
}

const LONG_MIN = -(2n ** 63n);
const LONG_MAX = 2n ** 63n - 1n;

function compareEntries(a: QueueOffsetEntry, b: QueueOffsetEntry): number {
  if (a.topic !== b.topic) return a.topic < b.topic ? -1 : 1;
  if (a.brokerName !== b.brokerName) return a.brokerName < b.brokerName ? -1 : 1;
  return a.queueId - b.queueId;
}

export function encodeOffsetSerializeWrapper(entries: readonly QueueOffsetEntry[]): string {
  if (entries.length === 0) return '{\n\t"offsetTable":{}\n}';
  const parts = [...entries]
    .sort(compareEntries)
    .map(
      (e) =>
        `{\n\t\t\t"brokerName":${fastjsonString(e.brokerName, 'plain')},\n\t\t\t"queueId":${e.queueId},` +
        `\n\t\t\t"topic":${fastjsonString(e.topic, 'plain')}\n\t\t}:${e.offset.toString()}`,
    );
  return `{\n\t"offsetTable":{${parts.join(',')}\n\t}\n}`;
}

/** A small strict scanner over the wrapper's one shape: {"offsetTable":{ {mq}:long, ... }}. */
class WrapperScanner {
  private pos = 0;

  constructor(private readonly text: string) {}

  fail(what: string): never {
    const truncated = this.pos >= this.text.length ? ' (the file ends early: truncated?)' : '';
    throw new ProtocolError(`offsets file: ${what} at offset ${this.pos}${truncated}`);
  }

  ws(): void {
    while (this.pos < this.text.length && /[\s\b]/.test(this.text[this.pos] as string)) this.pos++;
  }

  peek(): string | undefined {
    this.ws();
    return this.text[this.pos];
  }

  expect(char: string): void {
    if (this.peek() !== char)
      this.fail(`expected "${char}"${this.pos >= this.text.length ? ' (file truncated?)' : ''}`);
    this.pos++;
  }

  atEnd(): boolean {
    this.ws();
    return this.pos >= this.text.length;
  }

  /** A quoted field name. */
  fieldName(): string {
    const m = /"([A-Za-z]+)"|'([A-Za-z]+)'|([A-Za-z]+)/y;
    this.ws();
    m.lastIndex = this.pos;
    const found = m.exec(this.text);
    if (!found) return this.fail('expected a field name');
    this.pos = m.lastIndex;
    return found[1] ?? found[2] ?? found[3] ?? '';
  }

  /** A flat `{...}` object (a MessageQueue): braces inside strings are skipped over. */
  flatObject(): string {
    this.ws();
    const start = this.pos;
    if (this.text[this.pos] !== '{') this.fail('expected a queue object');
    let quote: string | undefined;
    for (this.pos++; this.pos < this.text.length; this.pos++) {
      const c = this.text[this.pos];
      if (quote !== undefined) {
        if (c === '\\') this.pos++;
        else if (c === quote) quote = undefined;
      } else if (c === '"' || c === "'") quote = c;
      else if (c === '{' || c === '[') this.fail('unexpected nesting in a queue object');
      else if (c === '}') return this.text.slice(start, ++this.pos);
    }
    return this.fail('unterminated queue object');
  }

  long(): bigint {
    this.ws();
    const m = /-?\d{1,19}(?![\d.eE])/y;
    m.lastIndex = this.pos;
    const found = m.exec(this.text);
    if (!found) return this.fail('expected an offset (a whole number)');
    const value = BigInt(found[0]);
    if (value < LONG_MIN || value > LONG_MAX) this.fail('offset outside the Java long range');
    this.pos = m.lastIndex;
    return value;
  }
}

/** Reads an offsets file; throws ProtocolError for anything that is not a complete wrapper. */
export function decodeOffsetSerializeWrapper(text: string): QueueOffsetEntry[] {
  const s = new WrapperScanner(text);
  const byKey = new Map<string, QueueOffsetEntry>();
  s.expect('{');
  let sawTable = false;
  while (s.peek() !== '}') {
    if (sawTable) s.expect(',');
    const field = s.fieldName();
    if (field !== 'offsetTable') s.fail(`unexpected field "${field}" (only offsetTable is known)`);
    s.expect(':');
    s.expect('{');
    let first = true;
    while (s.peek() !== '}') {
      if (!first) s.expect(',');
      first = false;
      const mq = messageQueueFromJson(new ObjectReader(parseFastjsonObject(s.flatObject()), 'MessageQueue'));
      s.expect(':');
      const offset = s.long();
      byKey.set(`${mq.topic}@${mq.brokerName}@${mq.queueId}`, { ...mq, offset });
    }
    s.expect('}');
    sawTable = true;
  }
  s.expect('}');
  if (!s.atEnd()) s.fail('unexpected text after the document');
  return [...byKey.values()];
}
