/**
 * OpenTelemetry for consumers. A PullConsumer gets one CONSUMER span per message it pulls
 * (`receive <topic>`), a child of the producer's span when the message carries its trace context, so
 * one trace runs from the send to the read. `traceProcessing` wraps the handling of one message in a
 * `process <topic>` span (the push consumer calls it around its listener; applications may call it
 * around their own work); the span is active while the handler runs.
 */
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import type { Context, Span, TextMapPropagator, Tracer } from '@opentelemetry/api';
import type { PullConsumer } from '../client/consumer/pull/pull-consumer.js';
import { PullConsumerEvents } from '../client/consumer/pull/pull-consumer-events.js';
import type { MessageExt } from '../protocol/message/message.js';
import { ATTR, errorType, messageAttributes, pulledCarrier, serverAttributes } from './attributes.js';
import { INSTRUMENTATION_NAME } from './instrument-producer.js';
import type { InstrumentationOptions } from './instrument-producer.js';
import { W3CTraceContext, propertyGetter } from './trace-context.js';

/** The context a message's producer wrote into it (the root context when it wrote none). */
export function messageContext(
  message: MessageExt,
  propagator: TextMapPropagator = new W3CTraceContext(),
): Context {
  return propagator.extract(ROOT_CONTEXT, pulledCarrier(message), propertyGetter);
}

export function consumerSpan(
  tracer: Tracer,
  operation: 'receive' | 'process',
  message: MessageExt,
  group: string,
  propagator: TextMapPropagator,
  startTime?: number,
): Span {
  return tracer.startSpan(
    `${operation} ${message.topic}`,
    {
      kind: SpanKind.CONSUMER,
      attributes: {
        ...messageAttributes(pulledCarrier(message)),
        [ATTR.OPERATION_TYPE]: operation,
        [ATTR.OPERATION_NAME]: operation,
        [ATTR.MESSAGE_ID]: message.msgId,
        [ATTR.CONSUMER_GROUP]: group,
        [ATTR.CLIENT_GROUP]: group,
        [ATTR.PARTITION]: String(message.queueId),
      },
      ...(startTime !== undefined && { startTime }),
    },
    messageContext(message, propagator),
  );
}

export function instrumentPullConsumer(
  consumer: PullConsumer,
  options: InstrumentationOptions = {},
): () => void {
  const tracer = (options.tracerProvider ?? trace.getTracerProvider()).getTracer(INSTRUMENTATION_NAME);
  const propagator = options.propagator ?? new W3CTraceContext();
  const group = consumer.consumerGroup;
  const offs = [
    consumer.on(PullConsumerEvents.PULL, (event) => {
      const startTime = Date.now() - event.durationMillis;
      for (const message of event.result.msgFoundList) {
        const span = consumerSpan(tracer, 'receive', message, group, propagator, startTime);
        span.setAttributes(serverAttributes(event.brokerAddr));
        span.end();
      }
    }),
  ];
  return () => {
    for (const off of offs) off();
  };
}

/**
 * Runs `handler` for one consumed message inside a `process <topic>` CONSUMER span (child of the
 * producer's span when the message carries its context); the span records the handler's failure.
 */
export async function traceProcessing<T>(
  message: MessageExt,
  consumerGroup: string,
  handler: () => Promise<T> | T,
  options: InstrumentationOptions = {},
): Promise<T> {
  const tracer = (options.tracerProvider ?? trace.getTracerProvider()).getTracer(INSTRUMENTATION_NAME);
  const propagator = options.propagator ?? new W3CTraceContext();
  const span = consumerSpan(tracer, 'process', message, consumerGroup, propagator);
  try {
    return await context.with(trace.setSpan(context.active(), span), handler);
  } catch (error) {
    span.recordException(error instanceof Error ? error : String(error));
    span.setAttribute(ATTR.ERROR_TYPE, errorType(error));
    span.setStatus({ code: SpanStatusCode.ERROR });
    throw error;
  } finally {
    span.end();
  }
}
