/**
 * QUERY_CONSUMER_OFFSET for a group that never committed an offset (Java 4.9.8
 * ConsumerManageProcessor.queryConsumerOffset): 0 while the queue still holds its first message and
 * that message is "in memory" (less than accessMessageInMemoryMaxRatio % of the machine's memory
 * behind the log's end); QUERY_NOT_FOUND once it is further back, so the client's consumeFromWhere
 * applies: a new CONSUME_FROM_LAST_OFFSET group does not replay a long backlog. An empty queue
 * answers 0. Ratio 0 stands in for a backlog larger than 40 % of the machine's memory.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RequestCode } from '../../src/protocol/codes/request-code.js';
import { ResponseCode } from '../../src/protocol/codes/response-code.js';
import { createRequest } from '../../src/protocol/command/remoting-command.js';
import { Broker } from '../../src/server/broker/index.js';
import { IllegalArgumentError } from '../../src/common/errors.js';
import { TIMEOUT, createTopic, newClient, send } from '../helpers/broker-client.js';

const client = newClient();
const dirs: string[] = [];
after(async () => {
  await client.shutdown();
  for (const dir of dirs) await fs.promises.rm(dir, { recursive: true, force: true });
});

/** A broker whose queue 0 of T holds `messages` messages (queue 1 none), with the given ratio. */
async function brokerWith(ratio: number | undefined, messages: number): Promise<Broker> {
  const storePath = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'rmq-query-offset-'));
  dirs.push(storePath);
  const broker = new Broker({
    storePath,
    port: 0,
    namesrvAddrs: [],
    ...(ratio !== undefined && { accessMessageInMemoryMaxRatio: ratio }),
  });
  await broker.start();
  assert.equal((await createTopic(client, broker.address, 'T', 2)).code, ResponseCode.SUCCESS);
  for (let i = 0; i < messages; i++) {
    const r = await send(client, broker.address, { topic: 'T', queueId: 0, body: `m${i}` });
    assert.equal(r.code, ResponseCode.SUCCESS, r.remark);
  }
  return broker;
}

async function queryNew(broker: Broker, queueId: number): Promise<string> {
  const r = await client.invokeSync(
    broker.address,
    createRequest(RequestCode.QUERY_CONSUMER_OFFSET, {
      extFields: { consumerGroup: 'NewGroup', topic: 'T', queueId: String(queueId) },
    }),
    TIMEOUT,
  );
  return r.code === ResponseCode.SUCCESS ? `offset ${r.extFields?.offset}` : `${r.code} ${r.remark}`;
}

describe('QUERY_CONSUMER_OFFSET of a group with no committed offset', () => {
  it('answers 0 while message 0 is in memory (default ratio 40)', async () => {
    const broker = await brokerWith(undefined, 3);
    try {
      assert.equal(await queryNew(broker, 0), 'offset 0');
      assert.equal(await queryNew(broker, 1), 'offset 0', 'an empty queue');
    } finally {
      await broker.shutdown();
    }
  });

  it('answers QUERY_NOT_FOUND once message 0 is further behind than the ratio allows', async () => {
    const broker = await brokerWith(0, 3);
    try {
      assert.equal(
        await queryNew(broker, 0),
        `${ResponseCode.QUERY_NOT_FOUND} Not found, V3_0_6_SNAPSHOT maybe this group consumer boot first`,
      );
      assert.equal(await queryNew(broker, 1), 'offset 0', 'an empty queue has no message 0 to be behind');
    } finally {
      await broker.shutdown();
    }
  });

  it('refuses a ratio outside 0..100', () => {
    for (const bad of [-1, 101, 1.5]) {
      assert.throws(
        () => new Broker({ accessMessageInMemoryMaxRatio: bad, namesrvAddrs: [] }),
        (err: unknown) =>
          err instanceof IllegalArgumentError && /accessMessageInMemoryMaxRatio/.test(err.message),
      );
    }
  });
});
