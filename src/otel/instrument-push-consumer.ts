/**
 * OpenTelemetry for the push consumer: each handler call runs with one `process <topic>` CONSUMER
 * span per message, each a child of its producer's span when the message carries the producer's
 * trace context (W3C traceparent in the message properties), so one trace runs from the send to the
 * handler. For a single message (the default batch size) the span is active while the handler runs,
 * so the handler's own spans join the trace. A call that did not consume (reconsume later, throw,
 * timeout) ends its spans with ERROR status and `error.type` set to Java's ConsumeReturnType.
 */
import { SpanStatusCode, context, trace } from '@opentelemetry/api';
import type { PushConsumer } from '../client/consumer/push/push-consumer.js';
import type { ConsumeReport } from '../client/consumer/push/consume-hooks.js';
import { ATTR } from './attributes.js';
import { consumerSpan } from './instrument-consumer.js';
import { INSTRUMENTATION_NAME } from './instrument-producer.js';
import type { InstrumentationOptions } from './instrument-producer.js';
import { W3CTraceContext } from './trace-context.js';

/** Instruments `consumer` (before or after start); returns the function that removes it. */
export function instrumentPushConsumer(
  consumer: PushConsumer,
  options: InstrumentationOptions = {},
): () => void {
  const tracer = (options.tracerProvider ?? trace.getTracerProvider()).getTracer(INSTRUMENTATION_NAME);
  const propagator = options.propagator ?? new W3CTraceContext();
  const group = consumer.consumerGroup;
  return consumer.interceptConsume(async (messages, _queue, next) => {
    const spans = messages.map((m) => consumerSpan(tracer, 'process', m, group, propagator));
    const only = spans.length === 1 ? spans[0] : undefined;
    let report: ConsumeReport | undefined;
    try {
      report = await (only === undefined
        ? next()
        : context.with(trace.setSpan(context.active(), only), next));
      return report;
    } finally {
      for (const span of spans) {
        if (report?.success !== true) {
          const error = report?.error;
          if (error !== undefined) span.recordException(error instanceof Error ? error : String(error));
          span.setAttribute(ATTR.ERROR_TYPE, report?.returnType ?? 'EXCEPTION');
          span.setStatus({ code: SpanStatusCode.ERROR, message: report?.returnType ?? 'EXCEPTION' });
        }
        span.end();
      }
    }
  });
}
