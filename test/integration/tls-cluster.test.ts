/**
 * A whole cluster over TLS: name server and broker enforcing TLS with client certificates required,
 * the broker registering over TLS with its own client certificate, a producer and a pull consumer
 * going through the name server and the broker over TLS (public API only). A client without TLS, and
 * one without a client certificate, are refused at once (no retry loop), each the way it should be.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  createDevelopmentCertificates,
  Producer,
  PullConsumer,
  RemotingError,
  SendStatus,
  startEmbeddedCluster,
  TlsHandshakeError,
} from '../../src/index.js';
import type { EmbeddedCluster } from '../../src/index.js';

const certs = createDevelopmentCertificates();
const clientTls = { ca: certs.ca.cert, cert: certs.client.cert, key: certs.client.key };

describe('cluster enforcing mutual TLS', () => {
  let cluster: EmbeddedCluster;
  before(async () => {
    cluster = await startEmbeddedCluster({
      tls: {
        mode: 'enforcing',
        cert: certs.server.cert,
        key: certs.server.key,
        ca: certs.ca.cert,
        clientAuth: 'require',
      },
      namesrvTls: clientTls,
    });
  });
  after(async () => {
    await cluster.stop();
  });

  it('producer -> name server + broker over TLS, read back by a pull consumer over TLS', async () => {
    assert.ok(cluster.namesrv.routeInfo.brokerAddrTable.size > 0, 'the broker registered over TLS');
    const producer = new Producer({
      producerGroup: 'tls-producer',
      nameServer: cluster.namesrvAddress,
      tls: clientTls,
    });
    const consumer = new PullConsumer({
      consumerGroup: 'tls-consumer',
      nameServer: cluster.namesrvAddress,
      tls: clientTls,
    });
    await producer.start();
    await consumer.start();
    try {
      const result = await producer.send({ topic: 'TlsTopic', body: 'over tls', keys: 'k1' });
      assert.equal(result.sendStatus, SendStatus.SEND_OK);
      const mq = result.messageQueue;
      const pulled = await consumer.pull(mq, '*', result.queueOffset, 8);
      assert.deepEqual(
        pulled.msgFoundList.map((m) => m.body.toString()),
        ['over tls'],
      );
    } finally {
      await producer.shutdown();
      await consumer.shutdown();
    }
  });

  it('a client without a certificate fails typed and at once; a plain client is refused', async () => {
    const noCert = new Producer({
      producerGroup: 'tls-nocert',
      nameServer: cluster.namesrvAddress,
      tls: { ca: certs.ca.cert },
      sendMsgTimeout: 20_000,
    });
    await noCert.start();
    const begin = Date.now();
    const error = await noCert.send({ topic: 'TlsTopic', body: 'x' }).catch((e: unknown) => e);
    await noCert.shutdown();
    assert.ok(Date.now() - begin < 5000, 'no retry loop over a 20 s budget');
    const cause = error instanceof TlsHandshakeError ? error : (error as Error).cause;
    assert.ok(cause instanceof TlsHandshakeError, `not a TLS error: ${String(error)}`);
    assert.equal(cause.failure, 'client-certificate-required');

    const plain = new Producer({ producerGroup: 'tls-plain', nameServer: cluster.namesrvAddress });
    await plain.start();
    const refused = await plain.send({ topic: 'TlsTopic', body: 'x' }).catch((e: unknown) => e);
    await plain.shutdown();
    assert.ok(refused instanceof Error && !(refused instanceof TlsHandshakeError), String(refused));
    assert.ok(refused instanceof RemotingError || /route|name server/i.test(refused.message));
  });
});
