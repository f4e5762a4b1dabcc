import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { makeTopicConfig } from '../../src/protocol/body/topic-config.js';
import { ConfigStore } from '../../src/server/store/index.js';
import { withTempDir } from '../helpers/store-fixtures.js';
import { delayOffsetFile } from '../../src/server/broker/schedule/delay-offsets.js';

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

test('consumer and delay offsets above 2^53 persist exactly; entries that are not offsets are left out', async () => {
  await withTempDir(async (dir) => {
    const cs = new ConfigStore(dir, { persistIntervalMs: 0 });
    cs.load();
    cs.commitOffset('G', 'T', 0, 9223372036854775807n); // Long.MAX_VALUE
    cs.commitOffset('G', 'T', 1, 9007199254740993n); // 2^53 + 1
    cs.commitOffset('G', 'T', 2, 5n);
    await cs.close();
    const file = path.join(dir, 'config', 'consumerOffset.json');
    const text = fs.readFileSync(file, 'utf8');
    // Plain JSON numbers with every digit, as fastjson writes (and reads back as a long).
    assert.match(text, /"0": 9223372036854775807\b/);
    assert.match(text, /"1": 9007199254740993\b/);
    assert.equal(JSON.parse(text).offsetTable['T@G']['2'], 5);

    const again = new ConfigStore(dir, { persistIntervalMs: 0 });
    again.load();
    assert.equal(again.queryOffset('G', 'T', 0), 9223372036854775807n);
    assert.equal(again.queryOffset('G', 'T', 1), 9007199254740993n);
    await again.close();

    // What older versions wrote (Long.MAX rounded through a double: 9223372036854776000, up to
    // 2^63 + 2048) reads as Long.MAX; damage (beyond that, negative, not an integer, bad keys) is
    // reported and left out, the rest is kept; fastjson's unquoted keys are read.
    fs.writeFileSync(
      file,
      '{"offsetTable":{"T@G":{0:9223372036854776000,1:12,2:-3,3:"x",4:1.5,' +
        '5:9223372036854777857,6:9223372036854777856},"U@G":{"q":1},"V@G":7}}',
    );
    const dropped: { key: string; value: string }[] = [];
    const loaded = new ConfigStore(dir, {
      persistIntervalMs: 0,
      onDroppedOffsets: (d) => dropped.push(...d),
    });
    loaded.load();
    assert.equal(loaded.queryOffset('G', 'T', 0), 9223372036854775807n);
    assert.equal(loaded.queryOffset('G', 'T', 1), 12n);
    assert.equal(loaded.queryOffset('G', 'T', 6), 9223372036854775807n);
    for (const q of [2, 3, 4, 5]) assert.equal(loaded.queryOffset('G', 'T', q), -1n);
    assert.deepEqual(
      dropped.map((d) => d.key),
      ['T@G/2', 'T@G/3', 'T@G/4', 'T@G/5', 'U@G/q', 'V@G'],
    );
    await loaded.close(); // the next save drops them from the file and writes Long.MAX exactly
    assert.equal(
      fs.readFileSync(file, 'utf8').replace(/\s/g, ''),
      '{"offsetTable":{"T@G":{"0":9223372036854775807,"1":12,"6":9223372036854775807}}}',
    );
  });
});

test('delay offsets above 2^53 persist exactly', async () => {
  await withTempDir(async (dir) => {
    const store = delayOffsetFile(dir);
    store.save(
      new Map([
        [3, 9007199254740993n],
        [1, 4n],
      ]),
    );
    assert.deepEqual(
      [...store.load()],
      [
        [1, 4n],
        [3, 9007199254740993n],
      ],
    );
  });
});

test('subscriptionGroup.json: background saves one at a time, each call settled by a save that has its change; close writes the rest', async () => {
  await withTempDir(async (dir) => {
    const cs = new ConfigStore(dir, { persistIntervalMs: 0 });
    cs.load();
    const file = path.join(dir, 'config', 'subscriptionGroup.json');
    const read = () =>
      JSON.parse(fs.readFileSync(file, 'utf8')) as {
        dataVersion: { counter: number };
        subscriptionGroupTable: Record<string, { groupName: string }>;
      };
    // 40 changes, each followed by a save request, as 40 group updates arriving at once.
    const saves: Promise<void>[] = [];
    for (let i = 1; i <= 40; i++) {
      const name = `G${i}`;
      cs.setGroupEntry(name, JSON.stringify({ groupName: name }), { counter: i, timestamp: 1 });
      const wanted = name;
      saves.push(
        cs.saveGroups().then(() => {
          // Settled: the file on disk already has this call's change.
          assert.equal(read().subscriptionGroupTable[wanted]?.groupName, wanted);
        }),
      );
    }
    await Promise.all(saves);
    assert.equal(read().dataVersion.counter, 40);
    assert.equal(Object.keys(read().subscriptionGroupTable).length, 40);
    // A deletion, saved while close() runs: close waits for the running save and writes what is left.
    cs.setGroupEntry('G1', undefined, { counter: 41, timestamp: 2 });
    const pending = cs.saveGroups();
    cs.setGroupEntry('G2', undefined, { counter: 42, timestamp: 3 });
    await cs.close();
    await pending;
    const last = read();
    assert.equal(last.dataVersion.counter, 42);
    assert.ok(!('G1' in last.subscriptionGroupTable) && !('G2' in last.subscriptionGroupTable));
    assert.equal(Object.keys(last.subscriptionGroupTable).length, 38);
    // Read back by a new store as Java's format: the entries and the version.
    const again = new ConfigStore(dir, { persistIntervalMs: 0 });
    again.load();
    const saved = again.takeSavedGroups();
    assert.equal(saved.entries.size, 38);
    assert.equal(saved.dataVersion?.counter, 42);
    assert.equal(again.takeSavedGroups().entries.size, 0, 'handed over once, not kept');
    await again.close();
  });
});

test('a hand-edited dataVersion that is not two whole numbers is not counted on (topics.json, subscriptionGroup.json)', async () => {
  for (const bad of [
    null,
    {},
    5,
    '7',
    { counter: '7', timestamp: 1 },
    { counter: 'INFINITY', timestamp: 1 },
    { counter: -1, timestamp: 1 },
  ]) {
    await withTempDir(async (dir) => {
      fs.mkdirSync(path.join(dir, 'config'));
      // 1e400 as JSON text (JSON.parse reads it as Infinity; JSON.stringify would write null).
      const version = JSON.stringify(bad).replace('"INFINITY"', '1e400');
      const text = (table: string, entry: string) => `{"dataVersion":${version},"${table}":{${entry}}}`;
      fs.writeFileSync(
        path.join(dir, 'config', 'topics.json'),
        text('topicConfigTable', '"T":{"topicName":"T"}'),
      );
      fs.writeFileSync(
        path.join(dir, 'config', 'subscriptionGroup.json'),
        text('subscriptionGroupTable', '"G":{"groupName":"G"}'),
      );
      const cs = new ConfigStore(dir, { persistIntervalMs: 0 });
      cs.load();
      const saved = cs.takeSavedGroups();
      assert.equal(saved.dataVersion, undefined, version);
      assert.equal(saved.entries.size, 1);
      assert.ok(Number.isSafeInteger(cs.dataVersion.counter), version);
      cs.putTopicConfig(makeTopicConfig('U'));
      cs.setGroupEntry('H', '{"groupName":"H"}', { counter: 1, timestamp: 1 });
      await cs.close();
      // Both files are JSON again, with every entry.
      const topics = JSON.parse(fs.readFileSync(path.join(dir, 'config', 'topics.json'), 'utf8'));
      assert.deepEqual(Object.keys(topics.topicConfigTable).sort(), ['T', 'U']);
      assert.ok(Number.isSafeInteger(topics.dataVersion.counter));
      JSON.parse(fs.readFileSync(path.join(dir, 'config', 'subscriptionGroup.json'), 'utf8'));
    });
  }
});
