/**
 * Public message types. `Message` is what a producer builds; its properties map holds tags, keys and
 * the other system properties next to the user's own (as in Java, one map). `MessageExt` is a decoded
 * stored message as consumers see it.
 */
import { jsonBody } from '../../common/json-form.js';
import { IllegalArgumentError } from '../../common/errors.js';
import { KEY_SEPARATOR, MessageConst, RESERVED_PROPERTY_NAMES } from './constants.js';
import { InvalidTimerMessageError, checkTimerValue } from './timer-message.js';
import { NAME_VALUE_SEPARATOR, newPropertyTable, PROPERTY_SEPARATOR } from './properties.js';

const NO_OPTIONS: Omit<MessageInit, 'topic' | 'body'> = Object.freeze({});

/** A message body: bytes, or a string sent as UTF-8. */
export type MessageBody = Buffer | Uint8Array | string;

/** Fields of a new Message: topic and body, with optional tags, keys, properties and flag. */
export interface MessageInit {
  /** Topic to send to. */
  topic: string;
  /** Payload: bytes, or a string sent as UTF-8. */
  body: MessageBody;
  /** Tag consumers may filter on (TAGS property). */
  tags?: string;
  /** One key, or several (joined with a space on the wire). */
  keys?: string | string[];
  /** Free integer stored with the message (Java Message.flag); default 0. */
  flag?: number;
  /** User properties; checked like putUserProperty. */
  properties?: Readonly<Record<string, string>>;
  /** 4.x delay level, 1..18 (see Message.delayTimeLevel); default 0, no delay. */
  delayTimeLevel?: number;
  /** Default true. */
  waitStoreMsgOK?: boolean;
  /** Transaction id, client-side only (never sent). */
  transactionId?: string;
  /** 5.x timer: deliver at this epoch millisecond. At most one of the three timer fields. */
  deliverTimeMs?: number;
  /** 5.x timer: deliver after this many milliseconds. */
  delayTimeMs?: number;
  /** 5.x timer: deliver after this many seconds. */
  delayTimeSec?: number;
}

/** A message to send. */
export class Message {
  /** Topic to send to. */
  topic: string;
  /** Free integer stored with the message (Java Message.flag). */
  flag: number;
  /** Payload: bytes, or a string sent as UTF-8. */
  body: MessageBody;
  /** Client-side only; never sent. */
  transactionId: string | undefined;
  private readonly props: Record<string, string> = newPropertyTable();

  constructor(init: MessageInit);
  constructor(topic: string, body: MessageBody, options?: Omit<MessageInit, 'topic' | 'body'>);
  constructor(a: MessageInit | string, body?: MessageBody, options?: Omit<MessageInit, 'topic' | 'body'>) {
    // No merged init object: a message is made per send, and most carry a topic and a body only.
    const init: Omit<MessageInit, 'topic' | 'body'> = typeof a === 'string' ? (options ?? NO_OPTIONS) : a;
    if (typeof a === 'string') {
      this.topic = a;
      this.body = body ?? '';
    } else {
      this.topic = a.topic;
      this.body = a.body;
    }
    this.flag = init.flag ?? 0;
    this.transactionId = init.transactionId;
    if (init.tags) this.tags = init.tags;
    if (init.keys !== undefined && init.keys.length > 0) this.keys = init.keys;
    this.waitStoreMsgOK = init.waitStoreMsgOK ?? true;
    if (init.delayTimeLevel) this.delayTimeLevel = init.delayTimeLevel;
    if (init.deliverTimeMs !== undefined || init.delayTimeMs !== undefined || init.delayTimeSec !== undefined)
      this.#initTimer(init);
    if (init.properties !== undefined && init.properties !== null)
      for (const [k, v] of Object.entries(init.properties)) this.putUserProperty(k, v);
  }

  #initTimer(init: Omit<MessageInit, 'topic' | 'body'>): void {
    const timers = (['deliverTimeMs', 'delayTimeMs', 'delayTimeSec'] as const).filter(
      (k) => init[k] !== undefined,
    );
    if (timers.length > 1) {
      throw new InvalidTimerMessageError(`give one of ${timers.join(', ')}: a message has one delivery time`);
    }
    for (const k of timers) this[k] = init[k] as number;
  }

  /** Every property (system and user) as sent on the wire. Do not mutate; use the setters. */
  get properties(): Readonly<Record<string, string>> {
    return this.props;
  }

  /** Properties whose names are not reserved by RocketMQ. */
  get userProperties(): Record<string, string> {
    const out = newPropertyTable();
    for (const [k, v] of Object.entries(this.props)) if (!RESERVED_PROPERTY_NAMES.has(k)) out[k] = v;
    return out;
  }

  /** A property (system or user) by name, or undefined. */
  getProperty(name: string): string | undefined {
    return this.props[name];
  }

  /** Internal, unchecked (Java putProperty): for client/broker code setting system properties. */
  putProperty(name: string, value: string): void {
    this.props[name] = value;
  }

  /** Removes a property (no-op when absent). */
  clearProperty(name: string): void {
    delete this.props[name];
  }

  /**
   * Set a user property. Reserved names (RESERVED_PROPERTY_NAMES) and blank names/values are refused
   * as in Java; so are the separator characters U+0001/U+0002, which would corrupt the wire form.
   */
  putUserProperty(name: string, value: string): void {
    if (RESERVED_PROPERTY_NAMES.has(name)) {
      throw new IllegalArgumentError(
        `The Property<${name}> is used by system, input another please (reserved names: see RESERVED_PROPERTY_NAMES)`,
      );
    }
    if (typeof name !== 'string' || typeof value !== 'string' || name.trim() === '' || value.trim() === '') {
      throw new IllegalArgumentError(
        'The name or value of property can not be null or blank string! (use non-whitespace text)',
      );
    }
    for (const s of [name, value]) {
      if (s.includes(NAME_VALUE_SEPARATOR) || s.includes(PROPERTY_SEPARATOR)) {
        throw new IllegalArgumentError(
          `property ${JSON.stringify(name)} contains the reserved separator character U+0001 or U+0002; remove it`,
        );
      }
    }
    this.props[name] = value;
  }

  /** A user property by name, or undefined (user and system properties share one map, as in Java). */
  getUserProperty(name: string): string | undefined {
    return this.props[name];
  }

  /** The TAGS property: one tag, used by consumers' tag filters. */
  get tags(): string | undefined {
    return this.props[MessageConst.PROPERTY_TAGS];
  }
  /** Sets the TAGS property (undefined removes it). */
  set tags(tags: string | undefined) {
    if (tags === undefined) delete this.props[MessageConst.PROPERTY_TAGS];
    else this.props[MessageConst.PROPERTY_TAGS] = tags;
  }

  /** The KEYS property as stored: keys separated by one space. */
  get keys(): string | undefined {
    return this.props[MessageConst.PROPERTY_KEYS];
  }
  /** Sets the KEYS property from one key or a list (joined with one space); undefined removes it. */
  set keys(keys: string | string[] | undefined) {
    if (keys === undefined) delete this.props[MessageConst.PROPERTY_KEYS];
    else this.props[MessageConst.PROPERTY_KEYS] = Array.isArray(keys) ? keys.join(KEY_SEPARATOR) : keys;
  }

  /** 4.x delay level (DELAY): 1..18 maps to the broker's messageDelayLevel (1s 5s 10s 30s 1m ... 2h); 0 means no delay. */
  get delayTimeLevel(): number {
    const v = this.props[MessageConst.PROPERTY_DELAY_TIME_LEVEL];
    const n = v === undefined ? 0 : Number.parseInt(v, 10);
    return Number.isFinite(n) ? n : 0;
  }
  /** Sets the 4.x delay level (DELAY property; the value is truncated to an integer). */
  set delayTimeLevel(level: number) {
    this.props[MessageConst.PROPERTY_DELAY_TIME_LEVEL] = String(Math.trunc(level));
  }

  /** Absent means true; otherwise Java Boolean.parseBoolean ("true", any case). */
  get waitStoreMsgOK(): boolean {
    const v = this.props[MessageConst.PROPERTY_WAIT_STORE_MSG_OK];
    // The setter writes "true" / "false": no lower-casing for those (read several times per send).
    if (v === undefined || v === 'true') return true;
    return v !== 'false' && v.toLowerCase() === 'true';
  }
  /** Sets WAIT: whether the broker answers only after the store (and sync flush/replication) completes. */
  set waitStoreMsgOK(wait: boolean) {
    // Literals for the booleans (one per message made); String() keeps a JS caller's other values as before.
    this.props[MessageConst.PROPERTY_WAIT_STORE_MSG_OK] =
      wait === true ? 'true' : wait === false ? 'false' : String(wait);
  }

  /**
   * 5.x timer: deliver after this many seconds (TIMER_DELAY_SEC). As Java's setters, each sets its own
   * property only; a send refuses a message with more than one, and range and past times
   * (InvalidTimerMessageError). A non-integer throws here.
   */
  get delayTimeSec(): number | undefined {
    return this.#timerValue(MessageConst.PROPERTY_TIMER_DELAY_SEC);
  }
  /** Sets the 5.x timer delay in seconds (TIMER_DELAY_SEC); a non-integer throws. */
  set delayTimeSec(sec: number) {
    this.#setTimer(MessageConst.PROPERTY_TIMER_DELAY_SEC, checkTimerValue('delayTimeSec', sec));
  }
  /** 5.x timer: deliver after this many milliseconds (TIMER_DELAY_MS). */
  get delayTimeMs(): number | undefined {
    return this.#timerValue(MessageConst.PROPERTY_TIMER_DELAY_MS);
  }
  /** Sets the 5.x timer delay in milliseconds (TIMER_DELAY_MS); a non-integer throws. */
  set delayTimeMs(ms: number) {
    this.#setTimer(MessageConst.PROPERTY_TIMER_DELAY_MS, checkTimerValue('delayTimeMs', ms));
  }
  /** 5.x timer: deliver at this epoch millisecond (TIMER_DELIVER_MS). */
  get deliverTimeMs(): number | undefined {
    return this.#timerValue(MessageConst.PROPERTY_TIMER_DELIVER_MS);
  }
  /** Sets the 5.x delivery time, an epoch millisecond (TIMER_DELIVER_MS); a non-integer throws. */
  set deliverTimeMs(ms: number) {
    this.#setTimer(MessageConst.PROPERTY_TIMER_DELIVER_MS, checkTimerValue('deliverTimeMs', ms));
  }

  #timerValue(name: string): number | undefined {
    const v = this.props[name];
    return v === undefined ? undefined : Number(v);
  }

  #setTimer(name: string, value: number): void {
    this.props[name] = String(value);
  }

  /** The body as bytes (strings are UTF-8 encoded). */
  bodyBytes(): Buffer {
    return toBuffer(this.body);
  }

  /**
   * Reads like Java's Message.toString, except the body: its length, not every byte
   * (`Message{topic='T', flag=0, properties={TAGS=a, WAIT=true}, body=[5 bytes], transactionId='null'}`).
   */
  toString(): string {
    const props = Object.entries(this.props)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ');
    const bytes = typeof this.body === 'string' ? Buffer.byteLength(this.body, 'utf8') : this.body.byteLength;
    return (
      `Message{topic='${this.topic}', flag=${this.flag}, properties={${props}}, body=[${bytes} bytes], ` +
      `transactionId='${this.transactionId ?? 'null'}'}`
    );
  }

  /**
   * What JSON.stringify writes: topic, flag, `body` with its `bodyEncoding` (`'utf8'` text when the
   * bytes are valid UTF-8, else `'base64'`), transactionId when set, and every property.
   */
  toJSON(): Record<string, unknown> {
    return {
      topic: this.topic,
      flag: this.flag,
      ...jsonBody(this.body),
      ...(this.transactionId === undefined ? {} : { transactionId: this.transactionId }),
      properties: { ...this.props },
    };
  }
}

/** Body bytes of any accepted body form (no copy for Buffers). */
export function toBuffer(body: MessageBody): Buffer {
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (Buffer.isBuffer(body)) return body;
  return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
}

// MessageExt (a stored message as consumers see it) lives in message-ext.ts; re-exported here.
export { messageExtFromRecord } from './message-ext.js';
export type { MessageExt, MessageExtOptions } from './message-ext.js';
