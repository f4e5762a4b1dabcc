/**
 * OpenTelemetry: a `send` span on the producer, a `receive` span per pulled message and a `process` span
 * around your handling, one trace from producer to consumer (the context travels in message properties).
 * Spans are printed here; in an app you register your SDK and exporter once and pass nothing.
 * Run: `npx rmq dev`, then `npx tsx examples/opentelemetry.ts` (uses the @opentelemetry dev dependencies).
 */
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { Producer, PullConsumer, pollMessages } from 'rocketmq-ts';
import { instrumentProducer, instrumentPullConsumer, traceProcessing } from 'rocketmq-ts/otel';
import { nameServer } from './env.js';

const exporter = new InMemorySpanExporter();
const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });

const topic = 'ExampleTraced';
const producer = new Producer({ producerGroup: 'example-otel', nameServer });
const consumer = new PullConsumer({ consumerGroup: 'example-otel-reader', nameServer });
const stopProducer = instrumentProducer(producer, { tracerProvider });
const stopConsumer = instrumentPullConsumer(consumer, { tracerProvider });
await Promise.all([producer.start(), consumer.start()]);
try {
  const sent = await producer.send({ topic, body: 'traced order' });
  for await (const m of pollMessages(consumer, topic, { from: 'beginning', idleTimeoutMillis: 1000 })) {
    if (m.msgId !== sent.msgId) continue;
    await traceProcessing(
      m,
      'example-otel-reader',
      async () => console.log('processing', m.body.toString()),
      {
        tracerProvider,
      },
    );
  }
} finally {
  stopProducer();
  stopConsumer();
  await Promise.all([producer.shutdown(), consumer.shutdown()]);
}

const spans = exporter.getFinishedSpans().filter((s) => s.name.endsWith(topic));
for (const s of spans) console.log(`${s.name.padEnd(22)} trace ${s.spanContext().traceId}`);
const traces = new Set(spans.map((s) => s.spanContext().traceId));
console.log(traces.size === 1 ? 'one trace from send to process' : `${traces.size} traces`);
