/**
 * Ordered messages: every event of one order goes to one queue (Java's hash selector on the key), and a
 * reader of that queue sees them in order.
 * Run: `npx rmq dev`, then `npx tsx examples/ordered.ts`.
 */
import { Producer, PullConsumer, pollMessages } from 'rocketmq-ts';
import { nameServer } from './env.js';

const topic = 'ExampleOrderEvents';
const producer = new Producer({ producerGroup: 'example-ordered', nameServer });
await producer.start();
const queues = new Set<number>();
try {
  for (const event of ['created', 'paid', 'shipped', 'delivered']) {
    const r = await producer.sendOrderly({ topic, body: event, tags: event, keys: 'order-42' }, 'order-42');
    queues.add(r.messageQueue.queueId);
  }
} finally {
  await producer.shutdown();
}
console.log(`all events of order-42 went to queue ${[...queues].join(', ')}`);

const consumer = new PullConsumer({ consumerGroup: 'example-ordered-reader', nameServer });
await consumer.start();
try {
  const seen: string[] = [];
  for await (const m of pollMessages(consumer, topic, {
    from: 'beginning',
    commit: true,
    idleTimeoutMillis: 1500,
  })) {
    if (m.keys === 'order-42' && queues.has(m.queueId)) seen.push(m.body.toString());
  }
  console.log('read back in order:', seen.join(' -> '));
} finally {
  await consumer.shutdown();
}
