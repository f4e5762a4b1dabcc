/**
 * QUERY_MESSAGE (12) against our broker, as Java's mqadmin queryMsgByKey / queryMsgByUniqueKey and
 * the Dashboard send it: by any KEYS entry, by UNIQ_KEY with the unique-key flag, within a store-time
 * range, capped by maxNum and maxMsgsNumBatch, QUERY_NOT_FOUND with Java's remark and header, found
 * again after a restart (the recovery walk and the backfill after it rebuild the index), and the index
 * bound.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RequestCode } from '../../src/protocol/codes/request-code.js';
import { ResponseCode } from '../../src/protocol/codes/response-code.js';
import type { RemotingCommand } from '../../src/protocol/command/remoting-command.js';
import { QueryMessageRequestHeader } from '../../src/protocol/headers/offsets.js';
import { decodeProperties } from '../../src/protocol/message/properties.js';
import type { MessageRecord } from '../../src/protocol/message/record.js';
import { startEmbeddedCluster } from '../../src/server/embedded-cluster.js';
import type { EmbeddedCluster } from '../../src/server/embedded-cluster.js';
import type { RemotingClient } from '../../src/transport/index.js';
import { newClient, records, request, send, sendBatch } from '../helpers/broker-client.js';

const LONG_MAX = 9223372036854775807n;

describe('QUERY_MESSAGE', () => {
  let cluster: EmbeddedCluster;
  let client: RemotingClient;
  const addr = (i = 0): string => cluster.brokers[i]!.address;

  const query = (
    spec: { topic: string; key: string; maxNum?: number; begin?: number; end?: bigint; unique?: boolean },
    broker = 0,
  ): Promise<RemotingCommand> =>
    request(client, addr(broker), RequestCode.QUERY_MESSAGE, {
      ...QueryMessageRequestHeader.encode({
        topic: spec.topic,
        key: spec.key,
        maxNum: spec.maxNum ?? 32,
        beginTimestamp: BigInt(spec.begin ?? 0),
        endTimestamp: spec.end ?? LONG_MAX,
      }),
      ...(spec.unique === true && { _UNIQUE_KEY_QUERY: 'true' }),
    });
  const bodies = (r: RemotingCommand): string[] => records(r).map((m) => m.body.toString());
  const sendWith = async (topic: string, body: string, props: Record<string, string>, broker = 0) => {
    const r = await send(client, addr(broker), { topic, body, properties: { WAIT: 'true', ...props } });
    assert.equal(r.code, ResponseCode.SUCCESS, r.remark);
    return r;
  };
  const found = async (spec: Parameters<typeof query>[0], broker = 0): Promise<MessageRecord[]> => {
    const r = await query(spec, broker);
    assert.equal(r.code, ResponseCode.SUCCESS, r.remark);
    return records(r);
  };

  before(async () => {
    // Broker 0: segments of 64 KiB, so that a restart leaves messages below the recovery walk (last 3).
    cluster = await startEmbeddedCluster({
      brokers: [{ commitLogSegmentSize: 64 * 1024 }, { messageIndexMaxEntries: 6 }],
    });
    client = newClient();
  });

  after(async () => {
    await client.shutdown();
    await cluster.stop();
  });

  it('each record once, and maxNum counts records that hold the key (not repeats, not hash collisions)', async () => {
    await sendWith('QDup', 'old', { KEYS: 'k' });
    await sendWith('QDup', 'new', { KEYS: 'k k k', UNIQ_KEY: 'k' });
    assert.deepEqual(bodies(await query({ topic: 'QDup', key: 'k' })), ['old', 'new']);
    assert.deepEqual(bodies(await query({ topic: 'QDup', key: 'k', maxNum: 2 })), ['old', 'new']);
    // These two keys share their index hash in this topic; the newer one must not hide the older.
    await sendWith('QColl', 'victim', { KEYS: 'key-395212' });
    await sendWith('QColl', 'collider', { KEYS: 'key-1243080' });
    assert.deepEqual(bodies(await query({ topic: 'QColl', key: 'key-395212', maxNum: 1 })), ['victim']);
  });

  it('finds a message by each of its KEYS, in its topic only, with the response header', async () => {
    await sendWith('QKeys', 'one', { KEYS: 'order-1 customer-7' });
    await sendWith('QKeys', 'two', { KEYS: 'order-2 customer-7' });
    await sendWith('QKeysOther', 'elsewhere', { KEYS: 'order-1' });
    assert.deepEqual(bodies(await query({ topic: 'QKeys', key: 'order-1' })), ['one']);
    assert.deepEqual(bodies(await query({ topic: 'QKeys', key: 'order-2' })), ['two']);
    const both = await query({ topic: 'QKeys', key: 'customer-7' });
    assert.deepEqual(bodies(both), ['one', 'two'], 'in log order');
    const stored = records(both);
    assert.ok(Number(both.extFields!.indexLastUpdateTimestamp) >= stored[1]!.storeTimestamp);
    assert.ok(BigInt(both.extFields!.indexLastUpdatePhyoffset!) >= stored[1]!.physicalOffset);
    assert.deepEqual(bodies(await query({ topic: 'QKeysOther', key: 'order-1' })), ['elsewhere']);
    // Not a key: a prefix, the whole KEYS string.
    assert.equal((await query({ topic: 'QKeys', key: 'order' })).code, ResponseCode.QUERY_NOT_FOUND);
    assert.equal(
      (await query({ topic: 'QKeys', key: 'order-1 customer-7' })).code,
      ResponseCode.QUERY_NOT_FOUND,
    );
  });

  it('finds messages by UNIQ_KEY; the unique-key flag replaces maxNum by defaultQueryMaxNum (32)', async () => {
    const uniq = '7F000001000118B4AAC2520A12340000';
    for (const body of ['first', 'again', 'third']) await sendWith('QUniq', body, { UNIQ_KEY: uniq });
    const plain = await found({ topic: 'QUniq', key: uniq, maxNum: 1 });
    assert.deepEqual(
      plain.map((m) => m.body.toString()),
      ['third'],
      'maxNum 1: the newest',
    );
    const flagged = await found({ topic: 'QUniq', key: uniq, maxNum: 1, unique: true });
    assert.deepEqual(
      flagged.map((m) => m.body.toString()),
      ['first', 'again', 'third'],
    );
    assert.equal(decodeProperties(flagged[0]!.properties).UNIQ_KEY, uniq);
  });

  it('keeps to the store-time range [begin, end]', async () => {
    const times: number[] = [];
    for (const body of ['t0', 't1', 't2']) {
      await sendWith('QTime', body, { KEYS: 'timed' });
      const all = await found({ topic: 'QTime', key: 'timed' });
      times.push(all.at(-1)!.storeTimestamp);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const range = (begin: number, end: number) =>
      query({ topic: 'QTime', key: 'timed', begin, end: BigInt(end) }).then(bodies);
    assert.deepEqual(await range(times[1]!, times[1]!), ['t1']);
    assert.deepEqual(await range(times[1]!, Date.now() + 60_000), ['t1', 't2']);
    assert.deepEqual(await range(0, times[0]!), ['t0']);
    const none = await query({ topic: 'QTime', key: 'timed', begin: times[2]! + 1, end: LONG_MAX });
    assert.equal(none.code, ResponseCode.QUERY_NOT_FOUND);
  });

  it('returns the newest maxNum, at most maxMsgsNumBatch (64); batch messages are indexed too', async () => {
    const entries = Array.from({ length: 70 }, (_, i) => ({
      body: `b${i}`,
      properties: { KEYS: `batch-key b-${i}` },
    }));
    const r = await sendBatch(client, addr(), 'QBatch', entries);
    assert.equal(r.code, ResponseCode.SUCCESS, r.remark);
    const three = await found({ topic: 'QBatch', key: 'batch-key', maxNum: 3 });
    assert.deepEqual(
      three.map((m) => m.body.toString()),
      ['b67', 'b68', 'b69'],
    );
    const capped = await found({ topic: 'QBatch', key: 'batch-key', maxNum: 1000 });
    assert.equal(capped.length, 64);
    assert.equal(capped[0]!.body.toString(), 'b6');
    assert.deepEqual(bodies(await query({ topic: 'QBatch', key: 'b-12' })), ['b12']);
  });

  it('answers QUERY_NOT_FOUND with Java remark and a header of zeros', async () => {
    const r = await query({ topic: 'QKeys', key: 'no-such-key' });
    assert.equal(r.code, ResponseCode.QUERY_NOT_FOUND);
    assert.equal(r.remark, 'can not find message, maybe time range not correct');
    assert.equal(r.extFields!.indexLastUpdateTimestamp, '0');
    assert.equal(r.extFields!.indexLastUpdatePhyoffset, '0');
    assert.equal(r.body, undefined);
    const zero = await query({ topic: 'QKeys', key: 'order-1', maxNum: 0 });
    assert.equal(zero.code, ResponseCode.QUERY_NOT_FOUND);
  });

  it('drops the oldest entries beyond messageIndexMaxEntries', async () => {
    // Broker 1 keeps 6 entries: 8 messages with one key each leave the last 6.
    for (let i = 0; i < 8; i++) await sendWith('QBound', `m${i}`, { KEYS: `bound-${i} ` }, 1);
    const r0 = await query({ topic: 'QBound', key: 'bound-0' }, 1);
    assert.equal(r0.code, ResponseCode.QUERY_NOT_FOUND);
    assert.equal((await query({ topic: 'QBound', key: 'bound-1' }, 1)).code, ResponseCode.QUERY_NOT_FOUND);
    assert.deepEqual(bodies(await query({ topic: 'QBound', key: 'bound-2' }, 1)), ['m2']);
    assert.deepEqual(bodies(await query({ topic: 'QBound', key: 'bound-7' }, 1)), ['m7']);
  });

  it('finds messages stored before a restart, older segments too (the backfill after recovery)', async () => {
    await sendWith('QRestart', 'before', { KEYS: 'survives', UNIQ_KEY: 'AC1100020001000000000000000000AA' });
    // ~300 KiB after it: the messages above are in segments the recovery walk does not visit.
    const filler = Array.from({ length: 50 }, (_, i) => ({
      body: `f${i}|`.padEnd(1000, '.'),
      properties: {},
    }));
    for (let i = 0; i < 6; i++)
      assert.equal((await sendBatch(client, addr(), 'QFill', filler)).code, ResponseCode.SUCCESS);
    await cluster.stopBroker(0);
    await cluster.startBroker(0);
    // The backfill runs after the store opened: poll (it takes a few milliseconds here).
    const eventually = async (spec: Parameters<typeof query>[0]): Promise<string[]> => {
      for (const deadline = Date.now() + 5000; ; await new Promise((resolve) => setTimeout(resolve, 10))) {
        const r = await query(spec);
        if (r.code === ResponseCode.SUCCESS || Date.now() > deadline) return bodies(r);
      }
    };
    assert.deepEqual(await eventually({ topic: 'QRestart', key: 'survives' }), ['before']);
    const byUniq = { topic: 'QRestart', key: 'AC1100020001000000000000000000AA', unique: true };
    assert.deepEqual(await eventually(byUniq), ['before']);
    assert.deepEqual(await eventually({ topic: 'QKeys', key: 'order-1' }), ['one']);
    assert.equal((await eventually({ topic: 'QBatch', key: 'batch-key', maxNum: 1000 })).length, 64);
  });
});
