/**
 * Access control: every request signed with an account's keys (Java's AclClientRPCHook); a topic the
 * account may not publish to is refused by the broker.
 * Run: `npx rmq dev --acl examples/plain_acl.yml`, then `npx tsx examples/acl.ts`.
 */
import { MQBrokerError, Producer, RocketMQError } from 'rocketmq-ts';
import { nameServer } from './env.js';

const producer = new Producer({
  producerGroup: 'example-acl',
  nameServer,
  credentials: { accessKey: 'orderService', secretKey: process.env.RMQ_SECRET_KEY ?? 'orderServiceSecret' },
});
await producer.start();
try {
  // The account may publish to TBW102, so its first send creates the topic on `rmq dev`.
  const r = await producer.send({ topic: 'ExampleAclOrders', body: 'allowed' });
  console.log('ExampleAclOrders:', r.sendStatus);
  try {
    await producer.send({ topic: 'ExampleAclPayroll', body: 'not allowed' });
    console.log('ExampleAclPayroll: sent?! (is rmq dev running without --acl?)');
  } catch (err) {
    // As Java's brokers do, ours answer an ACL refusal with SYSTEM_ERROR and an AclException remark; the
    // producer tried again (code 1 is retriable) and reports the broker's answer as the cause.
    const answer = err instanceof RocketMQError && err.cause instanceof MQBrokerError ? err.cause : err;
    if (!(answer instanceof MQBrokerError) || !answer.remark?.includes('AclException')) throw err;
    console.log('ExampleAclPayroll: refused:', answer.remark);
  }
} finally {
  await producer.shutdown();
}
