/**
 * INVOKE_BROKER_TO_RESET_OFFSET (222) on one embedded broker (Java Broker2Client.resetOffset): our push
 * consumers online move to the new offsets (re-consume, skip, or keep with isForce false); the answer
 * carries the table; an offline group gets CONSUMER_NOT_ONLINE (mqadmin's cue for its old path); the
 * push itself (RESET_CONSUMER_CLIENT_OFFSET, oneway, to every connection; the C++ body for CPP).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Producer } from '../../src/client/producer/producer.js';
import { PushConsumer } from '../../src/client/consumer/index.js';
import type { PushConsumerOptions } from '../../src/client/consumer/index.js';
import { startEmbeddedCluster } from '../../src/server/embedded-cluster.js';
import type { EmbeddedCluster } from '../../src/server/embedded-cluster.js';
import { RemotingClient } from '../../src/transport/index.js';
import { RequestCode, ResponseCode } from '../../src/protocol/codes/index.js';
import { CommandFlag } from '../../src/protocol/codes/misc.js';
import { createRequest } from '../../src/protocol/command/remoting-command.js';
import type { RemotingCommand } from '../../src/protocol/command/remoting-command.js';
import { decodeResetOffsetBody } from '../../src/protocol/body/reset-offset-body.js';
import type { ResetOffsetEntry } from '../../src/protocol/body/reset-offset-body.js';
import { encodeHeartbeatData } from '../../src/protocol/body/heartbeat.js';
import { ResetOffsetRequestHeader } from '../../src/protocol/headers/client.js';
import { request, TIMEOUT } from '../helpers/broker-client.js';
import { rmq } from '../helpers/cli.js';
import { consumerData } from '../helpers/heartbeats.js';
import { createTopic, waitFor } from './consumer-helpers.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('INVOKE_BROKER_TO_RESET_OFFSET', () => {
  let cluster: EmbeddedCluster;
  let broker: string;
  let producer: Producer;
  let admin: RemotingClient;
  const consumers: PushConsumer[] = [];
  const clients: RemotingClient[] = [];

  before(async () => {
    cluster = await startEmbeddedCluster({ brokers: 1 });
    broker = cluster.brokers[0]!.address;
    await Promise.all(
      ['ResetTime', 'ResetMax', 'ResetKeep', 'ResetOffline', 'ResetPush'].map((t) =>
        createTopic(cluster, t, 2),
      ),
    );
    producer = new Producer({ nameServer: cluster.namesrvAddress, producerGroup: 'reset_test_pg' });
    await producer.start();
    admin = new RemotingClient();
  });

  after(async () => {
    await Promise.all(consumers.map((c) => c.shutdown()));
    await producer?.shutdown();
    await admin?.shutdown();
    for (const c of clients) await c.shutdown();
    await cluster?.stop();
  });

  const reset = (
    topic: string,
    group: string,
    timestamp: number,
    isForce: boolean,
    extra: { language?: 'CPP'; queueId?: number; offset?: bigint } = {},
  ): Promise<RemotingCommand> => {
    const { language, ...fields } = extra;
    const req = createRequest(RequestCode.INVOKE_BROKER_TO_RESET_OFFSET, {
      extFields: ResetOffsetRequestHeader.encode({ topic, group, timestamp, isForce, ...fields }),
      ...(language && { language }),
    });
    return admin.invokeSync(broker, req, TIMEOUT);
  };
  const tableOf = (r: RemotingCommand): ResetOffsetEntry[] => {
    assert.equal(r.code, ResponseCode.SUCCESS, r.remark);
    return decodeResetOffsetBody(r.body!).sort((a, b) => a.queueId - b.queueId);
  };
  /** The group's committed offset on the broker, -1n when none. */
  const committed = async (group: string, topic: string, queueId: number): Promise<bigint> => {
    const r = await request(admin, broker, RequestCode.QUERY_CONSUMER_OFFSET, {
      consumerGroup: group,
      topic,
      queueId: String(queueId),
    });
    return r.code === ResponseCode.SUCCESS ? BigInt(r.extFields!.offset!) : -1n;
  };
  const committedAre = async (group: string, topic: string, want: bigint[]): Promise<true | undefined> => {
    for (let q = 0; q < want.length; q++)
      if ((await committed(group, topic, q)) !== want[q]) return undefined;
    return true;
  };
  const commit = async (group: string, topic: string, queueId: number, offset: bigint): Promise<void> => {
    const r = await request(admin, broker, RequestCode.UPDATE_CONSUMER_OFFSET, {
      consumerGroup: group,
      topic,
      queueId: String(queueId),
      commitOffset: String(offset),
    });
    assert.equal(r.code, ResponseCode.SUCCESS, r.remark);
  };
  /** Sends `n` messages `prefix-i` one after the other (round robin over the two queues). */
  const send = async (topic: string, prefix: string, n: number) => {
    const sent: { body: string; queueId: number; offset: bigint }[] = [];
    for (let i = 0; i < n; i++) {
      const r = await producer.send({ topic, body: Buffer.from(`${prefix}-${i}`) });
      sent.push({ body: `${prefix}-${i}`, queueId: r.messageQueue.queueId, offset: r.queueOffset });
    }
    return sent;
  };
  /** A push consumer counting deliveries by body. */
  const consumer = async (group: string, topic: string, extra: Partial<PushConsumerOptions> = {}) => {
    const seen = new Map<string, number>();
    const c = new PushConsumer({
      nameServer: cluster.namesrvAddress,
      consumerGroup: group,
      instanceName: group,
      consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
      rebalanceInterval: 300,
      persistConsumerOffsetInterval: 200,
      heartbeatBrokerInterval: 500,
      pullTimeDelayMillsWhenException: 200,
      handler: (m) => {
        const body = m.body.toString();
        seen.set(body, (seen.get(body) ?? 0) + 1);
      },
      ...extra,
    });
    consumers.push(c);
    await c.subscribe(topic);
    await c.start();
    return seen;
  };
  const allSeen = (seen: Map<string, number>, bodies: string[], times = 1) =>
    bodies.every((b) => (seen.get(b) ?? 0) >= times) ? true : undefined;

  it('by timestamp: the online consumer re-consumes from that time, isForce false moving to a lower offset', async () => {
    const group = 'reset_time_cg';
    const seen = await consumer(group, 'ResetTime');
    const first = await send('ResetTime', 'A', 4);
    await sleep(20);
    const at = Date.now();
    await sleep(20);
    const second = await send('ResetTime', 'B', 4);
    const all = [...first, ...second].map((s) => s.body);
    await waitFor('every message consumed', () => allSeen(seen, all));
    await waitFor('offsets committed to the end', () => committedAre(group, 'ResetTime', [4n, 4n]));

    const table = tableOf(await reset('ResetTime', group, at, false));
    const firstOfSecond = [0, 1].map((q) =>
      second.filter((s) => s.queueId === q).reduce((min, s) => (s.offset < min ? s.offset : min), 4n),
    );
    assert.deepEqual(
      table,
      [0, 1].map((q) => ({
        topic: 'ResetTime',
        brokerName: 'broker-a',
        queueId: q,
        offset: firstOfSecond[q],
      })),
    );
    await waitFor('the second batch consumed again', () =>
      allSeen(
        seen,
        second.map((s) => s.body),
        2,
      ),
    );
    for (const s of first) assert.equal(seen.get(s.body), 1, `${s.body} is before the time: not again`);
    await waitFor('offsets committed to the end again', () => committedAre(group, 'ResetTime', [4n, 4n]));
  });

  it('timestamp -1: the queues move to their max offsets, what was not pulled yet is skipped', async () => {
    const group = 'reset_max_cg';
    await send('ResetMax', 'A', 4);
    // After a message found, the next pull waits pullInterval: B is stored but not pulled.
    const seen = await consumer(group, 'ResetMax', { pullInterval: 65535 });
    await waitFor('the first batch consumed', () => allSeen(seen, ['A-0', 'A-1', 'A-2', 'A-3']));
    await waitFor('offsets committed', () => committedAre(group, 'ResetMax', [2n, 2n]));
    const skipped = await send('ResetMax', 'B', 4);

    const table = tableOf(await reset('ResetMax', group, -1, true));
    assert.deepEqual(
      table.map((e) => [e.queueId, e.offset]),
      [
        [0, 4n],
        [1, 4n],
      ],
    );
    await waitFor('committed offsets at the max', () => committedAre(group, 'ResetMax', [4n, 4n]));
    const after = await send('ResetMax', 'C', 2);
    await waitFor('messages sent after the reset consumed', () =>
      allSeen(
        seen,
        after.map((s) => s.body),
      ),
    );
    for (const s of skipped) assert.equal(seen.get(s.body), undefined, `${s.body} skipped`);
    await waitFor('committed past the new messages', () => committedAre(group, 'ResetMax', [5n, 5n]));
  });

  it('isForce false keeps an offset already below the target; the consumer still gets those messages', async () => {
    const group = 'reset_keep_cg';
    await send('ResetKeep', 'A', 2);
    const seen = await consumer(group, 'ResetKeep', { pullInterval: 65535 });
    await waitFor('the first batch consumed', () => allSeen(seen, ['A-0', 'A-1']));
    await waitFor('offsets committed', () => committedAre(group, 'ResetKeep', [1n, 1n]));
    const pending = await send('ResetKeep', 'B', 4);

    const table = tableOf(await reset('ResetKeep', group, -1, false));
    assert.deepEqual(
      table.map((e) => [e.queueId, e.offset]),
      [
        [0, 1n],
        [1, 1n],
      ],
    );
    // The push makes the consumer take its queues again from the kept offsets: B is pulled now.
    await waitFor('the pending messages consumed', () =>
      allSeen(
        seen,
        pending.map((s) => s.body),
      ),
    );
    for (const s of pending) assert.equal(seen.get(s.body), 1);
    await waitFor('committed to the end', () => committedAre(group, 'ResetKeep', [3n, 3n]));
  });

  it('a group with committed offsets but no consumer online: CONSUMER_NOT_ONLINE, nothing changed', async () => {
    const group = 'reset_offline_cg';
    await send('ResetOffline', 'A', 4);
    await commit(group, 'ResetOffline', 0, 1n);
    await commit(group, 'ResetOffline', 1, 2n);
    const r = await reset('ResetOffline', group, 0, true);
    assert.equal(r.code, ResponseCode.CONSUMER_NOT_ONLINE, r.remark);
    assert.match(
      r.remark ?? '',
      /Consumer not online, so can not reset offset, Group: reset_offline_cg Topic: ResetOffline/,
    );
    assert.equal(await committedAre(group, 'ResetOffline', [1n, 2n]), true);
  });

  it('an unknown topic: TOPIC_NOT_EXIST; a queue without a committed offset: the group does not exist', async () => {
    const missing = await reset('NoSuchResetTopic', 'reset_offline_cg', -1, true);
    assert.equal(missing.code, ResponseCode.TOPIC_NOT_EXIST, missing.remark);
    assert.match(missing.remark ?? '', /no topic in this broker\. topic=NoSuchResetTopic/);
    const never = await reset('ResetOffline', 'reset_never_cg', -1, true);
    assert.equal(never.code, ResponseCode.SYSTEM_ERROR);
    assert.equal(never.remark, 'THe consumer group <reset_never_cg> not exist');
  });

  it('the push: RESET_CONSUMER_CLIENT_OFFSET oneway to every connection of the group, C++ body for CPP', async () => {
    const group = 'reset_push_cg';
    const pushes: RemotingCommand[][] = [[], []];
    for (const [i, id] of ['fake-1', 'fake-2'].entries()) {
      const c = new RemotingClient();
      clients.push(c);
      c.registerProcessor(RequestCode.RESET_CONSUMER_CLIENT_OFFSET, {
        processRequest: (_ctx, req) => {
          pushes[i]!.push(req);
          return undefined;
        },
      });
      const hb = encodeHeartbeatData({
        clientID: id,
        producerDataSet: [],
        consumerDataSet: [consumerData(group, ['ResetPush'])],
      });
      assert.equal((await request(c, broker, RequestCode.HEART_BEAT, {}, hb)).code, ResponseCode.SUCCESS);
    }
    await send('ResetPush', 'A', 4);
    // No committed offset yet: refused, nothing pushed.
    assert.equal((await reset('ResetPush', group, 0, true)).code, ResponseCode.SYSTEM_ERROR);
    await commit(group, 'ResetPush', 0, 2n);
    await commit(group, 'ResetPush', 1, 2n);

    const table = tableOf(await reset('ResetPush', group, 0, true));
    assert.deepEqual(
      table.map((e) => e.offset),
      [0n, 0n],
    );
    await waitFor('a push on both connections', () =>
      pushes.every((p) => p.length === 1) ? true : undefined,
    );
    for (const [p] of pushes) {
      assert.ok((p!.flag & CommandFlag.ONEWAY) !== 0, 'oneway');
      assert.deepEqual(ResetOffsetRequestHeader.decode(p!.extFields), {
        topic: 'ResetPush',
        group,
        timestamp: 0,
        isForce: false,
      });
      assert.deepEqual(
        decodeResetOffsetBody(p!.body!).sort((a, b) => a.queueId - b.queueId),
        table,
      );
    }
    // The broker commits the table too.
    assert.equal(await committedAre(group, 'ResetPush', [0n, 0n]), true);

    // A request in the CPP language: the consumers get ResetOffsetBodyForC; the answer is the same body.
    const cpp = tableOf(await reset('ResetPush', group, -1, true, { language: 'CPP' }));
    assert.deepEqual(
      cpp.map((e) => e.offset),
      [2n, 2n],
    );
    await waitFor('the second push', () => (pushes.every((p) => p.length === 2) ? true : undefined));
    assert.equal(
      pushes[0]![1]!.body!.toString(),
      '{"offsetTable":[{"brokerName":"broker-a","offset":2,"queueId":0,"topic":"ResetPush"},' +
        '{"brokerName":"broker-a","offset":2,"queueId":1,"topic":"ResetPush"}]}',
    );

    // 5.x: one named queue, to a given offset (what mqadmin resetOffsetByQueueId sends).
    const one = tableOf(await reset('ResetPush', group, 0, true, { queueId: 1, offset: 1n }));
    assert.deepEqual(one, [{ topic: 'ResetPush', brokerName: 'broker-a', queueId: 1, offset: 1n }]);
    assert.equal(await committedAre(group, 'ResetPush', [2n, 1n]), true);
    const outside = await reset('ResetPush', group, 0, true, { queueId: 1, offset: 99n });
    assert.equal(outside.code, ResponseCode.SYSTEM_ERROR);
    assert.match(outside.remark ?? '', /not in consume queue range \[0-2\]/);
  });

  it('rmq offset reset: asks the broker; an offline group gets the old path (offsets committed by the tool)', async () => {
    const ns = cluster.namesrvAddress;
    const base = ['offset', 'reset', '--namesrv', ns, '--topic'];
    // Online (the fake consumers above): the broker's table, pushed.
    const online = await rmq([...base, 'ResetPush', '--group', 'reset_push_cg', '--to-earliest', '--force']);
    assert.equal(online.code, 0, online.stderr);
    assert.match(online.stdout, /^broker-a\s+0\s+0\s+pushed to the online consumers$/m);
    assert.match(online.stdout, /^broker-a\s+1\s+0\s+pushed to the online consumers$/m);
    // Offline: CONSUMER_NOT_ONLINE, then SEARCH_OFFSET_BY_TIMESTAMP + UPDATE_CONSUMER_OFFSET per queue.
    const group = 'reset_offline_cg';
    const back = await rmq([...base, 'ResetOffline', '--group', group, '--timestamp', '0']);
    assert.equal(back.code, 0, back.stderr);
    assert.match(back.stdout, /^broker-a\s+0\s+0\s+committed \(no consumer online\)$/m);
    assert.equal(await committedAre(group, 'ResetOffline', [0n, 0n]), true);
    const max = await rmq([...base, 'ResetOffline', '--group', group, '--to-max', '--force']);
    assert.equal(max.code, 0, max.stderr);
    assert.equal(await committedAre(group, 'ResetOffline', [2n, 2n]), true);
    // Without --force an offset below the target stays.
    assert.equal((await rmq([...base, 'ResetOffline', '--group', group, '--to-earliest'])).code, 0);
    assert.equal(await committedAre(group, 'ResetOffline', [0n, 0n]), true);
    await commit(group, 'ResetOffline', 0, 1n);
    const keep = await rmq([
      ...base,
      'ResetOffline',
      '--group',
      group,
      '--timestamp',
      String(Date.now() + 60_000),
    ]);
    assert.equal(keep.code, 0, keep.stderr);
    assert.equal(await committedAre(group, 'ResetOffline', [1n, 0n]), true);

    const noForce = await rmq([...base, 'ResetOffline', '--group', group, '--to-max']);
    assert.equal(noForce.code, 2);
    assert.match(noForce.stderr, /--to-max moves offsets forward, which needs --force/);
    const two = await rmq([...base, 'ResetOffline', '--group', group, '--to-max', '--timestamp', '5']);
    assert.match(two.stderr, /exactly one of --timestamp MS, --to-earliest, --to-max/);
    const unknown = await rmq([...base, 'NoSuchResetTopic', '--group', group, '--to-earliest']);
    assert.equal(unknown.code, 1);
    assert.match((await rmq(['--help'])).stdout, /^ {2}offset {5}Reset a consumer group's offsets/m);
  });
});
