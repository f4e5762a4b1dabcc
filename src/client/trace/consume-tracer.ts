/**
 * Consume traces (Java ConsumeMessageTraceHookImpl): the hook a consumer calls around the delivery of
 * a batch of messages to the application. The push consumer calls it around each listener call; the
 * pull consumer's poll() around each message it hands out (before: when it yields the message; after:
 * when the caller asks for the next one, success true, as Java's lite pull consumer records a poll).
 *
 *   const token = tracer.consumeBefore(messages);          // SubBefore, one record per message
 *   ... the application consumes ...
 *   tracer.consumeAfter(token, { success, returnType });   // SubAfter, same requestId
 *
 * Messages whose TRACE_ON property is "false" are left out; a batch with none left records nothing
 * (consumeBefore returns undefined, and consumeAfter(undefined) does nothing). costTime is the time
 * between the two calls divided by the batch size, as Java computes it.
 */
import { emptyTraceBean } from '../../protocol/body/trace-data.js';
import { DEFAULT_REGION_ID } from '../../protocol/codes/misc.js';
import type { TraceContext } from '../../protocol/body/trace-data.js';
import { MessageConst, withoutNamespace } from '../../protocol/message/index.js';
import type { MessageExt } from '../../protocol/message/index.js';
import type { AsyncTraceDispatcher } from './async-trace-dispatcher.js';
import { newTraceContext } from './producer-trace.js';

/** Java ConsumeReturnType; its ordinal is the SubAfter contextCode. */
export const CONSUME_RETURN_TYPES = ['SUCCESS', 'TIME_OUT', 'EXCEPTION', 'RETURNNULL', 'FAILED'] as const;
/** How a consume listener returned, as trace records spell it (Java ConsumeReturnType). */
export type ConsumeReturnType = (typeof CONSUME_RETURN_TYPES)[number];

/** What consumeBefore hands back for consumeAfter. */
export interface ConsumeTraceToken {
  readonly before: TraceContext;
  readonly size: number;
}

/** How a consume call ended, for ConsumeTracer.consumeAfter. */
export interface ConsumeOutcome {
  success: boolean;
  /** How the listener returned (Java ConsumeReturnType); default SUCCESS, or FAILED when !success. */
  returnType?: ConsumeReturnType;
}

/** Writes Java-compatible consume trace records (SubBefore / SubAfter) to the trace topic for the messages a consumer hands to user code. */
export class ConsumeTracer {
  constructor(
    readonly dispatcher: AsyncTraceDispatcher,
    /** Consumer group without the namespace. */
    private readonly group: string,
    private readonly namespace: string | undefined,
    private readonly nextRequestId: () => string,
  ) {}

  /** Records SubBefore for the messages about to be consumed; returns the token for consumeAfter (undefined when nothing is traced). */
  consumeBefore(messages: readonly MessageExt[]): ConsumeTraceToken | undefined {
    const beans = [];
    let regionId = '';
    for (const m of messages) {
      if (m.properties[MessageConst.PROPERTY_TRACE_SWITCH] === 'false') continue;
      // Java brokers store MSG_REGION in every message; Java skips a context without it. Ours does not
      // store it (yet), so the default region stands in rather than losing the consume trace.
      regionId = m.properties[MessageConst.PROPERTY_MSG_REGION] ?? DEFAULT_REGION_ID;
      beans.push(
        emptyTraceBean({
          topic: withoutNamespace(m.topic, this.namespace),
          msgId: m.msgId,
          tags: m.tags,
          keys: m.keys,
          bodyLength: m.storeSize,
          retryTimes: m.reconsumeTimes,
        }),
      );
    }
    if (beans.length === 0) return undefined;
    const before = newTraceContext({
      traceType: 'SubBefore',
      groupName: this.group,
      regionId,
      requestId: this.nextRequestId(),
      traceBeans: beans,
    });
    this.dispatcher.append(before);
    return { before, size: messages.length };
  }

  /** Records SubAfter with the outcome and the time since consumeBefore. */
  consumeAfter(token: ConsumeTraceToken | undefined, outcome: ConsumeOutcome): void {
    if (token === undefined) return;
    const { before } = token;
    const returnType = outcome.returnType ?? (outcome.success ? 'SUCCESS' : 'FAILED');
    this.dispatcher.append(
      newTraceContext({
        traceType: 'SubAfter',
        regionId: before.regionId,
        groupName: before.groupName,
        requestId: before.requestId,
        success: outcome.success,
        costTime: Math.floor((Date.now() - before.timeStamp) / Math.max(1, token.size)),
        contextCode: CONSUME_RETURN_TYPES.indexOf(returnType),
        traceBeans: before.traceBeans,
      }),
    );
  }

  /** Flushes the trace records still queued (waiting up to `timeoutMillis`) and stops the dispatcher. */
  shutdown(timeoutMillis?: number): Promise<void> {
    return this.dispatcher.shutdown(timeoutMillis);
  }
}
