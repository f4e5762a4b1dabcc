/** PushHealth: which failures a push consumer that received nothing is reported with. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PushHealth } from '../../src/cli/commands/push-health.js';
import type { PushConsumer } from '../../src/client/consumer/push/push-consumer.js';
import { MessageQueue } from '../../src/client/message-queue.js';

/** A consumer that only takes listeners; `emit` plays its events. */
function fakeConsumer(): { consumer: PushConsumer; emit: (name: string, payload: object) => void } {
  const listeners = new Map<string, ((payload: object) => void)[]>();
  const consumer = {
    on(name: string, listener: (payload: object) => void) {
      listeners.set(name, [...(listeners.get(name) ?? []), listener]);
      return () => undefined;
    },
  } as unknown as PushConsumer;
  return { consumer, emit: (name, payload) => listeners.get(name)?.forEach((l) => l(payload)) };
}

const refused = (message: string) => ({
  address: 'b:10911',
  brokerName: 'b',
  error: new Error(message),
  code: 1,
});

describe('PushHealth', () => {
  it('says nothing when messages came, or when an empty topic was held and pulled', () => {
    const health = new PushHealth();
    const { consumer, emit } = fakeConsumer();
    health.watch(consumer);
    assert.equal(health.verdict(0, 4), undefined);
    assert.equal(health.verdict(0, 0), undefined); // other members hold every queue
    emit('heartbeat.failure', refused('CODE: 1  DESC: refused'));
    assert.equal(health.verdict(3, 0), undefined);
  });

  it('a refused heartbeat explains holding no queue, not a held queue; a failed pull explains either', () => {
    const health = new PushHealth();
    const { consumer, emit } = fakeConsumer();
    health.watch(consumer);
    emit('heartbeat.failure', refused('CODE: 1  DESC: AclException\nmore'));
    assert.equal(health.refused(0, 0), true);
    assert.equal(health.refused(0, 2), false);
    assert.equal(health.verdict(0, 0), 'heartbeat failed: CODE: 1  DESC: AclException');
    assert.equal(health.verdict(0, 2), undefined);
    const queue = new MessageQueue('T', 'b', 0);
    emit('pull.failure', { queue, offset: 0n, durationMillis: 1, error: new Error('denied'), code: 1 });
    assert.equal(health.verdict(0, 2), 'pulling T failed: denied');
    health.stop();
    emit('heartbeat.failure', refused('later'));
    assert.equal(health.verdict(0, 0), 'heartbeat failed: CODE: 1  DESC: AclException');
  });
});
