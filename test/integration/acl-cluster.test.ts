/**
 * Access control over the wire, on one embedded cluster whose name server and broker share one
 * plain_acl.yml: every request class with the allowed and the refused account, the attacks of issue
 * 14 each refused with nothing changed, a broker without credentials kept out of the routes, a
 * signed producer and pull consumer end to end, hot reload (a broken file keeps the rules), bad files
 * at startup, and the CLI flags.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { countChunkJoins } from '../helpers/chunk-joins.js';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MQBrokerError } from '../../src/common/errors.js';
import { Message } from '../../src/protocol/message/message.js';
import { Producer } from '../../src/client/producer/producer.js';
import { PullConsumer } from '../../src/client/consumer/pull/pull-consumer.js';
import { decodeClusterInfo } from '../../src/protocol/body/cluster-info.js';
import { decodeTopicRouteData } from '../../src/protocol/body/route.js';
import { RequestCode } from '../../src/protocol/codes/request-code.js';
import { ResponseCode } from '../../src/protocol/codes/response-code.js';
import { signRequest } from '../../src/protocol/command/acl-signature.js';
import { createRequest } from '../../src/protocol/command/remoting-command.js';
import type { RemotingCommand } from '../../src/protocol/command/remoting-command.js';
import { Broker } from '../../src/server/broker/broker.js';
import { startEmbeddedCluster } from '../../src/server/embedded-cluster.js';
import type { EmbeddedCluster } from '../../src/server/embedded-cluster.js';
import { NameServer } from '../../src/server/namesrv/name-server.js';
import { AclConfigError } from '../../src/server/acl/acl-errors.js';
import { RemotingClient } from '../../src/transport/index.js';
import { CreateTopicRequestHeader } from '../../src/protocol/headers/admin.js';
import { ACCOUNTS, aclYaml, GROUP, PULL_GROUP, REQUEST_CLASSES, TOPIC } from '../helpers/acl-fixtures.js';
import type { Role } from '../helpers/acl-fixtures.js';
import { rmq } from '../helpers/cli.js';
import { waitFor } from '../helpers/wait.js';

const ACL_EXCEPTION = 'org.apache.rocketmq.acl.common.AclException: ';
const BOGUS = { AccessKey: 'attackerAK', Signature: 'bm90IGEgc2lnbmF0dXJl' };

describe('ACL on an embedded cluster', () => {
  let dir: string;
  let aclFile: string;
  let cluster: EmbeddedCluster;
  let client: RemotingClient;
  let brokerAddr: string;
  let namesrvAddr: string;

  const call = (addr: string, request: RemotingCommand, role?: Role): Promise<RemotingCommand> => {
    if (role) signRequest(request, ACCOUNTS[role]);
    return client.invokeSync(addr, request, 5000);
  };
  const assertRefused = (response: RemotingCommand, reason: RegExp | string): void => {
    assert.equal(response.code, ResponseCode.SYSTEM_ERROR, response.remark);
    assert.ok(response.remark?.startsWith(ACL_EXCEPTION), response.remark);
    const text = response.remark!.slice(ACL_EXCEPTION.length);
    if (typeof reason === 'string') assert.equal(text, reason);
    else assert.match(text, reason);
  };

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rmq-acl-'));
    aclFile = path.join(dir, 'plain_acl.yml');
    fs.writeFileSync(aclFile, aclYaml());
    cluster = await startEmbeddedCluster({ aclFile, brokers: [{ aclReloadIntervalMillis: 20 }] });
    brokerAddr = cluster.brokers[0]!.address;
    namesrvAddr = cluster.namesrvAddress;
    client = new RemotingClient({});
    const create = createRequest(RequestCode.UPDATE_AND_CREATE_TOPIC, {
      extFields: CreateTopicRequestHeader.encode({
        topic: TOPIC,
        defaultTopic: 'TBW102',
        readQueueNums: 2,
        writeQueueNums: 2,
        perm: 6,
        topicFilterType: 'SINGLE_TAG',
        topicSysFlag: 0,
        order: false,
      }),
    });
    const created = await call(brokerAddr, create, 'admin');
    assert.equal(created.code, ResponseCode.SUCCESS, created.remark);
    // Producers and consumers below read the topic's route: wait for the broker's registration of it.
    const route = () => createRequest(RequestCode.GET_ROUTEINFO_BY_TOPIC, { extFields: { topic: TOPIC } });
    await waitFor('the route of the new topic', async () =>
      (await call(namesrvAddr, route())).code === ResponseCode.SUCCESS ? true : undefined,
    );
  });

  after(async () => {
    await client.shutdown();
    await cluster.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('every request class: the allowed account passes the check, the refused one gets the reason', async () => {
    for (const rc of REQUEST_CLASSES) {
      const refused = await call(brokerAddr, rc.make(), rc.refused);
      if (refused.code === ResponseCode.REQUEST_CODE_NOT_SUPPORTED) continue; // no handler: never checked, as Java
      assertRefused(refused, rc.reason);
      const allowed = await call(brokerAddr, rc.make(), rc.allowed);
      assert.ok(!allowed.remark?.includes('AclException'), `${rc.name}: ${allowed.remark}`);
    }
  });

  it('broker attacks with a bogus signature change nothing', async () => {
    const group = createRequest(RequestCode.UPDATE_AND_CREATE_SUBSCRIPTIONGROUP, {
      body: Buffer.from(JSON.stringify({ groupName: 'VictimGroup', consumeEnable: true })),
    });
    assert.equal((await call(brokerAddr, group, 'admin')).code, ResponseCode.SUCCESS);
    const commit = (offset: string) =>
      createRequest(RequestCode.UPDATE_CONSUMER_OFFSET, {
        extFields: { consumerGroup: GROUP, topic: TOPIC, queueId: '0', commitOffset: offset },
      });
    assert.equal((await call(brokerAddr, commit('1'), 'consumer')).code, ResponseCode.SUCCESS);

    const attacks = [
      createRequest(RequestCode.DELETE_TOPIC_IN_BROKER, { extFields: { topic: TOPIC, ...BOGUS } }),
      createRequest(RequestCode.DELETE_SUBSCRIPTIONGROUP, {
        extFields: { groupName: 'VictimGroup', ...BOGUS },
      }),
      createRequest(RequestCode.UPDATE_CONSUMER_OFFSET, {
        extFields: { consumerGroup: GROUP, topic: TOPIC, queueId: '0', commitOffset: '999', ...BOGUS },
      }),
    ];
    for (const attack of attacks)
      assertRefused(await call(brokerAddr, attack), 'No acl config for attackerAK');
    // The producer's own valid signature is not enough either.
    assertRefused(
      await call(brokerAddr, commit('999'), 'producer'),
      `No default permission for topic:${TOPIC}`,
    );

    const broker = cluster.brokers[0]!;
    assert.ok(broker.topics.select(TOPIC));
    const offset = createRequest(RequestCode.QUERY_CONSUMER_OFFSET, {
      extFields: { consumerGroup: GROUP, topic: TOPIC, queueId: '0' },
    });
    const answer = await call(brokerAddr, offset, 'consumer');
    assert.equal(answer.extFields?.offset, '1');
    const groups = await call(
      brokerAddr,
      createRequest(RequestCode.GET_ALL_SUBSCRIPTIONGROUP_CONFIG),
      'admin',
    );
    assert.match(groups.body?.toString() ?? '', /VictimGroup/);
  });

  it('name server attacks are refused; the admin account is let through', async () => {
    const kv = (role?: Role) =>
      call(
        namesrvAddr,
        createRequest(RequestCode.PUT_KV_CONFIG, {
          extFields: {
            namespace: 'ORDER_TOPIC_CONFIG',
            key: TOPIC,
            value: 'bogus:1',
            ...(role ? {} : BOGUS),
          },
        }),
        role,
      );
    const getKv = () =>
      call(
        namesrvAddr,
        createRequest(RequestCode.GET_KV_CONFIG, {
          extFields: { namespace: 'ORDER_TOPIC_CONFIG', key: TOPIC },
        }),
      );
    const config = () => call(namesrvAddr, createRequest(RequestCode.GET_NAMESRV_CONFIG));
    const route = async () =>
      decodeTopicRouteData(
        (
          await call(
            namesrvAddr,
            createRequest(RequestCode.GET_ROUTEINFO_BY_TOPIC, { extFields: { topic: TOPIC } }),
          )
        ).body!,
      );
    const configBefore = (await config()).body?.toString();
    const permBefore = (await route()).queueDatas[0]!.perm;

    assertRefused(await kv(), 'No acl config for attackerAK');
    assertRefused(
      await kv('producer'),
      `Need admin permission for request code=${RequestCode.PUT_KV_CONFIG}, but accessKey=producerAK is not`,
    );
    assertRefused(
      await call(
        namesrvAddr,
        createRequest(RequestCode.UPDATE_NAMESRV_CONFIG, {
          extFields: { ...BOGUS },
          body: Buffer.from('orderMessageEnable=true\n'),
        }),
      ),
      'No acl config for attackerAK',
    );
    assertRefused(
      await call(
        namesrvAddr,
        createRequest(RequestCode.WIPE_WRITE_PERM_OF_BROKER, { extFields: { brokerName: 'broker-a' } }),
      ),
      'No accessKey is configured',
    );
    assert.equal((await getKv()).code, ResponseCode.QUERY_NOT_FOUND);
    assert.equal((await config()).body?.toString(), configBefore);
    assert.equal((await route()).queueDatas[0]!.perm, permBefore);

    assert.equal((await kv('admin')).code, ResponseCode.SUCCESS);
    assert.equal((await getKv()).extFields?.value, 'bogus:1');
    const del = createRequest(RequestCode.DELETE_KV_CONFIG, {
      extFields: { namespace: 'ORDER_TOPIC_CONFIG', key: TOPIC },
    });
    assert.equal((await call(namesrvAddr, del, 'admin')).code, ResponseCode.SUCCESS);
  });

  it('a broker without credentials cannot register with the protected name server', async () => {
    const fake = new Broker({
      namesrvAddrs: [namesrvAddr],
      brokerName: 'fake-broker',
      port: 0,
      storePath: path.join(dir, 'fake'),
    });
    await fake.start();
    try {
      const info = decodeClusterInfo(
        (await call(namesrvAddr, createRequest(RequestCode.GET_BROKER_CLUSTER_INFO))).body!,
      );
      assert.ok(info.brokerAddrTable.has('broker-a'));
      assert.ok(!info.brokerAddrTable.has('fake-broker'));
    } finally {
      await fake.shutdown();
    }
  });

  it('a signed producer and pull consumer work end to end; the wrong account is refused', async () => {
    const producer = new Producer({
      producerGroup: 'AclProducers',
      nameServer: namesrvAddr,
      credentials: ACCOUNTS.producer,
    });
    const consumer = new PullConsumer({
      consumerGroup: PULL_GROUP,
      nameServer: namesrvAddr,
      credentials: ACCOUNTS.consumer,
    });
    const intruder = new Producer({
      producerGroup: 'AclIntruders',
      nameServer: namesrvAddr,
      credentials: ACCOUNTS.consumer,
      retryTimesWhenSendFailed: 0,
    });
    await Promise.all([producer.start(), consumer.start(), intruder.start()]);
    try {
      const sent = await producer.send(new Message(TOPIC, Buffer.from('signed hello')));
      assert.equal(sent.sendStatus, 'SEND_OK');
      // A large body reaches the broker in many chunks: its signature is checked over them.
      // The broker runs in this process: the check and the store take the chunks, joining none.
      const large = randomBytes(300_000);
      const joins = await countChunkJoins(async () => {
        assert.equal((await producer.send(new Message(TOPIC, large))).sendStatus, 'SEND_OK');
      });
      assert.equal(joins, 0, 'signature checked and body stored over the chunks');
      await assert.rejects(intruder.send(new Message(TOPIC, Buffer.from('x'))), (e: Error) => {
        const cause = (e as { cause?: unknown }).cause ?? e;
        return (
          cause instanceof MQBrokerError &&
          cause.code === ResponseCode.SYSTEM_ERROR &&
          /No default permission for topic:AclOrders/.test(e.message)
        );
      });
      const bodies: string[] = [];
      for await (const m of consumer.poll(TOPIC, {
        from: 'beginning',
        idleTimeoutMillis: 200,
        maxMessages: 50,
      }))
        bodies.push(m.body.length === large.length ? m.body.toString('hex') : m.body.toString());
      // The request-class test sent 'hello's before, on either queue.
      assert.ok(bodies.includes('signed hello'), bodies.join());
      assert.ok(bodies.includes(large.toString('hex')), 'the large signed body, intact');
    } finally {
      await Promise.all([producer.shutdown(), consumer.shutdown(), intruder.shutdown()]);
    }
  });

  it('hot reload: a new account works once the file changes; a broken file keeps the rules', async () => {
    const late = { accessKey: 'lateComer', secretKey: 'late-secret' };
    const lateCall = () => {
      const r = createRequest(RequestCode.GET_BROKER_CONFIG);
      signRequest(r, late);
      return client.invokeSync(brokerAddr, r, 5000);
    };
    assertRefused(await lateCall(), 'No acl config for lateComer');
    fs.writeFileSync(aclFile, `${aclYaml()}  - accessKey: lateComer\n    secretKey: late-secret\n`);
    await waitFor(
      'the new account',
      async () => ((await lateCall()).code === ResponseCode.SUCCESS ? true : undefined),
      5000,
      20,
    );
    fs.writeFileSync(aclFile, 'accounts:\n  - accessKey: [broken\n');
    await new Promise((r) => setTimeout(r, 120));
    assert.equal((await lateCall()).code, ResponseCode.SUCCESS);
    fs.writeFileSync(aclFile, aclYaml());
    await waitFor(
      'the account removed',
      async () => ((await lateCall()).code === ResponseCode.SYSTEM_ERROR ? true : undefined),
      5000,
      20,
    );
  });

  it('IP allowlists over the wire: a global pattern, then an account pattern, let unsigned requests in', async () => {
    const unsigned = () => client.invokeSync(brokerAddr, createRequest(RequestCode.GET_BROKER_CONFIG), 5000);
    const trusted = () =>
      client.invokeSync(
        brokerAddr,
        createRequest(RequestCode.GET_BROKER_CONFIG, {
          extFields: { AccessKey: 'trustedAK', Signature: 'none' },
        }),
        5000,
      );
    const reloaded = (what: string, check: () => Promise<RemotingCommand>, code: number) =>
      waitFor(what, async () => ((await check()).code === code ? true : undefined), 5000, 20);
    assertRefused(await unsigned(), 'No accessKey is configured');
    assertRefused(await trusted(), 'Check signature failed for accessKey=trustedAK');
    fs.writeFileSync(aclFile, aclYaml({ globalWhite: '127.0.0-9.*' }));
    await reloaded('the global allowlist', unsigned, ResponseCode.SUCCESS);
    fs.writeFileSync(aclFile, aclYaml());
    await reloaded('the global allowlist removed', unsigned, ResponseCode.SYSTEM_ERROR);
    fs.writeFileSync(aclFile, aclYaml({ trustedAddress: '127.0.0.{1,2}' }));
    await reloaded('the account allowlist', trusted, ResponseCode.SUCCESS);
    assertRefused(await unsigned(), 'No accessKey is configured');
    fs.writeFileSync(aclFile, aclYaml());
    await reloaded('the rules restored', trusted, ResponseCode.SYSTEM_ERROR);
  });

  it('a malformed or missing file fails at construction with the reason', () => {
    const bad = path.join(dir, 'bad.yml');
    fs.writeFileSync(bad, 'accounts:\n  - accessKey: short\n    secretKey: x\n');
    assert.throws(
      () => new Broker({ aclFile: bad, storePath: path.join(dir, 'b2') }),
      (e: Error) => e instanceof AclConfigError && /bad\.yml: The accessKey=short/.test(e.message),
    );
    fs.writeFileSync(bad, 'accounts:\n\t- x\n');
    assert.throws(() => new NameServer({ aclFile: bad }), /bad\.yml: line 2: tabs/);
    assert.throws(
      () => new NameServer({ aclFile: path.join(dir, 'missing.yml') }),
      /cannot read the ACL file/,
    );
    assert.throws(
      () => new NameServer({ aclFile, aclQueries: 'closed' as 'open' }),
      /aclQueries must be 'open' or 'signed'/,
    );
  });

  it('CLI: --access-key / --secret-key on send, consume and topic; checks of the flags', async () => {
    const ns = ['--namesrv', namesrvAddr];
    const producerKeys = ['--access-key', 'producerAK', '--secret-key', 'producer-secret'];
    const ok = await rmq(['send', ...ns, '--topic', TOPIC, '--body', 'from cli', ...producerKeys]);
    assert.equal(ok.code, 0, ok.stderr);
    const unsigned = await rmq(['send', ...ns, '--topic', TOPIC, '--body', 'x']);
    assert.notEqual(unsigned.code, 0);
    assert.match(unsigned.stderr, /No accessKey is configured/);
    const fromEnv = await rmq(
      ['send', ...ns, '--topic', TOPIC, '--body', 'env', '--access-key', 'producerAK'],
      { RMQ_SECRET_KEY: 'producer-secret' },
    );
    assert.equal(fromEnv.code, 0, fromEnv.stderr);
    const half = await rmq(['send', ...ns, '--topic', TOPIC, '--body', 'x', '--access-key', 'producerAK']);
    assert.match(half.stderr, /--access-key needs --secret-key/);
    const consumed = await rmq([
      'consume',
      ...ns,
      '--topic',
      TOPIC,
      '--group',
      GROUP,
      '--from-beginning',
      '--count',
      '1',
      '--timeout',
      '1',
      '--access-key',
      'consumerAK',
      '--secret-key',
      'consumer-secret',
    ]);
    assert.equal(consumed.code, 0, consumed.stderr);
    const created = await rmq([
      'topic',
      'create',
      ...ns,
      '--topic',
      'CliAclTopic',
      '--broker',
      brokerAddr,
      '--access-key',
      'adminAK01',
      '--secret-key',
      'admin-secret',
    ]);
    assert.equal(created.code, 0, created.stderr);
    const notAdmin = await rmq([
      'topic',
      'create',
      ...ns,
      '--topic',
      'CliAclTopic2',
      '--broker',
      brokerAddr,
      ...producerKeys,
    ]);
    assert.match(notAdmin.stderr, /Need admin permission for request code=17/);
    const badFile = await rmq(['namesrv', '--acl', path.join(dir, 'missing.yml'), '--port', '0']);
    assert.notEqual(badFile.code, 0);
    assert.match(badFile.stderr, /--acl: cannot read the ACL file/);
    for (const server of [['dev'], ['broker', '--namesrv', namesrvAddr]]) {
      const failed = await rmq([
        ...server,
        '--acl',
        path.join(dir, 'missing.yml'),
        '--store',
        path.join(dir, 'cli-store'),
      ]);
      assert.notEqual(failed.code, 0);
      assert.match(failed.stderr, /--acl: cannot read the ACL file/);
    }
    const badQueries = await rmq(['namesrv', '--acl', aclFile, '--acl-queries', 'closed', '--port', '0']);
    assert.match(badQueries.stderr, /--acl-queries must be open or signed/);
  });
});
