/**
 * The broker side of transactional messages over loopback, with raw requests (no transaction
 * producer): half messages invisible until committed, commit delivered once, rollback never, the
 * check request sent to a live connection of the producer group and answered with END_TRANSACTION,
 * the check-max topic, and END_TRANSACTION's validation codes and remarks (Java EndTransactionProcessor).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startEmbeddedCluster } from '../../src/server/embedded-cluster.js';
import type { EmbeddedCluster } from '../../src/server/embedded-cluster.js';
import type { RemotingClient } from '../../src/transport/index.js';
import { ResponseCode } from '../../src/protocol/codes/response-code.js';
import { MessageSysFlag } from '../../src/protocol/message/constants.js';
import { decodeProperties } from '../../src/protocol/message/properties.js';
import { javaHashMapKeyOrder } from '../../src/protocol/java/hash-map.js';
import { encodeOffsetMessageId } from '../../src/protocol/message/message-id.js';
import { newClient, pullAll, request, send } from '../helpers/broker-client.js';
import { RequestCode } from '../../src/protocol/codes/request-code.js';
import { CheckCatcher, TX, endHalf, endRequest, endTx, sendHalf } from '../helpers/transaction-client.js';
import { waitFor } from '../helpers/wait.js';
import { rmq } from '../helpers/cli.js';
import { transactionOptionsFromFlags } from '../../src/cli/transaction-flags.js';
import { DEFAULT_BROKER_OPTIONS, resolveBrokerOptions } from '../../src/server/broker/core/broker-config.js';

const TIMEOUT_MS = 300;
const CHECK_MAX = 2;
let cluster: EmbeddedCluster;
let client: RemotingClient;
let addr: string;
const catchers: CheckCatcher[] = [];

before(async () => {
  cluster = await startEmbeddedCluster({
    transactions: {
      transactionCheckIntervalMillis: 50,
      transactionTimeoutMillis: TIMEOUT_MS,
      transactionCheckMax: CHECK_MAX,
    },
    brokers: [{}, { rejectTransactionMessage: true }],
  });
  client = newClient();
  addr = cluster.brokers[0]!.address;
});

after(async () => {
  await client.shutdown();
  for (const c of catchers) await c.client.shutdown();
  await cluster.stop();
});

function catcher(id: string): CheckCatcher {
  const c = new CheckCatcher(id);
  catchers.push(c);
  return c;
}

describe('half messages', () => {
  it('stays invisible until committed, then is delivered once with Java flags and properties', async () => {
    const half = await sendHalf(client, addr, { topic: 'TX_COMMIT', group: 'PG_COMMIT', queueId: 1 });
    assert.equal(half.response.code, ResponseCode.SUCCESS);
    assert.equal(half.response.extFields?.queueId, '1');
    assert.deepEqual(await pullAll(client, addr, 'TX_COMMIT', 1), []);
    const stored = await pullAll(client, addr, 'RMQ_SYS_TRANS_HALF_TOPIC', 0);
    const h = stored.find((r) => decodeProperties(r.properties).UNIQ_KEY === half.uniqKey);
    assert.ok(h, 'the half is stored in RMQ_SYS_TRANS_HALF_TOPIC queue 0');
    assert.equal(h.physicalOffset, half.commitLogOffset);
    assert.equal(h.queueOffset, half.queueOffset);
    assert.equal(h.sysFlag & MessageSysFlag.TRANSACTION_MASK, MessageSysFlag.TRANSACTION_NOT_TYPE);
    const hp = decodeProperties(h.properties);
    assert.equal(hp.REAL_TOPIC, 'TX_COMMIT');
    assert.equal(hp.REAL_QID, '1');

    const end = await endHalf(client, addr, half, TX.COMMIT);
    assert.equal(end.code, ResponseCode.SUCCESS);
    assert.equal(end.remark, undefined);
    const again = await endHalf(client, addr, half, TX.COMMIT);
    assert.equal(again.code, ResponseCode.SUCCESS, 'a repeated commit is answered as done');
    const opposite = await endHalf(client, addr, half, TX.ROLLBACK);
    assert.equal(opposite.code, ResponseCode.SYSTEM_ERROR);
    assert.equal(opposite.remark, 'The transaction has already been committed');

    const got = await pullAll(client, addr, 'TX_COMMIT', 1);
    assert.equal(got.length, 1, 'delivered exactly once');
    const m = got[0]!;
    assert.equal(m.body.toString(), 'tx-body');
    assert.equal(m.sysFlag & MessageSysFlag.TRANSACTION_MASK, MessageSysFlag.TRANSACTION_COMMIT_TYPE);
    assert.equal(m.preparedTransactionOffset, half.commitLogOffset);
    const p = decodeProperties(m.properties);
    assert.equal(p.UNIQ_KEY, half.uniqKey);
    assert.equal(p.KEYS, 'k1');
    assert.equal(p.TAGS, 'tagA');
    assert.equal(p.PGROUP, 'PG_COMMIT');
    // Java clears these from the map after building the stored string: they stay stored.
    assert.equal(p.TRAN_MSG, 'true');
    assert.equal(p.REAL_TOPIC, 'TX_COMMIT');
  });

  it('stores the half and the commit in the order of Java’s map, WAIT put back after PGROUP', async () => {
    // A Java producer's Message puts WAIT before TRAN_MSG and PGROUP; WAIT and PGROUP share bucket 13
    // of 16, so the request string has WAIT first. 4.9.8 removes WAIT for the first string and puts it
    // back (last in its bucket) before parseHalfMessageInner serializes the map again.
    const uniqKey = 'ORDER0000000000000000000000000001';
    const sent = ['WAIT', 'KEYS', 'TAGS', 'UNIQ_KEY', 'TRAN_MSG', 'PGROUP'];
    const values: Record<string, string> = {
      WAIT: 'true',
      KEYS: 'k1',
      TAGS: 'tagA',
      UNIQ_KEY: uniqKey,
      TRAN_MSG: 'true',
      PGROUP: 'PG_ORDER',
      CLUSTER: 'DefaultCluster',
      REAL_TOPIC: 'TX_ORDER',
      REAL_QID: '0',
    };
    const request = javaHashMapKeyOrder(sent);
    assert.ok(request.indexOf('WAIT') < request.indexOf('PGROUP'), 'the client string has WAIT first');
    const r = await send(client, addr, {
      topic: 'TX_ORDER',
      producerGroup: 'PG_ORDER',
      queueId: 0,
      sysFlag: MessageSysFlag.TRANSACTION_PREPARED_TYPE,
      properties: Object.fromEntries(request.map((k) => [k, values[k]!])),
    });
    assert.equal(r.code, ResponseCode.SUCCESS);
    const history = [...request.filter((k) => k !== 'WAIT'), 'CLUSTER', 'WAIT', 'REAL_TOPIC', 'REAL_QID'];
    const order = javaHashMapKeyOrder(history);
    assert.ok(order.indexOf('PGROUP') < order.indexOf('WAIT'), 'WAIT follows PGROUP once put back');
    const storedKeys = (properties: string): string[] =>
      properties
        .split('\u0002')
        .filter((e) => e !== '' && !e.startsWith('__CRC32#'))
        .map((e) => e.split('\u0001')[0]!);
    const halves = await pullAll(client, addr, 'RMQ_SYS_TRANS_HALF_TOPIC', 0);
    const h = halves.find((m) => decodeProperties(m.properties).UNIQ_KEY === uniqKey);
    assert.ok(h, 'the half is stored');
    assert.deepEqual(storedKeys(h.properties), order);

    const msgId = r.extFields?.msgId ?? '';
    const end = await endHalf(
      client,
      addr,
      {
        response: r,
        uniqKey,
        group: 'PG_ORDER',
        msgId,
        commitLogOffset: h.physicalOffset,
        queueOffset: h.queueOffset,
      },
      TX.COMMIT,
    );
    assert.equal(end.code, ResponseCode.SUCCESS);
    const [m] = await pullAll(client, addr, 'TX_ORDER', 0);
    assert.ok(m, 'the commit is delivered');
    // EndTransactionProcessor serializes the half's decoded map: the half's order carries over.
    assert.deepEqual(storedKeys(m.properties), order);
  });

  it('is never delivered after a rollback, and never checked', async () => {
    const c = catcher('10.0.0.2@rb');
    assert.equal((await c.heartbeat(addr, 'PG_ROLLBACK')).code, ResponseCode.SUCCESS);
    const half = await sendHalf(client, addr, { topic: 'TX_ROLLBACK', group: 'PG_ROLLBACK' });
    assert.equal((await endHalf(client, addr, half, TX.ROLLBACK)).code, ResponseCode.SUCCESS);
    const commitAfter = await endHalf(client, addr, half, TX.COMMIT);
    assert.equal(commitAfter.remark, 'The transaction has already been rolled back');
    // Past the transaction timeout plus a few check rounds.
    const broker = cluster.brokers[0]!;
    await new Promise((r) => setTimeout(r, TIMEOUT_MS + 50));
    await broker.transactions.checkNow();
    await broker.transactions.checkNow();
    assert.deepEqual(await pullAll(client, addr, 'TX_ROLLBACK', 0), []);
    assert.equal(c.checks.length, 0);
  });

  it('is refused with NO_PERMISSION by a broker with rejectTransactionMessage', async () => {
    const r = await sendHalf(client, cluster.brokers[1]!.address, { topic: 'TX_REJECT', group: 'PG_R' });
    assert.equal(r.response.code, ResponseCode.NO_PERMISSION);
    assert.match(r.response.remark ?? '', /sending transaction message is forbidden/);
  });
});

describe('the check', { concurrency: true }, () => {
  it('asks a producer of the group about an unknown transaction; its commit answer delivers once', async () => {
    const c = catcher('10.0.0.3@chk');
    await c.heartbeat(addr, 'PG_CHECK');
    const half = await sendHalf(client, addr, { topic: 'TX_CHECK', group: 'PG_CHECK', body: 'check-me' });
    const sentAt = Date.now();
    await client.invokeOneway(
      addr,
      endRequest({
        group: 'PG_CHECK',
        tranStateTableOffset: half.queueOffset,
        commitLogOffset: half.commitLogOffset,
        commitOrRollback: TX.UNKNOWN,
        msgId: half.uniqKey,
      }),
      3000,
    );
    const check = await waitFor('a check request', () =>
      c.checks.find((k) => k.header.msgId === half.uniqKey),
    );
    const born = check.message.bornTimestamp;
    console.log(
      `# half born -> check received: ${check.at - born} ms (end sent after ${sentAt - born} ms; timeout ${TIMEOUT_MS} ms, interval 50 ms)`,
    );
    const h = check.header;
    assert.equal(h.transactionId, half.uniqKey);
    assert.equal(h.topic, 'RMQ_SYS_TRANS_HALF_TOPIC');
    assert.equal(h.bname, cluster.brokers[0]!.brokerName);
    assert.ok(h.commitLogOffset > half.commitLogOffset, 'the check names the copy put back');
    assert.ok(h.tranStateTableOffset > half.queueOffset);
    const b = cluster.brokers[0]!;
    assert.equal(h.offsetMsgId, encodeOffsetMessageId({ ip: '127.0.0.1', port: b.port }, h.commitLogOffset));
    assert.equal(check.message.topic, 'TX_CHECK');
    assert.equal(check.message.body.toString(), 'check-me');
    assert.equal(check.message.physicalOffset, h.commitLogOffset);
    assert.equal(decodeProperties(check.message.properties).TRANSACTION_CHECK_TIMES, '1');

    const r = await c.answer(addr, check, 'PG_CHECK', TX.COMMIT);
    assert.equal(r.code, ResponseCode.SUCCESS);
    const late = await endHalf(client, addr, half, TX.COMMIT); // the producer's own END, late
    assert.equal(late.code, ResponseCode.SUCCESS);
    await cluster.brokers[0]!.transactions.checkNow();
    const got = await pullAll(client, addr, 'TX_CHECK', 0);
    assert.equal(got.length, 1);
    assert.equal(got[0]!.body.toString(), 'check-me');
  });

  it('a rollback answer to the check is final; two connections, one gone, the live one is asked', async () => {
    const gone = catcher('10.0.0.4@gone');
    const live = catcher('10.0.0.5@live');
    await gone.heartbeat(addr, 'PG_TWO');
    await live.heartbeat(addr, 'PG_TWO');
    await gone.client.shutdown();
    await waitFor('the broker to drop the closed connection', () =>
      (cluster.brokers[0]!.clients.producers.get('PG_TWO')?.size ?? 0) === 1 ? true : undefined,
    );
    const halves = [];
    for (let i = 0; i < 3; i++)
      halves.push(await sendHalf(client, addr, { topic: 'TX_TWO', group: 'PG_TWO' }));
    for (const half of halves) {
      const check = await waitFor('a check on the live connection', () =>
        live.checks.find((k) => k.header.msgId === half.uniqKey),
      );
      assert.equal((await live.answer(addr, check, 'PG_TWO', TX.ROLLBACK)).code, ResponseCode.SUCCESS);
    }
    await cluster.brokers[0]!.transactions.checkNow();
    assert.deepEqual(await pullAll(client, addr, 'TX_TWO', 0), []);
    assert.equal(gone.checks.length, 0);
  });

  it('holds the check for CHECK_IMMUNITY_TIME_IN_SECONDS; each put-back counts (Java), up to the max', async () => {
    const c = catcher('10.0.0.6@immune');
    await c.heartbeat(addr, 'PG_IMMUNE');
    const half = await sendHalf(client, addr, {
      topic: 'TX_IMMUNE',
      group: 'PG_IMMUNE',
      props: { CHECK_IMMUNITY_TIME_IN_SECONDS: '60' },
    });
    // Inside its immunity the half is put back each round, marked with its first queue offset, and
    // Java's needDiscard raises TRANSACTION_CHECK_TIMES before that: with transactionCheckMax 2 it
    // reaches the check-max topic without ever being checked.
    const moved = await waitFor('the check-max topic', async () => {
      const all = await pullAll(client, addr, 'TRANS_CHECK_MAX_TIME_TOPIC', 0);
      return all.find((r) => decodeProperties(r.properties).UNIQ_KEY === half.uniqKey);
    });
    const p = decodeProperties(moved.properties);
    assert.equal(p.TRAN_PREPARED_QUEUE_OFFSET, String(half.queueOffset));
    assert.equal(p.TRANSACTION_CHECK_TIMES, String(CHECK_MAX));
    assert.equal(c.checks.length, 0);
  });

  it('moves a transaction checked transactionCheckMax times to TRANS_CHECK_MAX_TIME_TOPIC', async () => {
    const half = await sendHalf(client, addr, { topic: 'TX_MAX', group: 'PG_NOBODY', body: 'given-up' });
    const moved = await waitFor('the check-max topic', async () => {
      const all = await pullAll(client, addr, 'TRANS_CHECK_MAX_TIME_TOPIC', 0);
      return all.find((r) => decodeProperties(r.properties).UNIQ_KEY === half.uniqKey);
    });
    assert.equal(moved.body.toString(), 'given-up');
    const p = decodeProperties(moved.properties);
    assert.equal(p.TRANSACTION_CHECK_TIMES, String(CHECK_MAX));
    assert.equal(p.REAL_TOPIC, 'TX_MAX');
    assert.equal(cluster.brokers[0]!.topics.select('TRANS_CHECK_MAX_TIME_TOPIC')?.readQueueNums, 1);
    assert.deepEqual(await pullAll(client, addr, 'TX_MAX', 0), []);
  });
});

describe('END_TRANSACTION validation (Java codes and remarks)', () => {
  it('refuses wrong offsets, a wrong group, unknown types, non-half offsets and late ends past immunity', async () => {
    const half = await sendHalf(client, addr, { topic: 'TX_VALID', group: 'PG_V' });
    const base = {
      group: 'PG_V',
      tranStateTableOffset: half.queueOffset,
      commitLogOffset: half.commitLogOffset,
      commitOrRollback: TX.COMMIT as number,
      msgId: half.uniqKey,
    };
    const cases: [Partial<typeof base>, number, string | undefined][] = [
      [{ group: 'PG_OTHER' }, ResponseCode.SYSTEM_ERROR, 'The producer group wrong'],
      [
        { tranStateTableOffset: half.queueOffset + 1000n },
        ResponseCode.SYSTEM_ERROR,
        'The transaction state table offset wrong',
      ],
      [
        { commitLogOffset: half.commitLogOffset + 1n },
        ResponseCode.SYSTEM_ERROR,
        'Find prepared transaction message failed',
      ],
      [{ commitLogOffset: -5n }, ResponseCode.SYSTEM_ERROR, 'Find prepared transaction message failed'],
      [{ commitLogOffset: 2n ** 62n }, ResponseCode.SYSTEM_ERROR, 'Find prepared transaction message failed'],
      [{ commitOrRollback: 5 as number }, ResponseCode.SYSTEM_ERROR, 'commitOrRollback field wrong'],
    ];
    for (const [change, code, remark] of cases) {
      const r = await endTx(client, addr, { ...base, ...change });
      assert.equal(
        r.code,
        code,
        JSON.stringify(change, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v)),
      );
      assert.equal(r.remark, remark);
    }
    // A plain message's offset is not a half message.
    const plain = await send(client, addr, { topic: 'TX_VALID', producerGroup: 'PG_V' });
    const { decodeOffsetMessageId } = await import('../../src/protocol/message/message-id.js');
    const plainOffset = decodeOffsetMessageId(plain.extFields!.msgId!).commitLogOffset;
    const r = await endTx(client, addr, { ...base, commitLogOffset: plainOffset });
    assert.equal(r.remark, 'Find prepared transaction message failed');
    // None of the refusals ended it.
    assert.equal((await endTx(client, addr, base)).code, ResponseCode.SUCCESS);
    assert.equal(
      (await pullAll(client, addr, 'TX_VALID', 0)).filter((m) => m.body.toString() === 'tx-body').length,
      1,
    );

    // 5.x: an END (not from a check) after the half's own check immunity time is left to the check.
    const immune = await sendHalf(client, addr, {
      topic: 'TX_VALID',
      group: 'PG_V',
      props: { CHECK_IMMUNITY_TIME_IN_SECONDS: '0' },
    });
    await new Promise((res) => setTimeout(res, 5));
    const late = await endHalf(client, addr, immune, TX.COMMIT);
    assert.equal(late.code, ResponseCode.ILLEGAL_OPERATION);
  });
});

describe('options', () => {
  it("has Java's defaults (4.9.8) and refuses bad values, also as CLI flags", async () => {
    assert.equal(DEFAULT_BROKER_OPTIONS.transactionTimeoutMillis, 6000);
    assert.equal(DEFAULT_BROKER_OPTIONS.transactionCheckMax, 15);
    assert.equal(DEFAULT_BROKER_OPTIONS.transactionCheckIntervalMillis, 60_000);
    assert.equal(DEFAULT_BROKER_OPTIONS.rejectTransactionMessage, false);
    assert.throws(
      () => resolveBrokerOptions({ transactionCheckMax: 0 }),
      /transactionCheckMax must be an integer >= 1/,
    );
    assert.throws(
      () => resolveBrokerOptions({ transactionCheckIntervalMillis: 0 }),
      /transactionCheckIntervalMillis/,
    );
    assert.throws(() => resolveBrokerOptions({ transactionTimeoutMillis: -1 }), /transactionTimeoutMillis/);
    assert.deepEqual(
      transactionOptionsFromFlags({
        'transaction-check-interval-ms': '250',
        'transaction-timeout-ms': '0',
        'transaction-check-max': '3',
      }),
      { transactionCheckIntervalMillis: 250, transactionTimeoutMillis: 0, transactionCheckMax: 3 },
    );
    const config = await request(client, addr, RequestCode.GET_BROKER_CONFIG);
    const text = config.body!.toString();
    assert.match(text, /^transactionTimeOut=300$/m);
    assert.match(text, /^transactionCheckMax=2$/m);
    assert.match(text, /^transactionCheckInterval=50$/m);
    assert.match(text, /^rejectTransactionMessage=false$/m);
    const bad = await rmq(['dev', '--transaction-check-max', '0']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^rmq: --transaction-check-max must be between 1 and/);
    const nan = await rmq(['broker', '--namesrv', '127.0.0.1:1', '--transaction-timeout-ms', 'soon']);
    assert.match(nan.stderr, /^rmq: --transaction-timeout-ms must be a whole number/);
  });
});
