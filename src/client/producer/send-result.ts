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
  /** SEND_OK, or a flush / slave status when the broker stored the message but could not meet its durability setting in time. */
  readonly sendStatus: SendStatus;
  /** The message id assigned by the client (UNIQ_KEY); for a batch, the inner ids joined with ",". */
  readonly msgId: string;
  /** Id encoding the broker's store address and commit-log offset (for a batch, joined with ","). */
  readonly offsetMsgId: string;
  /** The queue the message was stored in. */
  readonly messageQueue: MessageQueue;
  /** Offset of the message in its queue (for a batch, of its first message). */
  readonly queueOffset: bigint;
  /**
   * The broker's transactionId: 5.x brokers (and ours) answer the message's UNIQ_KEY for every send, a
   * 4.9 broker none (undefined). Transactional sends end their transaction with it, as Java does.
   */
  readonly transactionId: string | undefined;
  /** Region of the broker (MSG_REGION), used by message trace. */
  readonly regionId: string;
  /** Whether the broker allows message trace (its TRACE_ON switch in the response; default true). */
  readonly traceOn: boolean;
  /** Handle to cancel a timer message before delivery (5.3 recallMessage), when the broker gave one. */
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
