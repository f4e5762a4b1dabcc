/**
 * The state of one send call, shared by its attempts and by the producer's drain on shutdown: the
 * wire form (computed once), the first prepared request (async retries re-aim it), the send hooks
 * whose after phase is still due, and the requests handed to the transport that no answer has
 * settled yet.
 *
 * When the drain deadline comes before the call settled, the call is abandoned (`abandon`): every
 * request not yet handed to a connection is withdrawn (the transport will not write it), every open
 * hook is finished with the abandonment error, and the call's outcome is decided from what may have
 * reached a broker:
 *
 *   a stored (not SEND_OK) result kept by a sync retry      -> that result (the broker has it)
 *   some request handed over and never answered            -> SendOutcomeUnknownError
 *   otherwise (route lookup, connect, permit, retry pause)  -> MessageNotSentError
 *
 * From then on the loop stops at its next step and reports nothing more.
 */
import type { Message } from '../../../protocol/message/index.js';
import type { MessageQueue } from '../../message-queue.js';
import type { RemotingCommand } from '../../../protocol/command/remoting-command.js';
import { runSendHooks } from '../hooks.js';
import type { CommunicationMode, SendMessageContext } from '../hooks.js';
import type { ProducerCore } from '../producer-core.js';
import type { SendResult } from '../send-result.js';
import { MessageNotSentError, SendOutcomeUnknownError } from '../shutdown-errors.js';
import type { PreparedSend, WireMessage } from './send-prepare.js';

/** What an abandoned call settles with. */
export type AbandonedOutcome =
  { readonly ok: true; readonly result: SendResult } | { readonly ok: false; readonly error: Error };

export class SendCall {
  wire: WireMessage | undefined;
  /** The first attempt's request, when retries re-aim it (async); its hooks finish when the call settles. */
  first: PreparedSend | undefined;
  /** A sync attempt's result stored without SEND_OK, kept while the loop tries another broker. */
  stored: SendResult | undefined;
  /** Made on first use: most calls have no send hook, and thousands of calls may be in flight. */
  #openHooks: Set<SendMessageContext> | undefined;
  /**
   * Requests given to the transport without an answer yet, with their broker address, in hand-over
   * order: the first in two fields (nearly every call has one at a time), any further ones in a map
   * made on first use.
   */
  #firstRequest: RemotingCommand | undefined;
  #firstAddr = '';
  #moreUnanswered: Map<RemotingCommand, string> | undefined;
  #abandoned: Error | undefined;
  /** Identifies the call in events (per producer). */
  sendId = 0;
  /** Attempts made so far, and the queue of the last one. */
  attempts = 0;
  queue: MessageQueue | undefined;
  /** Event bookkeeping, kept only while someone listens (send-events.ts). */
  began: number | undefined;
  attemptBegan: number | undefined;
  lastError: unknown;
  lastAttemptMillis = 0;

  constructor(
    readonly message: Message,
    readonly mode: CommunicationMode,
    /** The topic as sent (namespace applied). */
    readonly topic: string = message.topic,
    /** The caller's AbortSignal (send options). */
    readonly signal?: AbortSignal | undefined,
  ) {}

  /** The error the drain settled the call with; the loop stops when it sees one. */
  get abandoned(): Error | undefined {
    return this.#abandoned;
  }

  /** Runs the before phase of the send hooks; their after phase is due from now on. */
  openHooks(host: ProducerCore, context: SendMessageContext): void {
    (this.#openHooks ??= new Set()).add(context);
    runSendHooks(host.sendHooks, 'before', context, host.logger);
  }

  /** Runs the after phase of the hooks of `context` with the outcome, once (later calls do nothing). */
  finishHooks(
    host: ProducerCore,
    context: SendMessageContext | undefined,
    result: SendResult | undefined,
    exception?: unknown,
  ): void {
    if (context === undefined || this.#openHooks?.delete(context) !== true) return;
    context.sendResult = result;
    if (exception !== undefined) context.exception = exception;
    runSendHooks(host.sendHooks, 'after', context, host.logger);
  }

  /** The request is about to be given to the transport (to `addr`). */
  handingOver(request: RemotingCommand, addr: string): void {
    if (this.#firstRequest === undefined && (this.#moreUnanswered?.size ?? 0) === 0) {
      this.#firstRequest = request;
      this.#firstAddr = addr;
    } else {
      (this.#moreUnanswered ??= new Map()).set(request, addr);
    }
  }

  /** An answer to the request arrived (or, oneway, it was written): its outcome is known. */
  answered(request: RemotingCommand): void {
    if (this.#firstRequest === request) this.#firstRequest = undefined;
    else this.#moreUnanswered?.delete(request);
  }

  /** The requests handed over without an answer yet, with their address, in hand-over order. */
  #unanswered(): [RemotingCommand, string][] {
    const all: [RemotingCommand, string][] = [];
    if (this.#firstRequest !== undefined) all.push([this.#firstRequest, this.#firstAddr]);
    if (this.#moreUnanswered !== undefined) all.push(...this.#moreUnanswered);
    return all;
  }

  /**
   * The caller's signal aborted (the tracker settles the call with `error`): nothing more leaves,
   * requests waiting for an answer leave the transport's response table, open hooks finish with
   * `error`, and the loop stops at its next step.
   */
  abort(host: ProducerCore, error: Error): void {
    this.#abandoned = error;
    for (const [request, addr] of this.#unanswered()) {
      host.instance.withdrawRequest(request);
      host.instance.remoting.cancelRequest?.(addr, request, error);
    }
    this.#firstRequest = undefined;
    this.#moreUnanswered = undefined;
    for (const context of [...(this.#openHooks ?? [])]) this.finishHooks(host, context, undefined, error);
  }

  /**
   * Settles the call at the drain deadline (see the file header); `drainMillis` is the deadline,
   * for the messages.
   */
  abandon(host: ProducerCore, drainMillis: number): AbandonedOutcome {
    let reachedAddr: string | undefined;
    for (const [request, addr] of this.#unanswered()) {
      if (!host.instance.withdrawRequest(request)) reachedAddr = addr;
    }
    const id = this.wire?.msgId ?? 'without id';
    // What became of the attempt under way (its hooks are told this, also when a stored result wins).
    const error =
      reachedAddr !== undefined
        ? new SendOutcomeUnknownError(
            `send outcome unknown: message ${id} was sent to ${reachedAddr} but no answer came within ` +
              `the producer's shutdown deadline (${drainMillis} ms); the broker may have stored it`,
            reachedAddr,
          )
        : new MessageNotSentError(
            `not sent: the producer shut down before message ${id} left (shutdown deadline ${drainMillis} ms); ` +
              'nothing was stored, sending it again is safe',
          );
    this.#abandoned = error;
    for (const context of [...(this.#openHooks ?? [])]) this.finishHooks(host, context, undefined, error);
    return this.stored !== undefined ? { ok: true, result: this.stored } : { ok: false, error };
  }
}
