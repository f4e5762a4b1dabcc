/**
 * Flush policies seen through the send path: SYNC_FLUSH answers FLUSH_DISK_TIMEOUT (10, the message is
 * stored, the response still carries msgId / queueOffset) when the fsync takes longer than
 * syncFlushTimeoutMillis; WAIT=false does not wait for it; ASYNC_FLUSH never does.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Broker } from '../../src/server/broker/index.js';
import { fdatasync } from '../../src/server/store/file-io.js';
import { ResponseCode } from '../../src/protocol/codes/response-code.js';
import { newClient, pullAll, send } from '../helpers/broker-client.js';

const cleanups: (() => Promise<unknown>)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

async function slowBroker(flushDiskType: 'SYNC_FLUSH' | 'ASYNC_FLUSH'): Promise<Broker> {
  const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'rmq-flush-'));
  cleanups.push(() => fs.promises.rm(dir, { recursive: true, force: true }));
  const broker = new Broker({
    namesrvAddrs: [],
    port: 0,
    storePath: dir,
    flushDiskType,
    syncFlushTimeoutMillis: 100,
    storeHooks: {
      fdatasync: async (fd) => {
        await new Promise((r) => setTimeout(r, 400));
        await fdatasync(fd);
      },
    },
  });
  await broker.start();
  cleanups.push(() => broker.shutdown());
  return broker;
}

describe('broker flush', () => {
  it('SYNC_FLUSH: a slow fsync gives FLUSH_DISK_TIMEOUT with the message stored; WAIT=false does not wait', async () => {
    const broker = await slowBroker('SYNC_FLUSH');
    const client = newClient();
    cleanups.push(() => client.shutdown());
    const slow = await send(client, broker.address, {
      topic: 'FlushTopic',
      body: 'slow',
      properties: { WAIT: 'true' },
    });
    assert.equal(slow.code, ResponseCode.FLUSH_DISK_TIMEOUT);
    assert.equal(slow.remark, undefined);
    assert.equal(slow.extFields?.queueOffset, '0');
    assert.match(slow.extFields?.msgId ?? '', /^[0-9A-F]{32}$/);
    const started = Date.now();
    const noWait = await send(client, broker.address, {
      topic: 'FlushTopic',
      body: 'nowait',
      properties: { WAIT: 'false' },
    });
    assert.equal(noWait.code, ResponseCode.SUCCESS);
    assert.ok(Date.now() - started < 5000);
    const stored = await pullAll(client, broker.address, 'FlushTopic', 0);
    assert.deepEqual(
      stored.map((m) => m.body.toString()),
      ['slow', 'nowait'],
    );
  });

  it('ASYNC_FLUSH answers SEND_OK without waiting for the disk', async () => {
    const broker = await slowBroker('ASYNC_FLUSH');
    const client = newClient();
    cleanups.push(() => client.shutdown());
    const r = await send(client, broker.address, {
      topic: 'FlushTopic',
      body: 'async',
      properties: { WAIT: 'true' },
    });
    assert.equal(r.code, ResponseCode.SUCCESS);
  });
});
