/**
 * A push consumer: subscribe with a handler, and the client pulls, shares the queues with the group's
 * other members, retries failures and commits offsets. Events show what it does.
 * Run: `npx rmq dev` in one terminal, then `npx tsx examples/push-consumer.ts`.
 */
import { ConsumeResult, Producer, PushConsumer, PushConsumerEvents } from 'rocketmq-ts';
import type { ConsumedMessage } from 'rocketmq-ts';
import { nameServer } from './env.js';

const TOPIC = 'ExamplePush';
const run = Date.now().toString(36); // this run's messages, told apart from earlier runs'

const producer = new Producer({ producerGroup: 'example-push-producer', nameServer });
await producer.start();
for (let i = 1; i <= 5; i++) await producer.send({ topic: TOPIC, body: `${run} task ${i}`, tags: 'task' });
await producer.shutdown();

let done!: () => void;
const allConsumed = new Promise<void>((resolve) => (done = resolve));
const seen = new Set<string>();
const consumer = new PushConsumer({
  consumerGroup: 'example-push',
  nameServer,
  consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET', // a new group starts at the oldest message
  handler: (m: ConsumedMessage) => {
    const body = m.body.toString();
    if (body.startsWith(run)) {
      seen.add(body);
      console.log(`queue ${m.queueId} offset ${m.queueOffset}: ${body}`);
      if (seen.size === 5) done();
    }
    return ConsumeResult.CONSUME_SUCCESS; // or RECONSUME_LATER (or throw) to get it again later
  },
});
consumer.on(PushConsumerEvents.REBALANCE, (e) =>
  console.log(`rebalance ${e.topic}: ${e.queuesBefore} -> ${e.queuesAfter} queues`),
);
consumer.on(PushConsumerEvents.CONSUME_FAILURE, (e) =>
  console.warn(`failed on ${e.queue.key()}: ${e.returnType}`),
);
await consumer.subscribe(TOPIC, 'task');
await consumer.start();
try {
  const timeout = new Promise<never>((_, reject) =>
    setTimeout(() => reject(new Error('not all 5 messages came within 20 s')), 20_000).unref(),
  );
  await Promise.race([allConsumed, timeout]);
  console.log(`consumed ${seen.size} messages; offsets are committed on shutdown`);
} finally {
  await consumer.shutdown();
}
