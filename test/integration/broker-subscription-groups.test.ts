/**
 * Subscription groups as Java's broker keeps them (SubscriptionGroupManager): saved to
 * config/subscriptionGroup.json before an update or a deletion is answered and restored at start;
 * Java's built-in groups (TOOLS_CONSUMER...) present from the start; CID_RMQ_SYS_* groups created
 * even where groups are not auto-created; DELETE_SUBSCRIPTIONGROUP with cleanOffset dropping the
 * group's committed offsets (5.x). Found by a compatibility review: an admin-made group (mqadmin
 * updateSubGroup) reverted to the defaults, or vanished, at the next restart.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseFastjsonObject } from '../../src/protocol/json/fastjson-parse.js';
import { RequestCode } from '../../src/protocol/codes/request-code.js';
import { ResponseCode } from '../../src/protocol/codes/response-code.js';
import { createRequest } from '../../src/protocol/command/remoting-command.js';
import type { RemotingCommand } from '../../src/protocol/command/remoting-command.js';
import { Broker } from '../../src/server/broker/index.js';
import type { BrokerOptions } from '../../src/server/broker/index.js';
import { TIMEOUT, createTopic, newClient } from '../helpers/broker-client.js';

const client = newClient();
const dirs: string[] = [];
after(async () => {
  await client.shutdown();
  for (const dir of dirs) await fs.promises.rm(dir, { recursive: true, force: true });
});

/** A broker on `storePath` serving GroupTopic (2 queues). */
async function startBroker(storePath: string, options: BrokerOptions = {}): Promise<Broker> {
  const broker = new Broker({ storePath, port: 0, namesrvAddrs: [], ...options });
  await broker.start();
  const create = await createTopic(client, broker.address, 'GroupTopic', 2);
  assert.equal(create.code, ResponseCode.SUCCESS, create.remark);
  return broker;
}

function call(
  broker: Broker,
  code: number,
  extFields: Record<string, string> = {},
  body?: Buffer,
): Promise<RemotingCommand> {
  const request = createRequest(code, { extFields, ...(body !== undefined && { body }) });
  return client.invokeSync(broker.address, request, TIMEOUT);
}

/** GET_ALL_SUBSCRIPTIONGROUP_CONFIG: the configs by name, and the table's version counter. */
async function groupsOf(
  broker: Broker,
): Promise<{ table: Map<string, Map<string, unknown>>; counter: number }> {
  const r = await call(broker, RequestCode.GET_ALL_SUBSCRIPTIONGROUP_CONFIG);
  assert.equal(r.code, ResponseCode.SUCCESS);
  const body = parseFastjsonObject(r.body!);
  const version = body.get('dataVersion') as Map<string, unknown>;
  return {
    table: body.get('subscriptionGroupTable') as Map<string, Map<string, unknown>>,
    counter: Number(version.get('counter')),
  };
}

/** The group names subscriptionGroup.json holds now (the broker still running). */
function savedGroupNames(storePath: string): string[] {
  const text = fs.readFileSync(path.join(storePath, 'config', 'subscriptionGroup.json'), 'utf8');
  const file = JSON.parse(text) as { subscriptionGroupTable: Record<string, unknown> };
  return Object.keys(file.subscriptionGroupTable).sort();
}

const pullAs = (broker: Broker, group: string) =>
  call(broker, RequestCode.PULL_MESSAGE, {
    consumerGroup: group,
    topic: 'GroupTopic',
    queueId: '0',
    queueOffset: '0',
    maxMsgNums: '1',
    sysFlag: '4', // the subscription is in the request
    commitOffset: '0',
    suspendTimeoutMillis: '0',
    subscription: '*',
    subVersion: '0',
  });

async function newStore(): Promise<string> {
  const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'rmq-groups-'));
  dirs.push(dir);
  return dir;
}

const CONFIG =
  '{"brokerId":0,"consumeBroadcastEnable":false,"consumeEnable":false,"consumeFromMinEnable":false,' +
  '"groupName":"AdminGroup","notifyConsumerIdsChangedEnable":false,"retryMaxTimes":3,"retryQueueNums":2,' +
  '"whichBrokerWhenConsumeSlowly":1}';

describe('subscription groups: saved, restored, built in', () => {
  it('an updated group is on disk before the answer and comes back after a restart; a deleted one does not', async () => {
    const store = await newStore();
    let broker = await startBroker(store);
    try {
      const up = await call(broker, RequestCode.UPDATE_AND_CREATE_SUBSCRIPTIONGROUP, {}, Buffer.from(CONFIG));
      assert.equal(up.code, ResponseCode.SUCCESS, up.remark);
      assert.ok(savedGroupNames(store).includes('AdminGroup'), 'saved before the answer');
      // An auto-created group (a pull names it) is saved too, by the periodic save or at shutdown.
      assert.equal((await pullAs(broker, 'AutoGroup')).code, ResponseCode.PULL_NOT_FOUND);
      const before = await groupsOf(broker);
      await broker.shutdown();

      broker = await startBroker(store);
      const restored = await groupsOf(broker);
      assert.equal(restored.counter, before.counter, 'the dataVersion is restored');
      const admin = restored.table.get('AdminGroup');
      assert.ok(admin, 'the admin-made group is back');
      assert.deepEqual(
        [admin.get('consumeEnable'), admin.get('retryMaxTimes'), admin.get('retryQueueNums')],
        [false, 3, 2],
      );
      assert.ok(restored.table.has('AutoGroup'));
      // Its setting still applies: consumeEnable false refuses pulls.
      assert.equal((await pullAs(broker, 'AdminGroup')).code, ResponseCode.NO_PERMISSION);

      const del = await call(broker, RequestCode.DELETE_SUBSCRIPTIONGROUP, { groupName: 'AdminGroup' });
      assert.equal(del.code, ResponseCode.SUCCESS);
      assert.ok(!savedGroupNames(store).includes('AdminGroup'), 'deleted from the file before the answer');
      await broker.shutdown();
      broker = await startBroker(store);
      const again = await groupsOf(broker);
      assert.ok(!again.table.has('AdminGroup'));
      assert.ok(again.table.has('AutoGroup'));
    } finally {
      await broker.shutdown();
    }
  });

  it('built-in and CID_RMQ_SYS_ groups exist where groups are not auto-created; others do not', async () => {
    const store = await newStore();
    const broker = await startBroker(store, { autoCreateSubscriptionGroup: false });
    try {
      const { table } = await groupsOf(broker);
      for (const name of ['TOOLS_CONSUMER', 'FILTERSRV_CONSUMER', 'SELF_TEST_C_GROUP', 'CID_ONSAPI_PULL']) {
        assert.ok(table.has(name), name);
      }
      // mqadmin printMsg / queryMsgByOffset pull as TOOLS_CONSUMER.
      assert.equal((await pullAs(broker, 'TOOLS_CONSUMER')).code, ResponseCode.PULL_NOT_FOUND);
      assert.equal((await pullAs(broker, 'CID_RMQ_SYS_X')).code, ResponseCode.PULL_NOT_FOUND);
      assert.equal((await pullAs(broker, 'PlainGroup')).code, ResponseCode.SUBSCRIPTION_GROUP_NOT_EXIST);
      assert.ok((await groupsOf(broker)).table.has('CID_RMQ_SYS_X'));
    } finally {
      await broker.shutdown();
    }
  });

  it('built-in groups do not count against maxSubscriptionGroups', async () => {
    const store = await newStore();
    const broker = await startBroker(store, { maxSubscriptionGroups: 1 });
    try {
      assert.equal((await pullAs(broker, 'OnlyGroup')).code, ResponseCode.PULL_NOT_FOUND);
      const second = await pullAs(broker, 'SecondGroup');
      assert.equal(second.code, ResponseCode.SYSTEM_ERROR);
      assert.match(second.remark ?? '', /keeps 1 subscription groups and may keep at most 1/);
    } finally {
      await broker.shutdown();
    }
  });

  it('DELETE_SUBSCRIPTIONGROUP with cleanOffset drops the group committed offsets; without, keeps them', async () => {
    const store = await newStore();
    const broker = await startBroker(store);
    try {
      const query = async (group: string) => {
        const r = await call(broker, RequestCode.QUERY_CONSUMER_OFFSET, {
          consumerGroup: group,
          topic: 'GroupTopic',
          queueId: '1',
          setZeroIfNotFound: 'false',
        });
        return r.code === ResponseCode.SUCCESS ? r.extFields?.offset : `code ${r.code}`;
      };
      for (const group of ['KeepOffsets', 'CleanOffsets', 'CleanOffsetsToo']) {
        await pullAs(broker, group); // creates the group
        const commit = await call(broker, RequestCode.UPDATE_CONSUMER_OFFSET, {
          consumerGroup: group,
          topic: 'GroupTopic',
          queueId: '1',
          commitOffset: '0',
        });
        assert.equal(commit.code, ResponseCode.SUCCESS, commit.remark);
        assert.equal(await query(group), '0');
      }
      await call(broker, RequestCode.DELETE_SUBSCRIPTIONGROUP, { groupName: 'KeepOffsets' });
      await call(broker, RequestCode.DELETE_SUBSCRIPTIONGROUP, {
        groupName: 'CleanOffsets',
        cleanOffset: 'true',
      });
      assert.equal(await query('KeepOffsets'), '0');
      assert.equal(await query('CleanOffsets'), `code ${ResponseCode.QUERY_NOT_FOUND}`);
      // Only that group: a group whose name ends with the deleted one's keeps its offsets.
      assert.equal(await query('CleanOffsetsToo'), '0');
    } finally {
      await broker.shutdown();
    }
  });

  it('a damaged or hand-edited subscriptionGroup.json: bad entries left out, the rest restored', async () => {
    const store = await newStore();
    fs.mkdirSync(path.join(store, 'config'), { recursive: true });
    const good = CONFIG.replace('AdminGroup', 'GoodGroup');
    fs.writeFileSync(
      path.join(store, 'config', 'subscriptionGroup.json'),
      JSON.stringify({
        dataVersion: { counter: 7, timestamp: 1 },
        subscriptionGroupTable: {
          GoodGroup: JSON.parse(good) as unknown,
          'bad name': { groupName: 'bad name' },
          Misfiled: { groupName: 'OtherName' },
          NotAnObject: 5,
          BadNumber: { groupName: 'BadNumber', retryQueueNums: -1 },
        },
      }),
    );
    let broker = await startBroker(store);
    try {
      const { table, counter } = await groupsOf(broker);
      assert.equal(counter, 7);
      assert.equal(table.get('GoodGroup')?.get('retryMaxTimes'), 3);
      for (const bad of ['bad name', 'Misfiled', 'OtherName', 'NotAnObject', 'BadNumber']) {
        assert.ok(!table.has(bad), bad);
      }
      // The next save writes the table as restored: the bad entries are gone from the file too.
      const up = await call(
        broker,
        RequestCode.UPDATE_AND_CREATE_SUBSCRIPTIONGROUP,
        {},
        Buffer.from(CONFIG.replace('AdminGroup', 'LaterGroup')),
      );
      assert.equal(up.code, ResponseCode.SUCCESS);
      const names = savedGroupNames(store);
      assert.ok(
        names.includes('GoodGroup') && names.includes('LaterGroup') && names.includes('TOOLS_CONSUMER'),
      );
      assert.ok(!names.includes('bad name') && !names.includes('Misfiled') && !names.includes('BadNumber'));
      await broker.shutdown();
      broker = await startBroker(store);
      assert.ok((await groupsOf(broker)).table.has('LaterGroup'));
    } finally {
      await broker.shutdown();
    }
  });
});
