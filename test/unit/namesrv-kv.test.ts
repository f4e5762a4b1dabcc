/**
 * KV configuration store: Java's kvConfig.json shape on disk, reload, limits and name checks.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KVConfigStore, ORDER_TOPIC_CONFIG } from '../../src/server/namesrv/kv-config.js';
import { NameServerRequestError, checkAddress, checkName } from '../../src/server/namesrv/limits.js';

test('KV store persists in the kvConfig.json shape and reloads it', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'namesrv-kv-'));
  try {
    const path = join(dir, 'sub', 'kvConfig.json');
    const kv = new KVConfigStore(path);
    kv.load(); // no file yet: nothing to load, no error
    kv.put(ORDER_TOPIC_CONFIG, 'TopicTest', 'broker-a:4;broker-b:4');
    kv.put('NS', 'k', 'v');
    kv.delete('NS', 'k');
    assert.equal(
      await readFile(path, 'utf8'),
      // namespace order as Java's HashMap iterates them [J]
      '{"configTable":{"ORDER_TOPIC_CONFIG":{"TopicTest":"broker-a:4;broker-b:4"},"NS":{}}}',
    );
    const again = new KVConfigStore(path);
    again.load();
    assert.equal(again.get(ORDER_TOPIC_CONFIG, 'TopicTest'), 'broker-a:4;broker-b:4');
    assert.deepEqual([...again.list('NS')!], []);
    assert.equal(again.list('NONE'), undefined);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('KV store limits: namespaces, entries, value length, empty names', () => {
  const kv = new KVConfigStore(undefined, { maxKvNamespaces: 1, maxKvEntries: 2, maxKvValueLength: 5 });
  kv.put('A', '1', 'x');
  assert.throws(() => kv.put('B', '1', 'x'), /too many KV namespaces/);
  kv.put('A', '2', 'x');
  kv.put('A', '2', 'y'); // replacing does not count
  assert.throws(() => kv.put('A', '3', 'x'), /too many KV entries/);
  assert.throws(() => kv.put('A', '1', '123456'), /longer than 5/);
  assert.throws(() => kv.put('', '1', 'x'), NameServerRequestError);
  kv.delete('A', '1');
  kv.put('A', '3', 'x');
  assert.deepEqual([...kv.list('A')!.keys()].sort(), ['2', '3']);
});

test('name and address checks', () => {
  for (const ok of ['TopicTest', '%RETRY%group', 'rmq_sys_REVIVE_LOG_DefaultCluster', 'broker-a', 'a.b|c']) {
    checkName('topic', ok);
  }
  for (const bad of ['', 'a b', 'a\nb', 'a:b', 'a;b', 'x'.repeat(256)]) {
    assert.throws(() => checkName('topic', bad), NameServerRequestError, JSON.stringify(bad));
  }
  checkAddress('brokerAddr', '127.0.0.1:10911');
  checkAddress('brokerAddr', '[::1]:10911');
  checkAddress('brokerAddr', 'broker.example.com:10911');
  for (const bad of ['127.0.0.1', '127.0.0.1:99999', 'a b:1', ':1', 'http://x:1']) {
    assert.throws(() => checkAddress('brokerAddr', bad), NameServerRequestError, bad);
  }
});
