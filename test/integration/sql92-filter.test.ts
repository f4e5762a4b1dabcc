/**
 * SQL92 property filtering end to end, over loopback: broker-a has enablePropertyFilter, broker-b
 * has not (Java's default). Filtered pulls (own expression, and the group's heartbeat subscription
 * with Java's FILTER_DATA codes), CHECK_CLIENT_CONFIG, long polling woken only by a matching message,
 * and the PullConsumer with MessageSelector.bySql.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startEmbeddedCluster } from '../../src/server/embedded-cluster.js';
import type { EmbeddedCluster } from '../../src/server/embedded-cluster.js';
import type { RemotingClient } from '../../src/transport/index.js';
import { RequestCode } from '../../src/protocol/codes/request-code.js';
import { ResponseCode } from '../../src/protocol/codes/response-code.js';
import { createRequest } from '../../src/protocol/command/remoting-command.js';
import { encodeHeartbeatData } from '../../src/protocol/body/heartbeat.js';
import type { SubscriptionData } from '../../src/protocol/body/heartbeat.js';
import { encodeCheckClientRequestBody } from '../../src/protocol/body/check-client.js';
import { PullMessageRequestHeader } from '../../src/protocol/headers/pull.js';
import { MessageSelector, PullConsumer } from '../../src/client/consumer/index.js';
import { MQBrokerError } from '../../src/common/errors.js';
import { Sql92SyntaxError } from '../../src/protocol/filter/index.js';
import { run as consumeCli } from '../../src/cli/commands/consume.js';
import { CliError } from '../../src/cli/cli-error.js';
import { newClient, pull, records, request, send, TIMEOUT } from '../helpers/broker-client.js';

const SUSPEND_SUB = 0x4 | 0x2;
let cluster: EmbeddedCluster;
let client: RemotingClient;
let on: string; // broker-a, enablePropertyFilter
let off: string; // broker-b, Java's default

before(async () => {
  cluster = await startEmbeddedCluster({ brokers: [{ enablePropertyFilter: true }, {}] });
  client = newClient();
  on = cluster.brokers[0]!.address;
  off = cluster.brokers[1]!.address;
});

after(async () => {
  await client.shutdown();
  await cluster.stop();
});

async function put(
  addr: string,
  topic: string,
  queueId: number,
  props: Record<string, string>[],
): Promise<void> {
  for (const [i, p] of props.entries()) {
    const r = await send(client, addr, { topic, queueId, body: `m${i}`, properties: { WAIT: 'true', ...p } });
    assert.equal(r.code, 0);
  }
}

const sql = (
  addr: string,
  topic: string,
  expression: string,
  extra: { offset?: bigint; queueId?: number; suspendMillis?: number } = {},
): Promise<{ code: number; remark?: string; body?: Buffer; extFields?: Record<string, string> }> =>
  pull(
    client,
    addr,
    {
      topic,
      queueId: extra.queueId ?? 0,
      offset: extra.offset ?? 0n,
      subscription: expression,
      expressionType: 'SQL92',
      ...(extra.suspendMillis !== undefined && {
        sysFlag: SUSPEND_SUB,
        suspendTimeoutMillis: extra.suspendMillis,
      }),
    },
    TIMEOUT + (extra.suspendMillis ?? 0),
  );

const bodies = (r: { code: number; body?: Buffer }): string[] =>
  records(r as Parameters<typeof records>[0]).map((m) => m.body.toString());

function heartbeat(
  addr: string,
  group: string,
  subs: Partial<SubscriptionData>[],
): Promise<{ code: number }> {
  const body = encodeHeartbeatData({
    clientID: `127.0.0.1@${group}`,
    producerDataSet: [],
    consumerDataSet: [
      {
        groupName: group,
        consumeType: 'CONSUME_PASSIVELY',
        messageModel: 'CLUSTERING',
        consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
        unitMode: false,
        subscriptionDataSet: subs.map((s) => ({
          topic: 'SqlTopic',
          subString: '*',
          tagsSet: [],
          codeSet: [],
          subVersion: 1,
          expressionType: 'SQL92',
          classFilterMode: false,
          ...s,
        })),
      },
    ],
  });
  return request(client, addr, RequestCode.HEART_BEAT, {}, body);
}

function pullRegistered(
  addr: string,
  group: string,
  subVersion: number,
): Promise<{ code: number; remark?: string; body?: Buffer }> {
  const extFields = PullMessageRequestHeader.encode({
    consumerGroup: group,
    topic: 'SqlTopic',
    queueId: 0,
    queueOffset: 0n,
    maxMsgNums: 32,
    sysFlag: 0,
    commitOffset: 0n,
    suspendTimeoutMillis: 0,
    subVersion,
  });
  return client.invokeSync(addr, createRequest(RequestCode.PULL_MESSAGE, { extFields }), TIMEOUT);
}

const checkConfig = (
  addr: string,
  expressionType: string,
  subString: string,
): Promise<{ code: number; remark?: string }> =>
  request(
    client,
    addr,
    RequestCode.CHECK_CLIENT_CONFIG,
    {},
    encodeCheckClientRequestBody({
      clientId: '127.0.0.1@check',
      group: 'CG_CHECK',
      subscriptionData: {
        topic: 'SqlTopic',
        subString,
        tagsSet: [],
        codeSet: [],
        subVersion: 1,
        expressionType,
        classFilterMode: false,
      },
    }),
  );

describe('SQL92 property filtering', () => {
  it('filters a pull by message properties, TAGS included', async () => {
    await put(on, 'SqlTopic', 0, [
      { a: '1', region: 'eu', TAGS: 'x' },
      { a: '5', region: 'us', TAGS: 'x' },
      { a: '7', region: 'eu', TAGS: 'y' },
      { region: 'eu' },
      { a: '9', region: 'eu', TAGS: 'x' },
    ]);
    const r = await sql(on, 'SqlTopic', "a > 3 AND region = 'eu'");
    assert.equal(r.code, 0);
    assert.deepEqual(bodies(r), ['m2', 'm4']);
    assert.equal(r.extFields?.nextBeginOffset, '5');
    assert.deepEqual(bodies(await sql(on, 'SqlTopic', "TAGS = 'x' AND a IS NOT NULL")), ['m0', 'm1', 'm4']);
    assert.deepEqual(bodies(await sql(on, 'SqlTopic', "region IN ('us') OR a BETWEEN 0 AND 1")), [
      'm0',
      'm1',
    ]);
    const none = await sql(on, 'SqlTopic', "region = 'asia'");
    assert.equal(none.code, ResponseCode.PULL_RETRY_IMMEDIATELY);
    assert.equal(none.extFields?.nextBeginOffset, '5');
  });

  it('refuses a bad expression, and every SQL92 pull on a broker without enablePropertyFilter', async () => {
    const bad = await sql(on, 'SqlTopic', 'a >');
    assert.equal(bad.code, ResponseCode.SUBSCRIPTION_PARSE_FAILED);
    assert.match(
      bad.remark ?? '',
      /^parse the consumer's subscription failed: invalid SQL92 expression at position 3/,
    );
    await put(off, 'SqlTopicB', 0, [{ a: '1' }]);
    const disabled = await sql(off, 'SqlTopicB', 'a > 1');
    assert.deepEqual(
      [disabled.code, disabled.remark],
      [ResponseCode.SYSTEM_ERROR, 'The broker does not support consumer to filter message by SQL92'],
    );
  });

  it('answers CHECK_CLIENT_CONFIG as Java', async () => {
    assert.equal((await checkConfig(on, 'SQL92', "a = 'x'")).code, 0);
    assert.equal((await checkConfig(off, 'TAG', 'TagA || TagB')).code, 0);
    const bad = await checkConfig(on, 'SQL92', 'a = = 1');
    assert.equal(bad.code, ResponseCode.SUBSCRIPTION_PARSE_FAILED);
    assert.match(bad.remark ?? '', /position 4/);
    const disabled = await checkConfig(off, 'SQL92', "a = 'x'");
    assert.deepEqual(
      [disabled.code, disabled.remark],
      [ResponseCode.SYSTEM_ERROR, 'The broker does not support consumer to filter message by SQL92'],
    );
  });

  it('filters by the group subscription of the heartbeats, versioned by subVersion', async () => {
    assert.equal((await heartbeat(on, 'CG_HB', [{ subString: 'a >= 7', subVersion: 10 }])).code, 0);
    assert.deepEqual(bodies(await pullRegistered(on, 'CG_HB', 10)), ['m2', 'm4']);
    const ahead = await pullRegistered(on, 'CG_HB', 11);
    // The client's subscription is newer than the broker's (SUBSCRIPTION_NOT_LATEST checks first).
    assert.equal(ahead.code, ResponseCode.SUBSCRIPTION_NOT_LATEST);
    // An older heartbeat does not replace the newer subscription's filter.
    await heartbeat(on, 'CG_HB', [{ subString: 'a < 0', subVersion: 5 }]);
    assert.deepEqual(bodies(await pullRegistered(on, 'CG_HB', 10)), ['m2', 'm4']);
    // A newer one that does not compile removes it: Java's FILTER_DATA_NOT_EXIST.
    await heartbeat(on, 'CG_HB', [{ subString: 'a >', subVersion: 20 }]);
    const gone = await pullRegistered(on, 'CG_HB', 20);
    assert.deepEqual(
      [gone.code, gone.remark],
      [
        ResponseCode.FILTER_DATA_NOT_EXIST,
        "The broker's consumer filter data is not exist!Your expression may be wrong!",
      ],
    );
  });

  it('long polling: a held SQL92 pull is woken by a matching message only', async () => {
    await put(on, 'SqlTopic', 1, [{ a: '0' }]);
    const held = sql(on, 'SqlTopic', 'a > 100', { queueId: 1, offset: 1n, suspendMillis: 20_000 });
    await new Promise((r) => setTimeout(r, 100));
    // Woken by this one, the re-run would find nothing matching and answer PULL_RETRY_IMMEDIATELY.
    await put(on, 'SqlTopic', 1, [{ a: '1' }]);
    await new Promise((r) => setTimeout(r, 100));
    await put(on, 'SqlTopic', 1, [{ a: '101' }]);
    const r = await held;
    assert.equal(r.code, 0);
    assert.deepEqual(bodies(r), ['m0']);
    assert.equal(records(r as Parameters<typeof records>[0])[0]?.queueOffset, 2n);
  });

  it('PullConsumer: MessageSelector.bySql is checked locally and with the brokers', async () => {
    const c = new PullConsumer({ nameServer: cluster.namesrvAddress, consumerGroup: 'CG_SQL_PULL' });
    await c.start();
    try {
      await assert.rejects(c.subscribe('SqlTopic', MessageSelector.bySql('a >')), (e: unknown) => {
        return e instanceof Sql92SyntaxError && e.position === 3 && e.code === 23;
      });
      await c.subscribe('SqlTopic', MessageSelector.bySql("region = 'eu' AND a > 3"));
      const got = await c.pollAll('SqlTopic', {
        subExpression: MessageSelector.bySql("region = 'eu' AND a > 3"),
      });
      assert.deepEqual(got.map((m) => m.body.toString()).sort(), ['m2', 'm4']);
      await assert.rejects(c.subscribe('SqlTopicB', MessageSelector.bySql('a > 0')), (e: unknown) => {
        return (
          e instanceof MQBrokerError &&
          e.code === ResponseCode.SYSTEM_ERROR &&
          e.message.includes('The broker does not support consumer to filter message by SQL92')
        );
      });
    } finally {
      await c.shutdown();
    }
  });

  it('rmq consume --sql prints the matching messages; a bad expression fails before connecting', async () => {
    const out: string[] = [];
    const io = { stdout: { write: (t: string) => out.push(t) }, stderr: { write: () => true }, env: {} };
    const argv = ['--namesrv', cluster.namesrvAddress, '--topic', 'SqlTopic', '--group', 'CG_SQL_CLI'];
    const code = await consumeCli(
      [...argv, '--from-beginning', '--timeout', '0', '--no-commit', '--sql', "region = 'eu' AND a > 3"],
      io,
    );
    assert.equal(code, 0);
    assert.deepEqual(out.map((l) => /body="(m\d)"/.exec(l)?.[1]).sort(), ['m2', 'm4']);
    await assert.rejects(consumeCli([...argv, '--sql', "region = 'eu"], io), (e: unknown) => {
      return (
        e instanceof CliError &&
        /--sql: invalid SQL92 expression at position 9: unterminated string/.test(e.message)
      );
    });
    await assert.rejects(
      consumeCli([...argv, '--sql', 'a > 1', '--tag', 'A'], io),
      /cannot be used together/,
    );
  });
});
