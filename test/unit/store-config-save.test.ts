/**
 * topics.json saved in the background (issue 10, defect 6): every topic change rewrote and fsynced the
 * whole file on the event loop (164 ms per create at 7,882 topics). Now a change marks the table dirty
 * and asks for a save; saves run one at a time, at most one per `topicsSaveIntervalMs`, with async
 * writes and an atomic rename, and close() writes what is left.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { makeTopicConfig } from '../../src/protocol/body/topic-config.js';
import { ConfigStore } from '../../src/server/store/index.js';
import { withTempDir } from '../helpers/store-fixtures.js';

const topicsFile = (dir: string): string => path.join(dir, 'config', 'topics.json');

function savedTopics(dir: string): string[] {
  const file = JSON.parse(fs.readFileSync(topicsFile(dir), 'utf8'));
  return Object.keys(file.topicConfigTable).sort();
}

async function until(what: string, check: () => boolean, millis = 5000): Promise<void> {
  const deadline = Date.now() + millis;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

test('a change is saved in the background, not during the call; a burst is coalesced', async () => {
  await withTempDir(async (dir) => {
    const cs = new ConfigStore(dir, { persistIntervalMs: 0, topicsSaveIntervalMs: 50 });
    cs.load();
    cs.putTopicConfig(makeTopicConfig('First'));
    cs.saveTopicsSoon();
    assert.equal(fs.existsSync(topicsFile(dir)), false, 'nothing written during the call');
    await until('the first save', () => cs.topicsSaves === 1);
    assert.deepEqual(savedTopics(dir), ['First']);

    const names = Array.from({ length: 200 }, (_, i) => `Burst${String(i).padStart(3, '0')}`);
    for (const name of names) {
      cs.putTopicConfig(makeTopicConfig(name));
      cs.saveTopicsSoon();
    }
    await until('the burst saved', () => !cs.topicsDirty && !cs.savingTopics);
    assert.ok(cs.topicsSaves <= 3, `200 changes took ${cs.topicsSaves - 1} saves`);
    assert.deepEqual(savedTopics(dir), ['First', ...names].sort());
    assert.equal(JSON.parse(fs.readFileSync(topicsFile(dir), 'utf8')).dataVersion.counter, 201);
    await cs.close();
    assert.deepEqual(
      fs.readdirSync(path.join(dir, 'config')).filter((f) => f.includes('.tmp')),
      [],
      'no temp files left',
    );
  });
});

test('changes made while a save runs are written by close(); nothing created is lost', async () => {
  await withTempDir(async (dir) => {
    const cs = new ConfigStore(dir, { persistIntervalMs: 0, topicsSaveIntervalMs: 1000 });
    cs.load();
    for (let i = 0; i < 2000; i++) cs.putTopicConfig(makeTopicConfig(`Old${i}`));
    cs.saveTopicsSoon();
    assert.equal(cs.savingTopics, true);
    cs.putTopicConfig(makeTopicConfig('DuringSave'));
    cs.deleteTopicConfig('Old0');
    cs.saveTopicsSoon(); // waits for the running save and the interval: close() comes first
    await cs.close();
    const again = new ConfigStore(dir, { persistIntervalMs: 0 });
    again.load();
    assert.equal(again.allTopicConfigs().length, 2000);
    assert.ok(again.getTopicConfig('DuringSave'));
    assert.equal(again.getTopicConfig('Old0'), undefined);
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(
      fs.readdirSync(path.join(dir, 'config')).filter((f) => f.includes('.tmp')),
      [],
      'no temp file left',
    );
    await again.close();
  });
});

test('a failed background save is reported, stays dirty and is retried', async () => {
  await withTempDir(async (dir) => {
    const errors: string[] = [];
    const cs = new ConfigStore(dir, {
      persistIntervalMs: 20,
      topicsSaveIntervalMs: 10,
      onPersistError: (e) => errors.push(e.message),
    });
    cs.load();
    const obstacle = path.join(dir, 'config', 'topics.json.tmp');
    fs.mkdirSync(obstacle);
    cs.putTopicConfig(makeTopicConfig('T'));
    cs.saveTopicsSoon();
    await until('a reported failure', () => errors.length > 0);
    assert.equal(cs.topicsDirty, true);
    fs.rmdirSync(obstacle);
    await until('the retry by the periodic persist', () => !cs.topicsDirty && !cs.savingTopics);
    assert.deepEqual(savedTopics(dir), ['T']);
    await cs.close();
  });
});

test('topicSaved: a request that created a topic can wait until topics.json has it (and only then)', async () => {
  await withTempDir(async (dir) => {
    const cs = new ConfigStore(dir, { persistIntervalMs: 0, topicsSaveIntervalMs: 200 });
    cs.load();
    const keepAlive = setInterval(() => undefined, 50); // the store's timers are unref'd (a server holds the loop)
    assert.equal(cs.topicSaved('Never'), undefined, 'an unchanged topic: nothing to wait for');
    cs.putTopicConfig(makeTopicConfig('Early'));
    cs.saveTopicsSoon(); // starts at once: the first save of the interval
    cs.putTopicConfig(makeTopicConfig('Created'));
    const wait = cs.topicSaved('Created');
    assert.ok(wait !== undefined, 'Created is not on disk yet');
    let settled = false;
    void wait.then(() => (settled = true));
    await until('the first save', () => cs.topicsSaves === 1);
    await new Promise((r) => setImmediate(r));
    assert.equal(settled, false, 'the running save started before Created: it does not settle the wait');
    await wait;
    assert.ok(savedTopics(dir).includes('Created'), 'settled only once the file has the topic');
    assert.equal(cs.topicSaved('Created'), undefined);
    assert.equal(cs.topicSaved('Early'), undefined);
    clearInterval(keepAlive);
    await cs.close();
  });
});
