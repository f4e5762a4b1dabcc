/**
 * OpenTelemetry for a Producer, built on its instrumentation events (producer-events.ts): one
 * PRODUCER span per send call (`send <topic>`, messaging semantic conventions), its context written
 * into the message (traceparent / tracestate user properties) before the message is encoded, so the
 * consumer's spans join the trace; and metrics: the send duration histogram
 * (messaging.client.operation.duration, seconds), failures by code
 * (messaging.rocketmq.client.send.failures) and the sends in flight (observable gauge).
 * `instrumentProducer` returns the function that removes all of it.
 */
import { SpanKind, SpanStatusCode, context, metrics, trace } from '@opentelemetry/api';
import type { Attributes, MeterProvider, Span, TextMapPropagator, TracerProvider } from '@opentelemetry/api';
import type { Producer } from '../client/producer/producer.js';
import { producerStats } from '../client/producer/producer.js';
import { ProducerEvents } from '../client/producer/producer-events.js';
import type { SendEventBase } from '../client/producer/producer-events.js';
import { MessageBatch } from '../client/producer/message-batch.js';
import { ATTR, SYSTEM, errorType, messageAttributes, serverAttributes } from './attributes.js';
import { W3CTraceContext, propertySetter } from './trace-context.js';

export const INSTRUMENTATION_NAME = 'rocketmq-ts';

export interface InstrumentationOptions {
  /** Default: the global tracer provider (`trace.getTracerProvider()`). */
  tracerProvider?: TracerProvider | undefined;
  /** Default: the global meter provider. */
  meterProvider?: MeterProvider | undefined;
  /** Writes / reads the trace context in message properties. Default: W3C Trace Context. */
  propagator?: TextMapPropagator | undefined;
}

interface OpenSend {
  readonly span: Span;
  readonly begin: number;
}

export function instrumentProducer(producer: Producer, options: InstrumentationOptions = {}): () => void {
  const tracer = (options.tracerProvider ?? trace.getTracerProvider()).getTracer(INSTRUMENTATION_NAME);
  const meter = (options.meterProvider ?? metrics.getMeterProvider()).getMeter(INSTRUMENTATION_NAME);
  const propagator = options.propagator ?? new W3CTraceContext();
  const duration = meter.createHistogram('messaging.client.operation.duration', {
    description: 'Duration of send calls (all attempts)',
    unit: 's',
  });
  const failures = meter.createCounter('messaging.rocketmq.client.send.failures', {
    description: 'Failed send calls, by error code',
  });
  const inFlight = meter.createObservableGauge('messaging.rocketmq.client.send.in_flight', {
    description: 'Send calls not settled yet',
  });
  const group = producer.producerGroup;
  const observeInFlight = (result: { observe(value: number, attributes?: Attributes): void }): void => {
    if (producer.state === 'RUNNING') {
      result.observe(producerStats(producer).sendsInFlight, { [ATTR.CLIENT_GROUP]: group });
    }
  };
  inFlight.addCallback(observeInFlight);
  const open = new Map<number, OpenSend>();
  const metricAttributes = (event: SendEventBase): Attributes => ({
    [ATTR.SYSTEM]: SYSTEM,
    [ATTR.DESTINATION]: event.topic,
    [ATTR.OPERATION_NAME]: 'send',
  });

  const offs = [
    producer.on(ProducerEvents.SEND_START, (event) => {
      const span = tracer.startSpan(
        `send ${event.topic}`,
        {
          kind: SpanKind.PRODUCER,
          attributes: {
            ...messageAttributes(event.message),
            [ATTR.DESTINATION]: event.topic,
            [ATTR.OPERATION_TYPE]: 'send',
            [ATTR.OPERATION_NAME]: 'send',
            [ATTR.CLIENT_GROUP]: group,
          },
        },
        context.active(),
      );
      open.set(event.sendId, { span, begin: performance.now() });
      // A batch's messages are encoded already: its span exists, but nothing can be added to them.
      if (!(event.message instanceof MessageBatch)) {
        propagator.inject(trace.setSpan(context.active(), span), event.message, propertySetter);
      }
    }),
    producer.on(ProducerEvents.SEND_ATTEMPT, (event) => {
      const span = open.get(event.sendId)?.span;
      if (span === undefined) return;
      const address = producer.instance.findBrokerAddressInPublish(event.queue.brokerName);
      span.setAttributes({ ...serverAttributes(address), [ATTR.PARTITION]: String(event.queue.queueId) });
      if (event.attempt > 1) span.addEvent('retry', { attempt: event.attempt });
    }),
    producer.on(ProducerEvents.SEND_SUCCESS, (event) => {
      const send = open.get(event.sendId);
      if (send === undefined) return;
      open.delete(event.sendId);
      if (event.result !== undefined) send.span.setAttribute(ATTR.MESSAGE_ID, event.result.msgId);
      send.span.end();
      duration.record((performance.now() - send.begin) / 1000, metricAttributes(event));
    }),
    producer.on(ProducerEvents.SEND_FAILURE, (event) => {
      const send = open.get(event.sendId);
      if (send === undefined) return;
      open.delete(event.sendId);
      const error = event.error;
      send.span.recordException(error instanceof Error ? error : String(error));
      send.span.setAttributes({ [ATTR.ERROR_TYPE]: errorType(error), [ATTR.ERROR_CODE]: event.code });
      send.span.setStatus({
        code: SpanStatusCode.ERROR,
        message: String((error as Error)?.message ?? error),
      });
      send.span.end();
      const attributes = { ...metricAttributes(event), [ATTR.ERROR_TYPE]: errorType(error) };
      duration.record((performance.now() - send.begin) / 1000, attributes);
      failures.add(1, { ...metricAttributes(event), [ATTR.ERROR_CODE]: event.code });
    }),
  ];
  return () => {
    for (const off of offs) off();
    inFlight.removeCallback(observeInFlight);
    for (const { span } of open.values()) span.end();
    open.clear();
  };
}
