/**
 * SendResult / SendStatus (reference §10.1). A SendResult is returned for every stored message,
 * including the "stored but not flushed/replicated in time" statuses; other broker answers are errors.
 */
import { jsonFields } from '../../common/json-form.js';
import { ResponseCode } from '../../protocol/codes/index.js';
import type { MessageQueue } from '../message-queue.js';
import { DEFAULT_REGION_ID } from '../../protocol/codes/misc.js';

/** Status of a successful send (Java SendStatus): SEND_OK, or stored but a flush or the slave sync timed out / no slave was available. */
export const SendStatus = {
  SEND_OK: 'SEND_OK',
  FLUSH_DISK_TIMEOUT: 'FLUSH_DISK_TIMEOUT',
  FLUSH_SLAVE_TIMEOUT: 'FLUSH_SLAVE_TIMEOUT',
  SLAVE_NOT_AVAILABLE: 'SLAVE_NOT_AVAILABLE',
} as const;
/** Status of a successful send (Java SendStatus). */
export type SendStatus = (typeof SendStatus)[keyof typeof SendStatus];

/** Status for a send response code, or undefined when the code is an error (MQBrokerError). */
export function sendStatusOf(code: number): SendStatus | undefined {
  switch (code) {
    case ResponseCode.SUCCESS:
      return SendStatus.SEND_OK;
    case ResponseCode.FLUSH_DISK_TIMEOUT:
      return SendStatus.FLUSH_DISK_TIMEOUT;
    case ResponseCode.FLUSH_SLAVE_TIMEOUT:
      return SendStatus.FLUSH_SLAVE_TIMEOUT;
    case ResponseCode.SLAVE_NOT_AVAILABLE:
      return SendStatus.SLAVE_NOT_AVAILABLE;
    default:
      return undefined;
  }
}

export interface SendResultInit {
  sendStatus: SendStatus;
  /** UNIQ_KEY of the message (batch: the inner keys joined with ","). */
  msgId: string;
  /** Broker offset message id (batch: joined with ","). */
  offsetMsgId: string;
  /** The queue written to; its topic is without the namespace. */
  messageQueue: MessageQueue;
  queueOffset: bigint;
  transactionId?: string | undefined;
  regionId?: string;
  traceOn?: boolean;
  recallHandle?: string | undefined;
}

/** What the broker answered to a send (Java SendResult): status, message ids, queue and queue offset; `toJSON` writes bigints as strings. */
export class SendResult {
  readonly sendStatus: SendStatus;
  readonly msgId: string;
  readonly offsetMsgId: string;
  readonly messageQueue: MessageQueue;
  readonly queueOffset: bigint;
  readonly transactionId: string | undefined;
  readonly regionId: string;
  readonly traceOn: boolean;
  readonly recallHandle: string | undefined;

  constructor(init: SendResultInit) {
    this.sendStatus = init.sendStatus;
    this.msgId = init.msgId;
    this.offsetMsgId = init.offsetMsgId;
    this.messageQueue = init.messageQueue;
    this.queueOffset = init.queueOffset;
    this.transactionId = init.transactionId;
    this.regionId = init.regionId ?? DEFAULT_REGION_ID;
    this.traceOn = init.traceOn ?? true;
    this.recallHandle = init.recallHandle;
  }

  /** What JSON.stringify writes: every field, queueOffset as a decimal string. */
  toJSON(): Record<string, unknown> {
    return jsonFields(this);
  }

  /** Reads like Java's SendResult.toString, plus regionId and traceOn, and a timer message's recallHandle. */
  toString(): string {
    return (
      `SendResult [sendStatus=${this.sendStatus}, msgId=${this.msgId}, offsetMsgId=${this.offsetMsgId}, ` +
      `messageQueue=${this.messageQueue.toString()}, queueOffset=${this.queueOffset}, ` +
      `regionId=${this.regionId}, traceOn=${this.traceOn}` +
      `${this.recallHandle === undefined ? '' : `, recallHandle=${this.recallHandle}`}]`
    );
  }
}
