import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Producer } from '../../src/client/producer/producer.js';
import { PullConsumer } from '../../src/client/consumer/index.js';
import { ConsumeResult, PushConsumer } from '../../src/client/consumer/index.js';
import type { ConsumedMessage, PushConsumerOptions } from '../../src/client/consumer/index.js';
import { startEmbeddedCluster } from '../../src/server/embedded-cluster.js';
import type { EmbeddedCluster } from '../../src/server/embedded-cluster.js';
import { createTopic, waitFor } from './consumer-helpers.js';
import { rmq, spawnRmq } from '../helpers/cli.js';
import { clientRequestHandlers } from '../../src/client/client-request-handlers.js';
import type { ConsumerMember } from '../../src/client/client-members.js';
import { RequestCode, ResponseCode } from '../../src/protocol/codes/index.js';
import { decodeOffsetMessageId } from '../../src/protocol/message/message-id.js';
import { createRequest } from '../../src/protocol/command/remoting-command.js';
import { encodeMessageRecord, encodeProperties } from '../../src/protocol/message/index.js';
import { silentLogger } from '../../src/common/logger.js';
import { RemotingClient } from '../../src/transport/remoting-client.js';

/** Every delay level 1 s, so retries come back fast. */
const FAST_DELAYS = Array.from({ length: 18 }, () => '1s').join(' ');

describe('PushConsumer against a two-broker cluster', { concurrency: true }, () => {
  let cluster: EmbeddedCluster;
  let producer: Producer;
  const consumers: PushConsumer[] = [];
  let seq = 0;

  const newConsumer = (group: string, extra: Partial<PushConsumerOptions> = {}): PushConsumer => {
    const c = new PushConsumer({
      nameServer: cluster.namesrvAddress,
      consumerGroup: group,
      instanceName: `push-${++seq}`,
      consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
      rebalanceInterval: 300,
      persistConsumerOffsetInterval: 200,
      pollNameServerInterval: 200,
      heartbeatBrokerInterval: 500,
      pullTimeDelayMillsWhenException: 200,
      ...extra,
    });
    consumers.push(c);
    return c;
  };

  const send = async (topic: string, n: number, tag = 'TagA'): Promise<string[]> => {
    const results = await Promise.all(
      Array.from({ length: n }, (_, i) =>
        producer.send({ topic, body: Buffer.from(`${topic}-${i}`), tags: tag, keys: [`k${i}`] }),
      ),
    );
    return results.map((r) => r.msgId);
  };

  /** The members' queues of `topic` are disjoint and cover `total` queues. */
  const balanced = (members: PushConsumer[], topic: string, total: number): true | undefined => {
    const keys = members.flatMap((m) =>
      m
        .assignedQueues()
        .filter((q) => q.topic === topic)
        .map((q) => q.key()),
    );
    return keys.length === total && new Set(keys).size === total ? true : undefined;
  };

  before(async () => {
    cluster = await startEmbeddedCluster({
      brokers: [{ messageDelayLevel: FAST_DELAYS }, { messageDelayLevel: FAST_DELAYS }],
    });
    await Promise.all([
      createTopic(cluster, 'PushSpread', 4),
      createTopic(cluster, 'PushRetry', 1),
      createTopic(cluster, 'PushFlow', 1),
      createTopic(cluster, 'PushStop', 1),
      createTopic(cluster, 'PushIter', 2),
      createTopic(cluster, 'PushCli', 2),
      createTopic(cluster, 'PushCliSig', 1),
      createTopic(cluster, 'PushAdmin', 1),
    ]);
    producer = new Producer({ nameServer: cluster.namesrvAddress, producerGroup: 'push_test_pg' });
    await producer.start();
  });

  after(async () => {
    await Promise.all(consumers.map((c) => c.shutdown()));
    await producer?.shutdown();
    await cluster?.stop();
  });

  it('retries a failing message through the retry topic, then parks it in the DLQ', async () => {
    const deliveries = new Map<string, number[]>();
    const c = newConsumer('push_retry_cg', {
      maxReconsumeTimes: 2,
      handler: (m) => {
        const seen = deliveries.get(m.msgId) ?? [];
        seen.push(m.reconsumeTimes);
        deliveries.set(m.msgId, seen);
        assert.equal(m.topic, 'PushRetry', 'a retried message shows its real topic');
        const n = Number(m.body.toString().split('-')[1]);
        // Message 0 always fails; message 1 fails once.
        if (n === 0 || (n === 1 && m.reconsumeTimes === 0)) return ConsumeResult.RECONSUME_LATER;
        return undefined;
      },
    });
    await c.subscribe('PushRetry');
    await c.start();
    const [always, once, fine] = await send('PushRetry', 3);
    await waitFor('three deliveries of the failing message', () =>
      (deliveries.get(always as string)?.length ?? 0) >= 3 ? true : undefined,
    );
    assert.deepEqual(deliveries.get(once as string), [0, 1]);
    assert.deepEqual(deliveries.get(fine as string), [0]);
    assert.deepEqual(deliveries.get(always as string), [0, 1, 2]);
    // After maxReconsumeTimes (2) the broker moved it to %DLQ%group.
    const reader = new PullConsumer({ nameServer: cluster.namesrvAddress, consumerGroup: 'push_dlq_reader' });
    await reader.start();
    try {
      const dlq = await waitFor('the DLQ message', async () => {
        const msgs = await reader.pollAll('%DLQ%push_retry_cg').catch(() => []);
        return msgs.length > 0 ? msgs : undefined;
      });
      assert.equal(dlq.length, 1);
      assert.equal(dlq[0]?.properties.RETRY_TOPIC ?? dlq[0]?.properties.REAL_TOPIC, 'PushRetry');
    } finally {
      await reader.shutdown();
    }
    assert.equal(deliveries.get(always as string)?.length, 3, 'no delivery after the DLQ');
  });

  it('spreads queues over members without overlap and consumes every message once', async () => {
    const topic = 'PushSpread';
    const seen = new Map<string, number>();
    const handler = (m: ConsumedMessage): void => void seen.set(m.msgId, (seen.get(m.msgId) ?? 0) + 1);
    const [a, b, c] = [0, 1, 2].map(() => newConsumer('push_spread_cg', { handler })) as [
      PushConsumer,
      PushConsumer,
      PushConsumer,
    ];
    for (const m of [a, b, c]) await m.subscribe(topic);
    const phase = async (members: PushConsumer[], total: number): Promise<void> => {
      await waitFor(`balanced over ${members.length}`, () => balanced(members, topic, total));
      seen.clear();
      const ids = await send(topic, 40);
      await waitFor('all consumed', () => (ids.every((id) => seen.has(id)) ? true : undefined));
      for (const id of ids) assert.equal(seen.get(id), 1, `message ${id} consumed ${seen.get(id)} times`);
    };
    await a.start();
    await b.start();
    await phase([a, b], 8);
    assert.equal(a.assignedQueues().filter((q) => q.topic === topic).length, 4);
    await c.start(); // joins
    await phase([a, b, c], 8);
    assert.deepEqual(
      [a, b, c].map((m) => m.assignedQueues().filter((q) => q.topic === topic).length).sort(),
      [2, 3, 3],
    );
    await b.shutdown(); // leaves
    await phase([a, c], 8);
    // The topic gains queues: the route refresh notices and the members re-spread.
    await createTopic(cluster, topic, 6);
    await phase([a, c], 12);
  });

  it('pauses pulling at the per-queue threshold and resumes without loss or duplicates', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const seen = new Map<string, number>();
    const c = newConsumer('push_flow_cg', {
      pullThresholdForQueue: 5,
      pullBatchSize: 4,
      handler: async (m) => {
        await gate;
        seen.set(m.msgId, (seen.get(m.msgId) ?? 0) + 1);
      },
    });
    await c.subscribe('PushFlow');
    await c.start();
    const ids = await send('PushFlow', 60);
    await waitFor('flow control', () => (c.flowControlTimes > 0 ? true : undefined));
    release();
    await waitFor('all consumed', () => (ids.every((id) => seen.has(id)) ? true : undefined));
    for (const id of ids) assert.equal(seen.get(id), 1);
  });

  it('on shutdown waits for handlers within the deadline and commits only what finished', async () => {
    const topic = 'PushStop';
    const started: number[] = [];
    let stuck!: () => void;
    const never = new Promise<void>((r) => (stuck = r));
    const c = newConsumer('push_stop_cg', {
      awaitTerminationMillisWhenShutdown: 300,
      handler: async (m) => {
        started.push(Number(m.queueOffset));
        if (m.queueOffset === 5n)
          await never; // still running at the deadline
        else if (m.queueOffset === 7n) await new Promise((r) => setTimeout(r, 100)); // finishes in time
      },
    });
    await c.subscribe(topic);
    await c.start();
    await send(topic, 10);
    await waitFor('all handlers started', () => (started.length >= 10 ? true : undefined));
    await c.shutdown();
    stuck();
    // Read the group's committed offsets with a pull consumer of the same group.
    const reader = new PullConsumer({ nameServer: cluster.namesrvAddress, consumerGroup: 'push_stop_cg' });
    await reader.start();
    try {
      const offsets: bigint[] = [];
      for (const q of await reader.fetchMessageQueues(topic))
        offsets.push(await reader.fetchConsumeOffset(q));
      // One queue got the ten messages: its offset stops at the one still running (5).
      assert.ok(offsets.includes(5n), `committed offsets ${offsets.join(',')}`);
    } finally {
      await reader.shutdown();
    }
  });

  it('delivers through for await: success on the next iteration, nack to retry, break to stop', async () => {
    const c = newConsumer('push_iter_cg', { consumeThreadMax: 4 });
    await c.subscribe('PushIter');
    const ids = await send('PushIter', 6);
    const it = c.messages();
    await c.start();
    const got: { id: string; retry: number }[] = [];
    for await (const m of it) {
      got.push({ id: m.msgId, retry: m.reconsumeTimes });
      if (m.msgId === ids[0] && m.reconsumeTimes === 0) it.nack();
      if (ids.every((id) => got.some((g) => g.id === id && (id !== ids[0] || g.retry === 1)))) {
        it.ack();
        break;
      }
    }
    assert.equal(c.state, 'SHUTDOWN_ALREADY');
    assert.deepEqual(
      got.filter((g) => g.id === ids[0]).map((g) => g.retry),
      [0, 1],
    );
  });

  it('rmq consume --push --json prints one JSON object per delivery, marking those answered reconsume later', async () => {
    await send('PushCliJson', 2);
    const r = await rmq([
      'consume',
      '--push',
      '--namesrv',
      cluster.namesrvAddress,
      '--topic',
      'PushCliJson',
      '--group',
      'push_cli_json_cg',
      '--from',
      'first',
      '--count',
      '2',
      '--fail-first',
      '1',
      '--timeout',
      '20',
      '--json',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const docs = r.stdout
      .trim()
      .split('\n')
      .map(
        (l) =>
          JSON.parse(l) as {
            body: string;
            reconsumeTimes: number;
            queueOffset: string;
            reconsumeLater?: true;
          },
      );
    assert.equal(docs.length, 4, r.stdout);
    for (const d of docs) {
      assert.match(d.body, /^PushCliJson-\d$/);
      assert.match(d.queueOffset, /^\d+$/, 'offsets as strings');
    }
    assert.deepEqual(docs.map((d) => `${d.reconsumeTimes}:${d.reconsumeLater === true}`).sort(), [
      '0:true',
      '0:true',
      '1:false',
      '1:false',
    ]);
  });

  it('rmq consume --push prints each delivery, retries with --fail-first and stops after --count', async () => {
    const ns = cluster.namesrvAddress;
    await send('PushCli', 3);
    const r = await rmq([
      'consume',
      '--push',
      '--namesrv',
      ns,
      '--topic',
      'PushCli',
      '--group',
      'push_cli_cg',
      '--from',
      'first',
      '--count',
      '3',
      '--fail-first',
      '1',
      '--timeout',
      '20',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines.length, 6, r.stdout);
    const line =
      /^broker-[ab]:\d+ offset=\d+ keys=k\d tags=TagA reconsumeTimes=(\d) body="PushCli-\d"( -> RECONSUME_LATER)?$/;
    for (const l of lines) assert.match(l, line);
    assert.equal(
      lines.filter((l) => l.includes('reconsumeTimes=0 ') && l.endsWith('RECONSUME_LATER')).length,
      3,
    );
    assert.equal(
      lines.filter((l) => l.includes('reconsumeTimes=1 ') && !l.includes('RECONSUME_LATER')).length,
      3,
    );
    assert.equal(r.stderr, '3 messages consumed from PushCli\n');
    const again = await rmq([
      'consume',
      '--push',
      '--namesrv',
      ns,
      '--topic',
      'PushCli',
      '--group',
      'push_cli_cg',
      '--timeout',
      '1',
    ]);
    assert.equal(again.code, 0, again.stderr);
    // The originals' offsets were committed (a retry still in flight may be delivered once more: at least once).
    assert.doesNotMatch(again.stdout, /reconsumeTimes=0 /);
    for (const [args, pattern] of [
      [['--topic', 'PushCli'], /--group is required/],
      [['--topic', 'PushCli', '--group', 'g', '--tag', 'a', '--sql', 'b > 1'], /--tag or --sql, not both/],
      [
        ['--topic', 'PushCli', '--group', 'g', '--from', 'yesterday'],
        /--from must be first, last or timestamp:MS/,
      ],
      [['--topic', 'PushCli', '--group', 'g', '--broadcast', '--offset-dir', ' '], /offsetStoreDir/],
    ] as const) {
      const bad = await rmq(['consume', '--push', '--namesrv', ns, ...args]);
      assert.notEqual(bad.code, 0);
      assert.match(bad.stderr, pattern);
    }
  });

  it('rmq consume --push stops cleanly on SIGTERM with its offsets committed', async () => {
    const ns = cluster.namesrvAddress;
    await send('PushCliSig', 2);
    const child = spawnRmq([
      'consume',
      '--push',
      '--namesrv',
      ns,
      '--topic',
      'PushCliSig',
      '--group',
      'push_sig_cg',
      '--from',
      'first',
    ]);
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await waitFor('two lines', () => (out.split('\n').length > 2 ? true : undefined), 20_000);
    child.kill('SIGTERM');
    assert.equal(await exited, 130, err); // stopped by a signal, cleanly: 130, as rmq send and rmq consume
    assert.equal(err, '2 messages consumed from PushCliSig\n');
    const reader = new PullConsumer({ nameServer: ns, consumerGroup: 'push_sig_cg' });
    await reader.start();
    try {
      let total = 0n;
      for (const q of await reader.fetchMessageQueues('PushCliSig'))
        total += await reader.fetchConsumeOffset(q);
      assert.equal(total, 2n);
    } finally {
      await reader.shutdown();
    }
  });

  it('answers running info, CONSUME_MESSAGE_DIRECTLY and RESET_CONSUMER_CLIENT_OFFSET', async () => {
    const seen: bigint[] = [];
    const ids: string[] = [];
    const c = newConsumer('push_admin_cg', {
      handler: (m) => {
        seen.push(m.queueOffset);
        ids.push(m.offsetMsgId);
        return m.body.toString() === 'direct-later' ? ConsumeResult.RECONSUME_LATER : undefined;
      },
    });
    await c.subscribe('PushAdmin');
    await c.start();
    await send('PushAdmin', 3);
    await waitFor('three consumed', () => (seen.length >= 3 ? true : undefined));
    // GET_CONSUMER_RUNNING_INFO through the broker, as mqadmin consumerStatus asks it.
    const admin = new RemotingClient();
    try {
      const request = createRequest(RequestCode.GET_CONSUMER_RUNNING_INFO, {
        extFields: {
          consumerGroup: 'push_admin_cg',
          clientId: c.clientInstance!.clientId,
          jstackEnable: 'false',
        },
      });
      const queue = c.assignedQueues().find((q) => q.topic === 'PushAdmin')!;
      const brokerAddr = cluster.brokers.find((b) => b.brokerName === queue.brokerName)!.address;
      const r = await admin.invokeSync(brokerAddr, request, 5000);
      assert.equal(r.code, ResponseCode.SUCCESS, r.remark);
      const text = r.body!.toString();
      assert.match(text, /"PROP_CONSUME_TYPE":"CONSUME_PASSIVELY"/);
      assert.match(text, /"PROP_CONSUMEORDERLY":"false"/);
      assert.match(text, /"allocateMessageQueueStrategy":"AVG"/);
      assert.match(
        text,
        new RegExp(
          `\\{"brokerName":"${queue.brokerName}","queueId":0,"topic":"PushAdmin"\\}:\\{"cachedMsgCount":0,`,
        ),
      );
      assert.match(text, /"statusTable":\{.*"PushAdmin":\{"consumeFailedMsgs":0,/);
      assert.match(text, /"topic":"%RETRY%push_admin_cg"/);
      // CONSUME_MESSAGE_DIRECTLY through the broker (mqadmin consumeMessage): the stored message goes
      // to the consumer, its result comes back; an unknown client or message is refused.
      const directly = (extFields: Record<string, string>) =>
        admin.invokeSync(
          brokerAddr,
          createRequest(RequestCode.CONSUME_MESSAGE_DIRECTLY, { extFields }),
          5000,
        );
      // A message this broker stored (the msgId holds the store's address and log offset).
      const msgId = ids.find((id) => decodeOffsetMessageId(id).address === brokerAddr)!;
      assert.ok(msgId, `a message stored by ${brokerAddr}`);
      const consumedBefore = seen.length;
      const direct = await directly({
        consumerGroup: 'push_admin_cg',
        clientId: c.clientInstance!.clientId,
        msgId,
      });
      assert.equal(direct.code, ResponseCode.SUCCESS, direct.remark);
      assert.equal(
        (JSON.parse(direct.body!.toString()) as { consumeResult: string }).consumeResult,
        'CR_SUCCESS',
      );
      assert.equal(seen.length, consumedBefore + 1, 'the handler consumed the message once more');
      const offline = await directly({ consumerGroup: 'push_admin_cg', clientId: 'nobody@1', msgId });
      assert.equal(offline.code, ResponseCode.SYSTEM_ERROR);
      assert.equal(offline.remark, 'The Consumer <push_admin_cg> <nobody@1> not online');
      const missing = await directly({
        consumerGroup: 'push_admin_cg',
        clientId: c.clientInstance!.clientId,
        msgId: `${msgId.slice(0, 16)}7FFFFFFFFFFFFFF0`,
      });
      assert.equal(missing.code, ResponseCode.SYSTEM_ERROR);
      assert.match(missing.remark ?? '', /^no message is stored at the offset of msgId /);
    } finally {
      await admin.shutdown();
    }
    // CONSUME_MESSAGE_DIRECTLY and RESET_CONSUMER_CLIENT_OFFSET through the client's handler table.
    const member = (c as unknown as { runtime: { member: ConsumerMember } }).runtime.member;
    const handlers = clientRequestHandlers({
      logger: silentLogger,
      namespace: undefined,
      transactionTargets: undefined as never,
      hasProducer: () => false,
      findConsumer: (g) => (g === 'push_admin_cg' ? member : undefined),
      nameServerAddressList: () => [],
    });
    const context = { channel: {} } as never;
    const direct = async (body: string): Promise<Record<string, unknown>> => {
      const record = encodeMessageRecord({
        topic: 'PushAdmin',
        queueId: 0,
        flag: 0,
        queueOffset: 0n,
        physicalOffset: 0n,
        sysFlag: 0,
        bornTimestamp: Date.now(),
        bornHost: { ip: '127.0.0.1', port: 1 },
        storeTimestamp: Date.now(),
        storeHost: { ip: '127.0.0.1', port: 2 },
        reconsumeTimes: 0,
        preparedTransactionOffset: 0n,
        body: Buffer.from(body),
        properties: encodeProperties({ TAGS: 'a' }),
      } as never);
      const request = createRequest(RequestCode.CONSUME_MESSAGE_DIRECTLY, {
        extFields: { consumerGroup: 'push_admin_cg', brokerName: 'broker-a', msgId: 'X' },
        body: record,
      });
      const r = await handlers.get(RequestCode.CONSUME_MESSAGE_DIRECTLY)!(request, context);
      assert.equal(r?.code, ResponseCode.SUCCESS);
      return JSON.parse(r!.body!.toString()) as Record<string, unknown>;
    };
    const ok = await direct('direct-ok');
    assert.deepEqual(Object.keys(ok), ['autoCommit', 'consumeResult', 'order', 'spentTimeMills']);
    assert.equal(ok.consumeResult, 'CR_SUCCESS');
    assert.equal(ok.order, false);
    assert.equal(ok.autoCommit, true);
    assert.equal((await direct('direct-later')).consumeResult, 'CR_LATER');
    // Reset both queues to offset 0: the three messages are delivered again.
    const entries = c
      .assignedQueues()
      .filter((q) => q.topic === 'PushAdmin')
      .map((q) => `{"brokerName":"${q.brokerName}","queueId":0,"topic":"PushAdmin"}:0`);
    assert.equal(entries.length, 2);
    const reset = createRequest(RequestCode.RESET_CONSUMER_CLIENT_OFFSET, {
      extFields: { topic: 'PushAdmin', group: 'push_admin_cg', timestamp: '0', isForce: 'true' },
      body: Buffer.from(`{"offsetTable":{${entries.join(',')}}}`),
    });
    seen.length = 0;
    assert.equal(await handlers.get(RequestCode.RESET_CONSUMER_CLIENT_OFFSET)!(reset, context), undefined);
    await waitFor('redelivery after the reset', () => (seen.length >= 3 ? true : undefined));
  });
});
