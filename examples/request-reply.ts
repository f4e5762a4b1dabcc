/**
 * Request-reply over RocketMQ: the requester waits for an answer, a replier answers each request.
 * Both live in this process here; in real life they are different services.
 * Run: `npx rmq dev`, then `npx tsx examples/request-reply.ts`.
 */
import { Producer, PullConsumer, createReplyMessage, getReplyToClient, pollMessages } from 'rocketmq-ts';
import { nameServer } from './env.js';

const topic = 'ExampleQuotes';
const requester = new Producer({ producerGroup: 'example-requester', nameServer });
const replier = new Producer({ producerGroup: 'example-replier', nameServer });
const reader = new PullConsumer({ consumerGroup: 'example-quote-service', nameServer });
await Promise.all([requester.start(), replier.start(), reader.start()]);

// On `rmq dev` the first send creates the topic, which the replier needs before it can read it. (Not
// sent by the requester: its first request finds the route and announces it to the brokers, which
// push replies only to clients they know.)
await replier.send({ topic, body: 'not a request' });

// The replier: reads the topic and answers each request (a message with a requester to reply to).
const abort = new AbortController();
const serving = (async () => {
  for await (const m of pollMessages(reader, topic, {
    from: 'beginning',
    commit: true,
    signal: abort.signal,
  })) {
    if (getReplyToClient(m) === undefined) continue;
    await replier.send(createReplyMessage(m, `quote for ${m.body.toString()}: 1.0842`));
  }
})();

try {
  const reply = await requester.request({ topic, body: 'EURUSD' }, 5000);
  console.log('reply:', reply.body.toString());
} finally {
  abort.abort();
  await serving.catch(() => undefined);
  await Promise.all([requester.shutdown(), replier.shutdown(), reader.shutdown()]);
}
