/**
 * What a put hands to the consume-queue dispatch and to arrival listeners for each record it
 * appended: the record's consume-queue entry itself (staged as it is) and its arrival signal's fields.
 */
import type { ConsumeQueue, CqEntry } from './consume-queue.js';

export interface DispatchItem extends CqEntry {
  readonly cq: ConsumeQueue;
  readonly queueOffset: number;
  /** The message's raw property string, for long polling's filters. */
  readonly properties: string;
  /**
   * The same properties as bytes, [asciiPropertiesFrom, asciiPropertiesTo) of this buffer, when they
   * are plain ASCII and in memory while the put is dispatched (a batch's records): the message index
   * reads its keys there, with no string made per message. Not to be kept: the buffer is reused.
   */
  readonly asciiProperties?: Uint8Array | undefined;
  readonly asciiPropertiesFrom?: number;
  readonly asciiPropertiesTo?: number;
  /**
   * Where in those bytes the values of UNIQ_KEY and KEYS start (their last entries), -1 where there
   * is none, -2 (or absent) when not known: the index searches then.
   */
  readonly indexUniqAt?: number;
  readonly indexKeysAt?: number;
}
