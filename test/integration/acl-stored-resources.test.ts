/**
 * Access control on the resources a broker only learns from its store (a red-team finding): a
 * message named by its commit-log offset (VIEW_MESSAGE_BY_ID, CONSUMER_SEND_MSG_BACK) may be read only
 * by an account that may read its topic, and a half message may be ended only by an account that may
 * publish to its real topic. QUERY_MESSAGE answers only an account that may read the topic asked for. Also: a send to another group's retry topic needs that group, and no
 * client may write the timer topic (its REAL_TOPIC would be delivered past the topic's checks).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { RequestCode } from '../../src/protocol/codes/request-code.js';
import { ResponseCode } from '../../src/protocol/codes/response-code.js';
import { signRequest } from '../../src/protocol/command/acl-signature.js';
import { createRequest } from '../../src/protocol/command/remoting-command.js';
import type { RemotingCommand } from '../../src/protocol/command/remoting-command.js';
import { CreateTopicRequestHeader } from '../../src/protocol/headers/admin.js';
import { QueryMessageRequestHeader } from '../../src/protocol/headers/offsets.js';
import { MessageSysFlag } from '../../src/protocol/message/constants.js';
import { decodeMessageRecord, decodeMessageRecords } from '../../src/protocol/message/record.js';
import { decodeOffsetMessageId } from '../../src/protocol/message/message-id.js';
import { startEmbeddedCluster } from '../../src/server/embedded-cluster.js';
import type { EmbeddedCluster } from '../../src/server/embedded-cluster.js';
import { RemotingClient } from '../../src/transport/index.js';
import { ACCOUNTS, aclYaml, GROUP, TOPIC } from '../helpers/acl-fixtures.js';
import type { Role } from '../helpers/acl-fixtures.js';
import { sendRequest } from '../helpers/broker-client.js';
import type { SendSpec } from '../helpers/broker-client.js';
import { TX, endRequest } from '../helpers/transaction-client.js';
import { consumerData } from '../helpers/heartbeats.js';
import { encodeHeartbeatData } from '../../src/protocol/body/heartbeat.js';
import { createResponse } from '../../src/protocol/command/remoting-command.js';

const SECRET = 'AclSecret';
/** Reads every topic but SECRET (a default-allow account with a deny: a common plain_acl style). */
const BROAD = { accessKey: 'broadReader', secretKey: 'broad-secret' };
const BROAD_YAML = `  - accessKey: ${BROAD.accessKey}
    secretKey: ${BROAD.secretKey}
    defaultTopicPerm: SUB
    defaultGroupPerm: SUB
    topicPerms:
      - ${SECRET}=DENY
`;
const ACL_EXCEPTION = 'org.apache.rocketmq.acl.common.AclException: ';

describe('ACL on resources found in the store', () => {
  let dir: string;
  let cluster: EmbeddedCluster;
  let client: RemotingClient;
  let addr: string;

  const call = (request: RemotingCommand, role: Role | 'broad'): Promise<RemotingCommand> => {
    signRequest(request, role === 'broad' ? BROAD : ACCOUNTS[role]);
    return client.invokeSync(addr, request, 5000);
  };
  const sendAs = async (role: Role, spec: SendSpec): Promise<{ offset: bigint; queueOffset: bigint }> => {
    const response = await call(sendRequest(spec), role);
    assert.equal(response.code, ResponseCode.SUCCESS, response.remark);
    return {
      offset: decodeOffsetMessageId(response.extFields!.msgId!).commitLogOffset,
      queueOffset: BigInt(response.extFields!.queueOffset!),
    };
  };
  const assertRefused = (response: RemotingCommand, reason: string): void => {
    assert.equal(response.code, ResponseCode.SYSTEM_ERROR, response.remark);
    assert.equal(response.remark, ACL_EXCEPTION + reason);
  };
  const view = (offset: bigint) =>
    createRequest(RequestCode.VIEW_MESSAGE_BY_ID, { extFields: { offset: String(offset) } });
  const sendBack = (offset: bigint) =>
    createRequest(RequestCode.CONSUMER_SEND_MSG_BACK, {
      extFields: { group: GROUP, offset: String(offset), delayLevel: '0' },
    });
  const retryMax = () => cluster.brokers[0]!.store.getMaxOffsetInQueue(`%RETRY%${GROUP}`, 0);

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rmq-acl-stored-'));
    const aclFile = path.join(dir, 'plain_acl.yml');
    fs.writeFileSync(aclFile, aclYaml() + BROAD_YAML);
    cluster = await startEmbeddedCluster({ aclFile });
    addr = cluster.brokers[0]!.address;
    client = new RemotingClient({});
    for (const topic of [TOPIC, SECRET]) {
      const create = createRequest(RequestCode.UPDATE_AND_CREATE_TOPIC, {
        extFields: CreateTopicRequestHeader.encode({
          topic,
          defaultTopic: 'TBW102',
          readQueueNums: 1,
          writeQueueNums: 1,
          perm: 6,
          topicFilterType: 'SINGLE_TAG',
          topicSysFlag: 0,
          order: false,
        }),
      });
      assert.equal((await call(create, 'admin')).code, ResponseCode.SUCCESS);
    }
  });

  after(async () => {
    await client.shutdown();
    await cluster.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('VIEW_MESSAGE_BY_ID answers only an account that may read the message topic', async () => {
    const secret = await sendAs('admin', { topic: SECRET, body: 'secret-payload' });
    const own = await sendAs('producer', { topic: TOPIC, body: 'own-payload' });
    assertRefused(await call(view(secret.offset), 'consumer'), `No default permission for topic:${SECRET}`);
    const allowed = await call(view(own.offset), 'consumer');
    assert.equal(allowed.code, ResponseCode.SUCCESS, allowed.remark);
    assert.equal(decodeMessageRecord(allowed.body!).body.toString(), 'own-payload');
    const byAdmin = await call(view(secret.offset), 'admin');
    assert.equal(decodeMessageRecord(byAdmin.body!).body.toString(), 'secret-payload');
  });

  it('CONSUME_MESSAGE_DIRECTLY reaches the consumer only for an account that may read the group and the message topic', async () => {
    // A consumer of GROUP (a client answering 309 as a Java consumer would), registered by heartbeat.
    const consumer = new RemotingClient({});
    const consumed: string[] = [];
    consumer.registerProcessor(RequestCode.CONSUME_MESSAGE_DIRECTLY, {
      processRequest: (_ctx, req) => {
        consumed.push(decodeMessageRecord(req.body!).body.toString());
        return createResponse(ResponseCode.SUCCESS, { body: Buffer.from('{"consumeResult":"CR_SUCCESS"}') });
      },
    });
    try {
      const heartbeat = createRequest(RequestCode.HEART_BEAT, {
        body: encodeHeartbeatData({
          clientID: 'direct-client',
          producerDataSet: [],
          consumerDataSet: [consumerData(GROUP, [TOPIC])],
        }),
      });
      signRequest(heartbeat, ACCOUNTS.consumer);
      assert.equal((await consumer.invokeSync(addr, heartbeat, 5000)).code, ResponseCode.SUCCESS);
      const msgIdOf = async (role: Role, topic: string, body: string) => {
        const r = await call(sendRequest({ topic, body }), role);
        assert.equal(r.code, ResponseCode.SUCCESS, r.remark);
        return r.extFields!.msgId!;
      };
      const own = await msgIdOf('producer', TOPIC, 'direct-own');
      const secret = await msgIdOf('admin', SECRET, 'direct-secret');
      const direct = (msgId: string) =>
        createRequest(RequestCode.CONSUME_MESSAGE_DIRECTLY, {
          extFields: { consumerGroup: GROUP, clientId: 'direct-client', msgId },
        });
      // Rights on the group and the message's topic: the consumer consumes it.
      for (const role of ['consumer', 'broad', 'admin'] as const) {
        const r = await call(direct(own), role);
        assert.equal(r.code, ResponseCode.SUCCESS, `${role}: ${r.remark}`);
      }
      assert.deepEqual(consumed, ['direct-own', 'direct-own', 'direct-own']);
      // A topic right without the group (the producer may write TOPIC): it may not make GROUP consume.
      assertRefused(await call(direct(own), 'producer'), `No default permission for group:${GROUP}`);
      // The group without the message's topic: it may not have SECRET's message consumed (or see it).
      assertRefused(await call(direct(secret), 'consumer'), `No default permission for topic:${SECRET}`);
      assert.deepEqual(consumed, ['direct-own', 'direct-own', 'direct-own']);
    } finally {
      await consumer.shutdown();
    }
  });

  it('QUERY_MESSAGE answers only an account that may read the topic asked for', async () => {
    const keyed = { KEYS: 'acl-query-key', WAIT: 'true' };
    await sendAs('admin', { topic: SECRET, body: 'secret-payload', properties: keyed });
    await sendAs('producer', { topic: TOPIC, body: 'own-payload', properties: keyed });
    const query = (topic: string) =>
      createRequest(RequestCode.QUERY_MESSAGE, {
        extFields: QueryMessageRequestHeader.encode({
          topic,
          key: 'acl-query-key',
          maxNum: 32,
          beginTimestamp: 0n,
          endTimestamp: BigInt(Date.now() + 60_000),
        }),
      });
    assertRefused(await call(query(SECRET), 'consumer'), `No default permission for topic:${SECRET}`);
    assertRefused(await call(query(SECRET), 'broad'), `No default permission for topic:${SECRET}`);
    const allowed = await call(query(TOPIC), 'consumer');
    assert.equal(allowed.code, ResponseCode.SUCCESS, allowed.remark);
    assert.deepEqual(
      decodeMessageRecords(allowed.body!).map((m) => m.body.toString()),
      ['own-payload'],
    );
    const byAdmin = await call(query(SECRET), 'admin');
    assert.equal(decodeMessageRecord(byAdmin.body!).body.toString(), 'secret-payload');
  });

  it('a message kept under an internal topic is checked against the topic it is for (REAL_TOPIC)', async () => {
    // A delayed message waits in SCHEDULE_TOPIC_XXXX with REAL_TOPIC=AclSecret: an account allowed every
    // topic but AclSecret must not read it there.
    const delayed = await sendAs('admin', {
      topic: SECRET,
      body: 'delayed',
      properties: { DELAY: '1', WAIT: 'true' },
    });
    const plain = await sendAs('admin', { topic: SECRET, body: 'plain' });
    const own = await sendAs('producer', { topic: TOPIC, body: 'own-payload' });
    assertRefused(await call(view(plain.offset), 'broad'), `No default permission for topic:${SECRET}`);
    assertRefused(await call(view(delayed.offset), 'broad'), `No default permission for topic:${SECRET}`);
    assert.equal((await call(view(own.offset), 'broad')).code, ResponseCode.SUCCESS);
  });

  it('CONSUMER_SEND_MSG_BACK of another topic message is refused and stores nothing', async () => {
    const secret = await sendAs('admin', { topic: SECRET, body: 'secret-payload' });
    const own = await sendAs('producer', { topic: TOPIC, body: 'own-payload' });
    const before = retryMax();
    assertRefused(
      await call(sendBack(secret.offset), 'consumer'),
      `No default permission for topic:${SECRET}`,
    );
    assert.equal(retryMax(), before, 'nothing was copied into the retry topic');
    const allowed = await call(sendBack(own.offset), 'consumer');
    assert.equal(allowed.code, ResponseCode.SUCCESS, allowed.remark);
  });

  it('END_TRANSACTION needs PUB on the half message real topic, whatever the header says', async () => {
    const halfProps = (group: string) => ({ TRAN_MSG: 'true', PGROUP: group, WAIT: 'true' });
    const prepared = MessageSysFlag.TRANSACTION_PREPARED_TYPE;
    const spec = { sysFlag: prepared, producerGroup: 'PG_SECRET', properties: halfProps('PG_SECRET') };
    const half = await sendAs('admin', { topic: SECRET, ...spec });
    const end = () =>
      endRequest({
        group: 'PG_SECRET',
        tranStateTableOffset: half.queueOffset,
        commitLogOffset: half.offset,
        commitOrRollback: TX.COMMIT,
        msgId: '',
      });
    const secretMax = () => cluster.brokers[0]!.store.getMaxOffsetInQueue(SECRET, 0);
    const before = secretMax();
    assertRefused(await call(end(), 'producer'), `No default permission for topic:${SECRET}`);
    assert.equal(secretMax(), before, 'the half message was not committed');
    assert.equal((await call(end(), 'admin')).code, ResponseCode.SUCCESS);
    assert.equal(secretMax(), before + 1n);

    const ownSpec = { sysFlag: prepared, producerGroup: 'PG_OWN', properties: halfProps('PG_OWN') };
    const own = await sendAs('producer', { topic: TOPIC, ...ownSpec });
    const ownEnd = endRequest({
      group: 'PG_OWN',
      tranStateTableOffset: own.queueOffset,
      commitLogOffset: own.offset,
      commitOrRollback: TX.ROLLBACK,
      msgId: '',
    });
    assert.equal((await call(ownEnd, 'producer')).code, ResponseCode.SUCCESS);
  });

  it('a send to a retry topic needs SUB on the group of that retry topic, not on the named producer group', async () => {
    const other = sendRequest({ topic: '%RETRY%OtherGroup', producerGroup: GROUP });
    assertRefused(await call(other, 'consumer'), 'No default permission for group:OtherGroup');
    const own = await call(sendRequest({ topic: `%RETRY%${GROUP}`, producerGroup: 'AnyGroup' }), 'consumer');
    assert.equal(own.code, ResponseCode.SUCCESS, own.remark);
  });

  it('no client writes the timer topic, the admin included', async () => {
    const props = {
      REAL_TOPIC: SECRET,
      REAL_QID: '0',
      TIMER_OUT_MS: String(Date.now() + 1000),
      WAIT: 'true',
    };
    const response = await call(sendRequest({ topic: 'rmq_sys_wheel_timer', properties: props }), 'admin');
    assert.equal(response.code, ResponseCode.NO_PERMISSION, response.remark);
    assert.equal(response.remark, 'Sending message to topic[rmq_sys_wheel_timer] is forbidden.');
  });
});
