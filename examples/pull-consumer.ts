/**
 * A pull consumer: choose queues and offsets yourself, commit the group's offsets to the broker.
 * Run: `npx rmq dev`, `npx rmq send --topic ExampleOrders --body hi --count 5`, then
 * `npx tsx examples/pull-consumer.ts`.
 */
import { PullConsumer, PullStatus } from 'rocketmq-ts';
import { nameServer } from './env.js';

const consumer = new PullConsumer({ consumerGroup: 'example-audit', nameServer });
await consumer.start();
try {
  let total = 0;
  for (const mq of await consumer.fetchMessageQueues('ExampleOrders')) {
    const stored = await consumer.fetchConsumeOffset(mq); // -1n when the group has none yet
    let offset = stored < 0n ? 0n : stored;
    for (;;) {
      const result = await consumer.pull(mq, '*', offset, 32);
      if (result.pullStatus !== PullStatus.FOUND) break;
      for (const m of result.msgFoundList)
        console.log(`queue ${m.queueId} offset ${m.queueOffset}: ${m.body.toString()}`);
      total += result.msgFoundList.length;
      offset = result.nextBeginOffset;
      await consumer.commitOffset(mq, offset);
    }
  }
  console.log(`${total} messages read; the next run continues from here`);
} finally {
  await consumer.shutdown();
}
