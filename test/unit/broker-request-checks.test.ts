/**
 * The broker's last guards against bad names and numbers (issue 10 defect 3), without a network:
 * planning a topic stores nothing until it is adopted, the topic and group tables and the offset table
 * refuse what no peer accepts, a poisoned topics.json is loaded without its bad entries, and the
 * request checks answer INVALID_PARAMETER with what to change.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RequestRefusedError } from '../../src/common/errors.js';
import { makeTopicConfig } from '../../src/protocol/body/topic-config.js';
import { ResponseCode } from '../../src/protocol/codes/response-code.js';
import {
  ConsumerOffsetManager,
  SubscriptionGroupManager,
  newSubscriptionGroupConfig,
} from '../../src/server/broker/core/groups.js';
import type { OffsetBackend } from '../../src/server/broker/core/groups.js';
import {
  checkTopicNumbers,
  retryTopicOf,
  topicConfigProblem,
} from '../../src/server/broker/core/request-checks.js';
import { TopicConfigManager } from '../../src/server/broker/core/topic-config-manager.js';
import { BAD_NAMES } from '../helpers/broker-validation.js';

function manager(changes: string[] = []): TopicConfigManager {
  return new TopicConfigManager({
    brokerName: 'broker-a',
    clusterName: 'DefaultCluster',
    autoCreateTopicEnable: true,
    defaultTopicQueueNums: 8,
    clusterTopicEnable: true,
    brokerTopicEnable: true,
    onChanged: (c) => changes.push(c?.topicName ?? '(deleted)'),
  });
}

const refused = (code: number, message?: RegExp) => (err: unknown) =>
  err instanceof RequestRefusedError &&
  err.code === code &&
  (message === undefined || message.test(err.message));

describe('broker guards', () => {
  it('a planned topic is stored only when adopted; adopting twice keeps the first', () => {
    const changes: string[] = [];
    const m = manager(changes);
    const planned = m.planInSendMessage('Planned', 'TBW102', 4, 0);
    assert.equal(planned?.writeQueueNums, 4);
    assert.equal(m.select('Planned'), undefined);
    assert.deepEqual(changes, []);
    assert.equal(m.adopt(planned!), planned);
    assert.equal(m.adopt(makeTopicConfig('Planned', { readQueueNums: 1, writeQueueNums: 1 })), planned);
    assert.deepEqual(changes, ['Planned']);
    assert.equal(m.planInSendMessageBack('%RETRY%G', 1, 6, 0).readQueueNums, 1);
    assert.equal(m.select('%RETRY%G'), undefined);
  });

  it('the topic table refuses bad names and numbers whatever path asks', () => {
    const m = manager();
    const before = [...m.table.keys()];
    for (const [label, name] of BAD_NAMES) {
      assert.throws(() => m.createInSendMessageBack(name, 1, 6, 0), refused(29), label);
      assert.throws(() => m.update(makeTopicConfig(name)), refused(29), label);
      assert.throws(() => m.createInSendMessage(name, 'TBW102', 4, 0), refused(29), label);
    }
    for (const bad of [
      { readQueueNums: -1 },
      { writeQueueNums: 2 ** 31 },
      { perm: 8 },
      { topicSysFlag: 4 },
    ]) {
      assert.throws(() => m.update(makeTopicConfig('T', bad)), refused(ResponseCode.INVALID_PARAMETER));
    }
    assert.deepEqual([...m.table.keys()], before);
  });

  it('loads a poisoned topics.json without the bad entries and reports them', () => {
    const m = manager();
    const table = new Map([
      ['GoodOld', makeTopicConfig('GoodOld', { readQueueNums: 2, writeQueueNums: 2 })],
      ['Big', makeTopicConfig('Big', { readQueueNums: 2048, writeQueueNums: 2048 })],
      ...BAD_NAMES.map(([, name]) => [name, makeTopicConfig(name)] as const),
      ['%RETRY%a b', makeTopicConfig('%RETRY%a b')],
      ['Negative', makeTopicConfig('Negative', { readQueueNums: -1 })],
    ]);
    const dropped = m.load({ dataVersion: { timestamp: 1, counter: 5 }, topicConfigTable: table });
    assert.equal(dropped.length, BAD_NAMES.length + 2);
    assert.ok(m.select('GoodOld') && m.select('Big'), 'large but valid topics of a Java broker stay');
    assert.equal(m.select('Negative'), undefined);
    assert.equal(m.dataVersion.counter, 5);
  });

  it('groups: lookup creates nothing, illegal or overlong names are never auto-created', () => {
    const groups = new SubscriptionGroupManager(true);
    const fresh = groups.lookup('G1');
    assert.equal(fresh?.groupName, 'G1');
    assert.equal(groups.table.size, 0);
    assert.equal(groups.keep(fresh!), fresh);
    assert.equal(groups.keep(newSubscriptionGroupConfig('G1')), fresh);
    for (const [label, name] of BAD_NAMES) {
      assert.equal(groups.lookup(name), undefined, label);
      assert.equal(groups.find(name), undefined, label);
      assert.throws(() => groups.put(newSubscriptionGroupConfig(name)), refused(29), label);
    }
    assert.deepEqual([...groups.table.keys()], ['G1']);
    assert.equal(new SubscriptionGroupManager(false).lookup('G2'), undefined);
  });

  it('offsets: commit refuses bad names, queue ids and negative offsets before the backend sees them', () => {
    const commits: string[] = [];
    const backend: OffsetBackend = {
      commitOffset: (g, t, q, o) => commits.push(`${t}@${g}:${q}=${o}`),
      queryOffset: () => -1n,
    };
    const offsets = new ConsumerOffsetManager(backend);
    for (const [, name] of BAD_NAMES) {
      assert.throws(() => offsets.commit(name, 'T', 0, 1n), refused(29, /^consumerGroup: /));
      assert.throws(() => offsets.commit('G', name, 0, 1n), refused(29, /^topic: /));
    }
    assert.throws(() => offsets.commit('G', 'T', -1, 1n), refused(29, /^queueId -1/));
    assert.throws(() => offsets.commit('G', 'T', 0, -1n), refused(29, /^commitOffset -1 is negative/));
    offsets.commit('G', 'T', 0, 7n);
    assert.deepEqual(commits, ['T@G:0=7']);
  });

  it('request checks say what to change', () => {
    assert.equal(retryTopicOf('G'), '%RETRY%G');
    assert.throws(() => retryTopicOf('G'.repeat(121)), refused(29, /at most 120 characters$/));
    assert.throws(
      () => checkTopicNumbers({ readQueueNums: 8, writeQueueNums: -1, perm: 6 }),
      refused(29, /^writeQueueNums -1 is out of range: set writeQueueNums between 0 and 1024$/),
    );
    // As Java: 0 write queues stop a topic's writes while its reads drain.
    checkTopicNumbers({ readQueueNums: 8, writeQueueNums: 0, perm: 6 });
    checkTopicNumbers({ readQueueNums: 0, writeQueueNums: 0, perm: 6 });
    checkTopicNumbers({ readQueueNums: 1024, writeQueueNums: 1, perm: 7, topicSysFlag: 3 });
    assert.match(topicConfigProblem(makeTopicConfig('a b')) ?? '', /contains illegal characters/);
    assert.equal(topicConfigProblem(makeTopicConfig('Fine')), undefined);
  });
});
