/**
 * Message trace of a push consumer (Java ConsumeMessageTraceHookImpl): a SubBefore record when a
 * batch goes to the handler, a SubAfter (success, ConsumeReturnType, cost per message) when it
 * returns, written off the consume path by the tracer's dispatcher.
 */
import type { ConsumeTracer } from '../../trace/consume-tracer.js';
import type { ConsumeInterceptor } from './consume-hooks.js';

export function traceInterceptor(tracer: ConsumeTracer): ConsumeInterceptor {
  return async (messages, _queue, next) => {
    const token = tracer.consumeBefore(messages);
    const report = await next();
    tracer.consumeAfter(token, { success: report.success, returnType: report.returnType });
    return report;
  };
}
