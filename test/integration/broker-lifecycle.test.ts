/**
 * @own-process (scripts/run-tests.mjs): points process.env.TMPDIR at a private directory during a test.
 * Broker start / shutdown when something fails: a locked store, a config directory that cannot be
 * written. No name server (namesrvAddrs empty); port 0; temp stores.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import net from 'node:net';
import path from 'node:path';
import { Broker } from '../../src/server/broker/index.js';
import { MessageStore } from '../../src/server/store/index.js';
import { makeTopicConfig } from '../../src/protocol/body/topic-config.js';
import { startEmbeddedCluster } from '../../src/server/embedded-cluster.js';
import { RequestCode } from '../../src/protocol/codes/request-code.js';
import { ResponseCode } from '../../src/protocol/codes/response-code.js';
import { DeleteTopicRequestHeader } from '../../src/protocol/headers/admin.js';
import {
  QueryConsumerOffsetRequestHeader,
  UpdateConsumerOffsetRequestHeader,
} from '../../src/protocol/headers/offsets.js';
import { createTopic, newClient, request, send } from '../helpers/broker-client.js';

async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'rmq-broker-life-'));
  try {
    await fn(dir);
  } finally {
    await fs.promises.rm(dir, { recursive: true, force: true });
  }
}

test('a broker whose store cannot open: start rejects, shutdown resolves, nothing stays open', async () => {
  await withTempDir(async (dir) => {
    const holder = new MessageStore({ storePathRootDir: dir });
    await holder.open();
    try {
      const broker = new Broker({ storePath: dir, port: 0 });
      await assert.rejects(broker.start(), /locked/);
      assert.equal(broker.isRunning, false);
      await broker.shutdown();
      await broker.shutdown();
    } finally {
      await holder.close();
    }
  });
});

test('shutdown closes the store even when saving topics.json fails; topic changes do not throw', async () => {
  await withTempDir(async (dir) => {
    const broker = new Broker({ storePath: dir, port: 0 });
    await broker.start();
    const obstacle = path.join(dir, 'config', 'topics.json.tmp');
    fs.mkdirSync(obstacle, { recursive: true });
    // The change is applied in memory; the failed save is logged and retried later.
    broker.topics.update(makeTopicConfig('Lifecycle', { readQueueNums: 2, writeQueueNums: 2 }));
    assert.equal(broker.topics.select('Lifecycle')?.writeQueueNums, 2);
    await assert.rejects(broker.shutdown(), /EISDIR|illegal operation/);
    assert.equal(broker.isRunning, false);
    assert.equal(fs.existsSync(path.join(dir, 'lock')), false, 'store closed, lock released');
    assert.equal(fs.existsSync(path.join(dir, 'abort')), false, 'store closed cleanly');

    fs.rmdirSync(obstacle);
    const again = new Broker({ storePath: dir, port: 0 });
    await again.start();
    await again.shutdown();
  });
});

/** Runs `fn` with os.tmpdir() pointing at a private directory; returns what is left in it. */
async function leftoversInTmp(fn: () => Promise<void>): Promise<string[]> {
  const privateTmp = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'rmq-tmpdir-'));
  const saved = process.env.TMPDIR;
  process.env.TMPDIR = privateTmp;
  try {
    await fn();
  } finally {
    if (saved === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = saved;
  }
  const left = fs.readdirSync(privateTmp);
  await fs.promises.rm(privateTmp, { recursive: true, force: true });
  return left;
}

test('embedded cluster: the temp store root is removed when the name server cannot start', async () => {
  const blocker = net.createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const port = (blocker.address() as net.AddressInfo).port;
  try {
    const left = await leftoversInTmp(() =>
      assert.rejects(startEmbeddedCluster({ namesrvPort: port }), /EADDRINUSE/),
    );
    assert.deepEqual(left, []);
  } finally {
    await new Promise<void>((resolve) => blocker.close(() => resolve()));
  }
});

test('embedded cluster: a broker that fails to start leaves no temp dir; restart after stop works', async () => {
  const blocker = net.createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const port = (blocker.address() as net.AddressInfo).port;
  try {
    const left = await leftoversInTmp(() =>
      assert.rejects(startEmbeddedCluster({ brokers: [{}, { port }] }), /EADDRINUSE/),
    );
    assert.deepEqual(left, []);
  } finally {
    await new Promise<void>((resolve) => blocker.close(() => resolve()));
  }
  const left = await leftoversInTmp(async () => {
    const cluster = await startEmbeddedCluster();
    const before = cluster.brokers[0]!.port;
    await cluster.stopBroker(0);
    const again = await cluster.startBroker(0);
    assert.equal(again.port, before);
    assert.equal(again.isRunning, true);
    await cluster.stop();
    assert.equal(again.isRunning, false);
  });
  assert.deepEqual(left, []);
});

test('a deleted and recreated topic does not inherit committed offsets (no skipped messages)', async () => {
  await withTempDir(async (dir) => {
    const broker = new Broker({ storePath: dir, port: 0 });
    await broker.start();
    const client = newClient();
    try {
      const addr = broker.address;
      const query = async () =>
        request(
          client,
          addr,
          RequestCode.QUERY_CONSUMER_OFFSET,
          QueryConsumerOffsetRequestHeader.encode({ consumerGroup: 'G1', topic: 'Recreated', queueId: 0 }),
        );
      assert.equal((await createTopic(client, addr, 'Recreated', 1)).code, ResponseCode.SUCCESS);
      for (let i = 0; i < 3; i++) {
        assert.equal((await send(client, addr, { topic: 'Recreated', body: `old-${i}` })).code, 0);
      }
      const update = await request(
        client,
        addr,
        RequestCode.UPDATE_CONSUMER_OFFSET,
        UpdateConsumerOffsetRequestHeader.encode({
          consumerGroup: 'G1',
          topic: 'Recreated',
          queueId: 0,
          commitOffset: 3n,
        }),
      );
      assert.equal(update.code, ResponseCode.SUCCESS);
      assert.equal((await query()).extFields?.offset, '3');

      const del = await request(
        client,
        addr,
        RequestCode.DELETE_TOPIC_IN_BROKER,
        DeleteTopicRequestHeader.encode({ topic: 'Recreated' }),
      );
      assert.equal(del.code, ResponseCode.SUCCESS);
      assert.equal((await createTopic(client, addr, 'Recreated', 1)).code, ResponseCode.SUCCESS);
      const sent = await send(client, addr, { topic: 'Recreated', body: 'new-0' });
      assert.equal(sent.extFields?.queueOffset, '0');
      // The group starts over at the first message of the new queue.
      const answer = await query();
      assert.deepEqual([answer.code, answer.extFields?.offset], [ResponseCode.SUCCESS, '0']);
    } finally {
      await client.shutdown();
      await broker.shutdown();
    }
  });
});
