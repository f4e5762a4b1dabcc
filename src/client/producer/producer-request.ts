/**
 * The producer's side of request-reply (Java DefaultMQProducer.request): argument handling for the
 * Promise and callback forms, the checks a send makes (before the message gets its request
 * properties, so a refused request changes nothing), and the RequestHost of a started producer. The
 * protocol itself is in ../request-reply/run-request.ts and takes the send as a function: the
 * default-queue form passes the producer's async send; a queue or selector form passes its own.
 */
import { IllegalArgumentError } from '../../common/errors.js';
import { checkMessage, wrapNamespace } from '../../protocol/message/index.js';
import type { Message, MessageExt } from '../../protocol/message/index.js';
import { runRequest } from '../request-reply/index.js';
import type { RequestHost, SendRequestMessage } from '../request-reply/index.js';
import { throwIfAborted } from '../../common/abort-error.js';
import type { ProducerCore } from './producer-core.js';
import { signalOf, timeoutOf } from './ordered/send-forms.js';
import type { SendOptions } from './ordered/send-forms.js';

/** Java RequestCallback: exactly one of the two is called, once. */
export interface RequestCallback {
  /** The reply message. */
  onSuccess(reply: MessageExt): void;
  /** RequestTimeoutError when no reply came in time; the send's own error when the request failed to send. */
  onException(error: unknown): void;
}

/** The RequestHost of a started producer (its client instance's table and id). */
export function requestHost(core: ProducerCore): RequestHost {
  const instance = core.instance;
  return {
    requests: instance.requestFutures,
    clientId: instance.clientId,
    async prepare(topic) {
      const wireTopic = wrapNamespace(core.config.client.namespace, topic);
      if (instance.topicRouteTable.has(wireTopic)) return;
      await core.tryToFindTopicPublishInfo(wireTopic);
      await instance.sendHeartbeatToAllBrokers();
    },
  };
}

function isRequestCallback(arg: unknown): arg is RequestCallback {
  return typeof (arg as RequestCallback | null)?.onSuccess === 'function';
}

function checkRequestTimeout(timeoutMillis: number): void {
  if (typeof timeoutMillis !== 'number' || !Number.isInteger(timeoutMillis) || timeoutMillis <= 0) {
    throw new IllegalArgumentError(
      `request timeout must be a positive integer number of milliseconds, got ${String(timeoutMillis)} (omit it for sendMsgTimeout)`,
    );
  }
}

/**
 * `request(message, timeout?)` → Promise of the reply; `request(message, callback, timeout?)` → the
 * callback. `checkState` throws when the producer is not running; `send` sends the prepared request.
 */
export function startRequest(
  core: ProducerCore,
  message: Message,
  callbackOrTimeout: RequestCallback | number | SendOptions | undefined,
  timeoutMillis: number | SendOptions | undefined,
  send: SendRequestMessage,
  checkState: () => void,
): Promise<MessageExt> | undefined {
  const callback = isRequestCallback(callbackOrTimeout) ? callbackOrTimeout : undefined;
  const timing =
    callback === undefined && callbackOrTimeout !== undefined ? callbackOrTimeout : timeoutMillis;
  const timeout = timeoutOf(timing as number | SendOptions | undefined, core.config.sendMsgTimeout);
  const reply = (async () => {
    const signal = signalOf(timing as number | SendOptions | undefined);
    throwIfAborted(signal, 'request');
    checkState();
    checkRequestTimeout(timeout);
    const wireTopic = wrapNamespace(core.config.client.namespace, message?.topic);
    checkMessage(
      message && { topic: wireTopic, body: message.body, properties: message.properties },
      core.config.maxMessageSize,
    );
    const options = { wrapSendError: callback === undefined, signal };
    return runRequest(requestHost(core), message, timeout, send, options);
  })();
  if (callback === undefined) return reply;
  const safely = (fn: () => void): void => {
    try {
      fn();
    } catch (err) {
      core.logger.warn({ err: String(err) }, 'request callback threw');
    }
  };
  reply.then(
    (m) => safely(() => callback.onSuccess(m)),
    (err: unknown) => safely(() => callback.onException(err)),
  );
  return undefined;
}
