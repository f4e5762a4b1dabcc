import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { makeTopicConfig } from '../../src/protocol/body/topic-config.js';
import { ConfigStore } from '../../src/server/store/index.js';
import { withTempDir } from '../helpers/store-fixtures.js';

test('topics and consumer offsets persist in the Java file formats', async () => {
  await withTempDir(async (dir) => {
    const cs = new ConfigStore(dir, { persistIntervalMs: 0 });
    cs.load();
    assert.equal(cs.getTopicConfig('T'), undefined);
    cs.putTopicConfig(makeTopicConfig('T', { readQueueNums: 4, writeQueueNums: 4 }));
    cs.putTopicConfig(makeTopicConfig('U'));
    assert.equal(cs.deleteTopicConfig('U'), true);
    assert.equal(cs.deleteTopicConfig('U'), false);
    cs.commitOffset('G', 'T', 0, 42n);
    cs.commitOffset('G', 'T', 3, 7n);
    assert.equal(cs.queryOffset('G', 'T', 0), 42n);
    assert.equal(cs.queryOffset('G', 'T', 1), -1n);
    assert.equal(cs.queryOffset('H', 'T', 0), -1n);
    assert.equal(cs.dataVersion.counter, 3);
    cs.close();

    const topics = JSON.parse(fs.readFileSync(path.join(dir, 'config', 'topics.json'), 'utf8'));
    assert.deepEqual(topics.topicConfigTable, {
      T: {
        topicName: 'T',
        readQueueNums: 4,
        writeQueueNums: 4,
        perm: 6,
        topicFilterType: 'SINGLE_TAG',
        topicSysFlag: 0,
        order: false,
      },
    });
    assert.equal(topics.dataVersion.counter, 3);
    const offsets = JSON.parse(fs.readFileSync(path.join(dir, 'config', 'consumerOffset.json'), 'utf8'));
    assert.deepEqual(offsets, { offsetTable: { 'T@G': { '0': 42, '3': 7 } } });
    assert.deepEqual(
      fs.readdirSync(path.join(dir, 'config')).filter((f) => f.endsWith('.tmp')),
      [],
      'no temp files left',
    );

    const again = new ConfigStore(dir, { persistIntervalMs: 0 });
    again.load();
    assert.equal(again.getTopicConfig('T')?.writeQueueNums, 4);
    assert.deepEqual(
      [...again.queryOffsets('G', 'T')],
      [
        [0, 42n],
        [3, 7n],
      ],
    );
    assert.deepEqual(again.groupsOfTopic('T'), ['G']);
    again.close();
  });
});

test('reads fastjson files (unquoted integer keys) and falls back to the .bak copy', async () => {
  await withTempDir(async (dir) => {
    fs.mkdirSync(path.join(dir, 'config'));
    fs.writeFileSync(
      path.join(dir, 'config', 'consumerOffset.json'),
      '{\n\t"offsetTable":{\n\t\t"TopicTest@G1":{0:12,1:3,2:0}\n\t}\n}',
    );
    fs.writeFileSync(path.join(dir, 'config', 'topics.json'), '{"topicConfigTable":{"X":{"topicName":"X"');
    fs.writeFileSync(
      path.join(dir, 'config', 'topics.json.bak'),
      JSON.stringify({ topicConfigTable: { X: { topicName: 'X', readQueueNums: 2, writeQueueNums: 2 } } }),
    );
    const cs = new ConfigStore(dir, { persistIntervalMs: 0 });
    cs.load();
    assert.equal(cs.queryOffset('G1', 'TopicTest', 0), 12n);
    assert.equal(cs.queryOffset('G1', 'TopicTest', 1), 3n);
    assert.deepEqual(cs.getTopicConfig('X'), makeTopicConfig('X', { readQueueNums: 2, writeQueueNums: 2 }));
    cs.close();
  });
});
