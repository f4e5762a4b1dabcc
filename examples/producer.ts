/**
 * Every way to send: sync, async (Promise and callbacks), oneway and batch.
 * Run: `npx rmq dev` in one terminal, then `npx tsx examples/producer.ts`.
 */
import { Producer, SendStatus } from 'rocketmq-ts';
import { nameServer } from './env.js';

const producer = new Producer({ producerGroup: 'example-producer', nameServer });
await producer.start();
try {
  // Sync: the broker's answer, retried on another broker within sendMsgTimeout (3 s by default).
  const sync = await producer.send({
    topic: 'ExampleOrders',
    body: JSON.stringify({ id: 1 }),
    tags: 'created',
    keys: 'order-1',
  });
  console.log(
    'sync   ',
    sync.sendStatus === SendStatus.SEND_OK,
    sync.msgId,
    `queue ${sync.messageQueue.queueId}`,
    `offset ${sync.queueOffset}`,
  );

  // Async: many in flight at once.
  const results = await Promise.all(
    Array.from({ length: 10 }, (_, i) =>
      producer.sendAsync({ topic: 'ExampleOrders', body: `async ${i}`, keys: `order-${i}` }),
    ),
  );
  console.log('async  ', results.length, 'stored');

  // Java-style callbacks: exactly one of them runs.
  await new Promise<void>((resolve) =>
    producer.sendAsync(
      { topic: 'ExampleOrders', body: 'callback' },
      {
        onSuccess: (r) => {
          console.log('cb     ', r.sendStatus);
          resolve();
        },
        onException: (e) => {
          console.error('cb failed', e);
          resolve();
        },
      },
    ),
  );

  // Oneway: written to the socket, no answer, no retry.
  await producer.sendOneway({ topic: 'ExampleOrders', body: 'fire and forget' });
  console.log('oneway  written');

  // Batch: one request, one topic; each message keeps its own id.
  const batch = await producer.sendBatch([
    { topic: 'ExampleOrders', body: 'a' },
    { topic: 'ExampleOrders', body: 'b' },
  ]);
  console.log('batch  ', batch.msgId.split(',').length, `messages at offset ${batch.queueOffset}`);
} finally {
  await producer.shutdown(); // waits for sends in flight
}
