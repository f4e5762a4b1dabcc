/**
 * Fault injection: make the embedded broker answer SYSTEM_BUSY and prove that your retry logic copes
 * (here the producer's own retries; yours would be tested the same way).
 * Run: `node --import tsx --test examples/fault-injection.test.ts` (no `rmq dev` needed).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MQBrokerError, MQClientError, Producer, ResponseCode, startEmbeddedCluster } from 'rocketmq-ts';

test('a send rides out a busy broker; without retries it fails with SYSTEM_BUSY', async () => {
  const cluster = await startEmbeddedCluster();
  const sends = ['SEND_MESSAGE', 'SEND_MESSAGE_V2'];
  const patient = new Producer({ producerGroup: 'app', nameServer: cluster.namesrvAddress });
  const hasty = new Producer({
    producerGroup: 'app2',
    nameServer: cluster.namesrvAddress,
    retryTimesWhenSendFailed: 0,
  });
  await patient.start();
  await hasty.start();
  try {
    const busy = cluster.broker(0).inject({ kind: 'busy', codes: sends, count: 2 });
    const result = await patient.send({ topic: 'Orders', body: 'order 1' }); // attempts 1 and 2 busy, 3 stored
    assert.equal(result.sendStatus, 'SEND_OK');
    assert.equal(busy.hits, 2);
    cluster.broker(0).inject({ kind: 'busy', codes: sends, count: 1 });
    await assert.rejects(
      hasty.send({ topic: 'Orders', body: 'order 2' }),
      (err) =>
        err instanceof MQClientError &&
        err.cause instanceof MQBrokerError &&
        err.cause.code === ResponseCode.SYSTEM_BUSY,
    );
  } finally {
    await Promise.all([patient.shutdown(), hasty.shutdown()]);
    await cluster.stop();
  }
});
