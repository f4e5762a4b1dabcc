/**
 * Producer extension points (Java SendMessageHook / CheckForbiddenHook). Send hooks observe: their
 * errors are logged and ignored. A check-forbidden hook vetoes an attempt by throwing.
 */
import type { Logger } from '../../common/logger.js';
import type { Message } from '../../protocol/message/index.js';
import type { MessageQueue } from '../message-queue.js';
import type { SendResult } from './send-result.js';

/** How a send waits for its result: SYNC (awaited), ASYNC (callback or Promise), ONEWAY (no response). */
export type CommunicationMode = 'SYNC' | 'ASYNC' | 'ONEWAY';

/** Java MessageType names, as hooks (tracing) report them. */
export type SendMessageType = 'Normal_Msg' | 'Trans_Msg_Half' | 'Delay_Msg';

/** What a SendMessageHook sees of one send attempt. */
export interface SendMessageContext {
  /** Producer group (with namespace). */
  producerGroup: string;
  /** The message being sent (for a batch: the batch wrapper). */
  message: Message;
  /** Queue of this attempt (topic with namespace). */
  mq: MessageQueue;
  /** Address of the broker the attempt goes to. */
  brokerAddr: string;
  /** Our client address. */
  bornHost: string;
  /** SYNC, ASYNC or ONEWAY. */
  communicationMode: CommunicationMode;
  /** Normal, half (transactional) or delayed message. */
  msgType: SendMessageType;
  /** The producer's namespace, if any. */
  namespace: string | undefined;
  /** Free-form values a hook may leave for its `sendMessageAfter`. */
  props: Map<string, unknown>;
  /** Set before `sendMessageAfter` on success (undefined for oneway). */
  sendResult?: SendResult | undefined;
  /** Set before `sendMessageAfter` on failure. */
  exception?: unknown;
}

/** Observes every send attempt (Java SendMessageHook), e.g. for tracing or metrics. */
export interface SendMessageHook {
  /** Name of the hook, in logs. */
  readonly hookName: string;
  /** Called before the request goes out. */
  sendMessageBefore(context: SendMessageContext): void;
  /** Called once the attempt settled, with `sendResult` or `exception` set on the context. */
  sendMessageAfter(context: SendMessageContext): void;
}

/** What a CheckForbiddenHook sees of one send attempt. */
export interface CheckForbiddenContext {
  /** The name-server addresses configured. */
  nameSrvAddr: string;
  /** Producer group (with namespace). */
  group: string;
  /** The message being sent. */
  message: Message;
  /** Queue of this attempt. */
  mq: MessageQueue;
  /** Address of the broker the attempt goes to. */
  brokerAddr: string;
  /** SYNC, ASYNC or ONEWAY. */
  communicationMode: CommunicationMode;
  /** The client's unitMode. */
  unitMode: boolean;
}

/** Vets a send attempt before it goes out (Java CheckForbiddenHook). */
export interface CheckForbiddenHook {
  /** Name of the hook, in logs. */
  readonly hookName: string;
  /** Throw to refuse sending (the attempt fails with that error). */
  checkForbidden(context: CheckForbiddenContext): void;
}

/** Runs one phase of every send hook, logging and swallowing their errors. */
export function runSendHooks(
  hooks: readonly SendMessageHook[],
  phase: 'before' | 'after',
  context: SendMessageContext,
  logger: Logger,
): void {
  for (const hook of hooks) {
    try {
      if (phase === 'before') hook.sendMessageBefore(context);
      else hook.sendMessageAfter(context);
    } catch (err) {
      logger.warn({ hook: hook.hookName, phase, err: String(err) }, 'send message hook failed');
    }
  }
}
