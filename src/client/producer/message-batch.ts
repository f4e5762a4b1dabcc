/**
 * MessageBatch (Java MessageBatch.generateFromList + DefaultMQProducer.batch, reference §7.1): several
 * messages of one topic sent as one SEND_BATCH_MESSAGE request. The body is the batch encoding of the
 * inner messages (never compressed); each inner message gets its UNIQ_KEY here.
 */
import { hasAnyProperty } from '../../protocol/message/properties.js';
import { ClientErrorCode, MQClientError } from '../../common/errors.js';
import {
  checkMessage,
  encodeBatch,
  isRetryTopic,
  Message,
  MessageConst,
  wrapNamespace,
} from '../../protocol/message/index.js';
import type { UniqueIdGenerator } from '../../protocol/message/index.js';

/** A batch that breaks one of the batch rules (never retried). */
export class BatchRuleError extends MQClientError {
  constructor(message: string) {
    super(message, { retriable: false, code: ClientErrorCode.BATCH_RULE_VIOLATED });
  }
}

function batchError(reason: string, hint: string): BatchRuleError {
  return new BatchRuleError(`Failed to initiate the MessageBatch: ${reason} (${hint})`);
}

/**
 * Timer properties a batch may not carry. Java's client lets them through, but a 5.x broker reads
 * timers from the outer (batch) message only: the inner ones would be delivered at once, silently.
 */
const TIMER_PROPERTIES = [
  MessageConst.PROPERTY_TIMER_DELIVER_MS,
  MessageConst.PROPERTY_TIMER_DELAY_SEC,
  MessageConst.PROPERTY_TIMER_DELAY_MS,
  MessageConst.PROPERTY_START_DELIVER_TIME,
];

const TIMER_PROPERTY_SET: ReadonlySet<string> = new Set(TIMER_PROPERTIES);

function timerPropertyOf(m: Message): string | undefined {
  if (!hasAnyProperty(m.properties, TIMER_PROPERTY_SET)) return undefined; // most messages
  for (const name of TIMER_PROPERTIES) if (m.getProperty(name) !== undefined) return name;
  return undefined;
}

/** The batch rules (Java MessageBatch.generateFromList, plus timers): each message against the first. */
function checkBatchRules(messages: readonly Message[], first: Message): void {
  let topic: string | undefined;
  let waitStoreMsgOK: boolean | undefined;
  for (const m of messages) {
    if (!(m instanceof Message)) throw batchError('an element is not a Message', 'pass Message objects');
    if (m.delayTimeLevel > 0) {
      throw batchError('TimeDelayLevel is not supported for batching', 'send delayed messages one by one');
    }
    const timer = timerPropertyOf(m);
    if (timer !== undefined) {
      throw batchError(
        `timer messages (${timer}) are not supported for batching`,
        'send timer messages one by one',
      );
    }
    if (isRetryTopic(m.topic)) {
      throw batchError('Retry Group is not supported for batching', 'send to %RETRY% topics one by one');
    }
    // The first message's topic and WAIT, read once it passed its own checks (not once per message).
    topic ??= first.topic;
    if (m.topic !== topic) {
      throw batchError(
        'The topic of the messages in one batch should be the same',
        'split the batch by topic',
      );
    }
    waitStoreMsgOK ??= first.waitStoreMsgOK;
    if (m.waitStoreMsgOK !== waitStoreMsgOK) {
      throw batchError(
        'The waitStoreMsgOK of the messages in one batch should the same',
        'give every message the same waitStoreMsgOK',
      );
    }
  }
}

export class MessageBatch extends Message {
  private constructor(
    topic: string,
    body: Buffer,
    waitStoreMsgOK: boolean,
    readonly messages: readonly Message[],
  ) {
    super({ topic, body, waitStoreMsgOK });
  }

  /**
   * Checks and encodes `messages`. Throws BatchRuleError for a rule violation (delay level, timer
   * properties, retry topic, mixed topics or waitStoreMsgOK) and the checkMessage errors of each inner message.
   */
  static generate(
    messages: readonly Message[],
    options: {
      namespace: string | undefined;
      maxMessageSize: number;
      idGenerator: UniqueIdGenerator;
      /** Each message passed checkMessage already (auto-batching checks every send): skip it. */
      prechecked?: boolean;
    },
  ): MessageBatch {
    if (!Array.isArray(messages) || messages.length === 0) {
      throw batchError('the message list is empty', 'pass at least one message');
    }
    const first = messages[0] as Message;
    // Checked again for an auto-batch (as Java's accumulator does): a message changed after it was
    // sent must fail, not go out in a batch of another topic or with a timer the broker ignores.
    checkBatchRules(messages, first);
    const topic = wrapNamespace(options.namespace, first.topic);
    for (const m of messages) {
      if (options.prechecked !== true) {
        checkMessage({ topic, body: m.body, properties: m.properties }, options.maxMessageSize);
      }
      if (m.getProperty(MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX) === undefined) {
        m.putProperty(MessageConst.PROPERTY_UNIQ_CLIENT_MESSAGE_ID_KEYIDX, options.idGenerator.next());
      }
    }
    // Messages are BatchEntryInputs as they are (flag, properties; the body read as bytes by encodeBatch).
    const body = encodeBatch(messages);
    return new MessageBatch(first.topic, body, first.waitStoreMsgOK, [...messages]);
  }
}
