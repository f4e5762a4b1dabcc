/**
 * `rocketmq-ts/otel`: the optional OpenTelemetry integration. It needs `@opentelemetry/api` (a peer
 * dependency, optional: the main entry never loads it) and no SDK: spans and metrics go to whatever
 * tracer and meter providers the application registered (or passes in the options).
 */
export { instrumentProducer, INSTRUMENTATION_NAME } from './instrument-producer.js';
export type { InstrumentationOptions } from './instrument-producer.js';
export { instrumentPullConsumer, messageContext, traceProcessing } from './instrument-consumer.js';
export { instrumentPushConsumer } from './instrument-push-consumer.js';
export { W3CTraceContext, TRACE_PARENT, TRACE_STATE } from './trace-context.js';
export { ATTR as MessagingAttributes, messageType } from './attributes.js';
