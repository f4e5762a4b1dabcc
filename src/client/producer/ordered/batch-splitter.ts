/**
 * Splitting a long message list into batches that each fit a size limit (the approach of Java's
 * documented ListSplitter, but with exact sizes): a batch's body is the batch encoding of its
 * messages, 22 bytes per message (total size, magic, body CRC, flag, body length, properties length)
 * plus its body and its property string, and a broker refuses a body over its maxMessageSize
 * (4 MiB by default). A message without UNIQ_KEY is counted with the 42 bytes the producer adds.
 * Order is kept: batch i holds the messages before those of batch i + 1.
 */
import { IllegalArgumentError } from '../../../common/errors.js';
import {
  DEFAULT_MAX_MESSAGE_SIZE,
  encodeProperties,
  Message,
  MessageConst,
} from '../../../protocol/message/index.js';
import { BatchRuleError } from '../message-batch.js';
import type { SendResult } from '../send-result.js';
import { BatchSendError } from './queue-errors.js';

const ENTRY_OVERHEAD = 22;
/** "UNIQ_KEY" U+0001 32 hex digits U+0002. */
const UNIQ_KEY_ALLOWANCE = MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX.length + 2 + 32;

/** Bytes `message` takes in a batch body. */
export function batchEntrySize(message: Message): number {
  const props = Buffer.byteLength(encodeProperties(message.properties), 'utf8');
  const uniq =
    message.getProperty(MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX) === undefined
      ? UNIQ_KEY_ALLOWANCE
      : 0;
  return ENTRY_OVERHEAD + message.bodyBytes().length + props + uniq;
}

/**
 * Cuts `messages` into consecutive lists whose batch body stays within `maxBatchBytes` (default
 * 4 MiB). Throws BatchRuleError when one message alone is over the limit (send it with send()).
 */
export function splitIntoBatches(
  messages: readonly Message[],
  maxBatchBytes: number = DEFAULT_MAX_MESSAGE_SIZE,
): Message[][] {
  if (!Number.isSafeInteger(maxBatchBytes) || maxBatchBytes < 1) {
    throw new IllegalArgumentError(`maxBatchBytes must be a positive integer, got ${String(maxBatchBytes)}`);
  }
  if (!Array.isArray(messages)) throw new IllegalArgumentError('messages must be an array of Message');
  const batches: Message[][] = [];
  let current: Message[] = [];
  let size = 0;
  messages.forEach((message, index) => {
    if (!(message instanceof Message)) {
      throw new IllegalArgumentError(`messages[${index}] is not a Message`);
    }
    const entry = batchEntrySize(message);
    if (entry > maxBatchBytes) {
      throw new BatchRuleError(
        `message ${index} takes ${entry} bytes in a batch, over the ${maxBatchBytes}-byte batch limit (send it alone with send())`,
      );
    }
    if (size + entry > maxBatchBytes) {
      batches.push(current);
      current = [];
      size = 0;
    }
    current.push(message);
    size += entry;
  });
  if (current.length > 0) batches.push(current);
  return batches;
}

/** sendBatches' maxBatchBytes: an integer in 1..maxMessageSize, default maxMessageSize. */
export function maxBatchBytesOf(given: number | undefined, maxMessageSize: number): number {
  const maxBatchBytes = given ?? maxMessageSize;
  if (!Number.isSafeInteger(maxBatchBytes) || maxBatchBytes < 1 || maxBatchBytes > maxMessageSize) {
    throw new IllegalArgumentError(
      `maxBatchBytes must be an integer in 1..maxMessageSize (${maxMessageSize}), got ${String(maxBatchBytes)}`,
    );
  }
  return maxBatchBytes;
}

/** Sends `parts` one after another; a failing one stops the rest (BatchSendError, with the results before it). */
export async function sendInParts(
  parts: readonly (readonly Message[])[],
  send: (part: readonly Message[]) => Promise<SendResult>,
): Promise<SendResult[]> {
  const results: SendResult[] = [];
  for (const [index, part] of parts.entries()) {
    try {
      results.push(await send(part));
    } catch (err) {
      throw new BatchSendError(results, index, parts.length, err);
    }
  }
  return results;
}
