/** PushHealth: which failures a push consumer that received nothing is reported with. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PushHealth } from '../../src/cli/commands/push-health.js';

describe('PushHealth', () => {
  it('says nothing when messages came, or when an empty topic was held and pulled', () => {
    const health = new PushHealth();
    assert.equal(health.verdict(0, 4), undefined);
    assert.equal(health.verdict(0, 0), undefined); // other members hold every queue
    health.logger.info({ addr: 'b', err: 'MQBrokerError: refused' }, 'heartbeat failed');
    assert.equal(health.verdict(3, 0), undefined);
  });

  it('a refused heartbeat explains holding no queue, not a held queue', () => {
    const health = new PushHealth();
    health.logger.warn({ topic: 'T', err: 'no consumer for this group' }, 'rebalance failed');
    assert.equal(health.verdict(0, 0), undefined, 'a rebalance may fail before the heartbeat arrived');
    health.logger.info(
      { addr: 'b', err: 'MQBrokerError: CODE: 1  DESC: AclException\nmore' },
      'heartbeat failed',
    );
    assert.equal(health.refused(0, 0), true);
    assert.equal(health.refused(0, 2), false);
    assert.equal(health.verdict(0, 0), 'heartbeat failed: MQBrokerError: CODE: 1  DESC: AclException');
    assert.equal(health.verdict(0, 2), undefined);
    health.stop();
    health.logger.info({ err: 'later' }, 'heartbeat failed');
    assert.equal(health.verdict(0, 0), 'heartbeat failed: MQBrokerError: CODE: 1  DESC: AclException');
  });
});
