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
}
