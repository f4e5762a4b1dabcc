/**
 * The broker's disk-full thresholds are options (Java diskSpaceWarningLevelRatio / CleanForciblyRatio):
 * a broker told to refuse writes above 1 % used answers SERVICE_NOT_AVAILABLE with a disk-full remark
 * and stores nothing; bad ratios are refused when the broker is built.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  IllegalArgumentError,
  MQBrokerError,
  MQClientError,
  Producer,
  ResponseCode,
  startEmbeddedCluster,
} from '../../src/index.js';
import { Broker } from '../../src/index.js';

describe('broker disk-space thresholds', () => {
  it('a broker above its diskSpaceWarningLevelRatio refuses writes as disk full', async () => {
    const cluster = await startEmbeddedCluster({
      brokers: [{ diskSpaceWarningLevelRatio: 0.001, diskSpaceCleanForciblyRatio: 0.001 }],
    });
    const producer = new Producer({
      producerGroup: 'disk-ratio',
      nameServer: cluster.namesrvAddress,
      retryTimesWhenSendFailed: 0,
    });
    try {
      await producer.start();
      await assert.rejects(producer.send({ topic: 'DiskRatio', body: 'x' }), (err: unknown) => {
        // SERVICE_NOT_AVAILABLE is retriable: after the last attempt the producer reports the broker's
        // answer as the cause, as Java's "Send [n] times, still failed" MQClientException does.
        assert.ok(err instanceof MQClientError, String(err));
        const cause = err.cause;
        assert.ok(cause instanceof MQBrokerError, String(cause));
        assert.equal(cause.code, ResponseCode.SERVICE_NOT_AVAILABLE);
        // Java's remark, with the share of the disk in use (0-1, "%5.2f") as the broker measured it.
        const used = /the broker's disk is full \[CL: +(-?\d+\.\d\d) CQ: +\1 INDEX: +\1\]/.exec(
          cause.message,
        );
        assert.ok(used, cause.message);
        assert.ok(Number(used[1]) > 0 && Number(used[1]) <= 1, cause.message);
        return true;
      });
    } finally {
      await producer.shutdown();
      await cluster.stop();
    }
  });

  it('refuses ratios that cannot work', () => {
    for (const bad of [
      { diskSpaceWarningLevelRatio: 80, diskSpaceCleanForciblyRatio: 85 },
      { diskSpaceWarningLevelRatio: 101 },
      { diskSpaceCleanForciblyRatio: 0 },
    ]) {
      assert.throws(() => new Broker({ storePath: '/tmp/unused-store', ...bad }), IllegalArgumentError);
    }
  });
});
