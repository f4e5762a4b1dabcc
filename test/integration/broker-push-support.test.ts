/**
 * What a push consumer (Java's or ours) needs from the broker, over loopback against one embedded
 * cluster: NOTIFY_CONSUMER_IDS_CHANGED sent to every member when the group's connections change
 * (register, unregister, connection closed), not for a BROADCASTING group (5.x), not when the group or
 * the broker turns notifications off; and CONSUMER_SEND_MSG_BACK's choices (delay level 3 +
 * reconsumeTimes for 0, the group's retryMaxTimes unless the header says otherwise, DLQ and retry
 * topics created as Java creates them).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startEmbeddedCluster } from '../../src/server/embedded-cluster.js';
import type { EmbeddedCluster } from '../../src/server/embedded-cluster.js';
import { RemotingClient } from '../../src/transport/index.js';
import { RequestCode } from '../../src/protocol/codes/request-code.js';
import { createRequest } from '../../src/protocol/command/remoting-command.js';
import { encodeHeartbeatData } from '../../src/protocol/body/heartbeat.js';
import { ConsumerSendMsgBackRequestHeader } from '../../src/protocol/headers/client.js';
import { decodeOffsetMessageId } from '../../src/protocol/message/message-id.js';
import { decodeProperties } from '../../src/protocol/message/properties.js';
import { pullAll, request, send } from '../helpers/broker-client.js';

let cluster: EmbeddedCluster;
const clients: RemotingClient[] = [];

before(async () => {
  cluster = await startEmbeddedCluster({
    brokers: [{ messageDelayLevel: '1s 1s 1s 1s 1s' }, { notifyConsumerIdsChangedEnable: false }],
  });
});

after(async () => {
  for (const c of clients) await c.shutdown();
  await cluster.stop();
});

/** A client connection counting the NOTIFY_CONSUMER_IDS_CHANGED it receives, by group. */
function member(clientId: string): { client: RemotingClient; notified: Map<string, number>; id: string } {
  const client = new RemotingClient({ connectTimeoutMillis: 3000 });
  clients.push(client);
  const notified = new Map<string, number>();
  client.registerProcessor(RequestCode.NOTIFY_CONSUMER_IDS_CHANGED, {
    processRequest: (_context, req) => {
      const group = req.extFields?.consumerGroup ?? '?';
      notified.set(group, (notified.get(group) ?? 0) + 1);
      return undefined;
    },
  });
  return { client, notified, id: clientId };
}

type Member = ReturnType<typeof member>;

function heartbeat(m: Member, addr: string, group: string, messageModel = 'CLUSTERING') {
  const body = encodeHeartbeatData({
    clientID: m.id,
    producerDataSet: [],
    consumerDataSet: [
      {
        groupName: group,
        consumeType: 'CONSUME_PASSIVELY',
        messageModel,
        consumeFromWhere: 'CONSUME_FROM_LAST_OFFSET',
        subscriptionDataSet: [
          {
            classFilterMode: false,
            topic: 'PushTopic',
            subString: '*',
            tagsSet: [],
            codeSet: [],
            subVersion: 1,
            expressionType: 'TAG',
          },
        ],
        unitMode: false,
      },
    ],
  });
  return request(m.client, addr, RequestCode.HEART_BEAT, {}, body);
}

async function eventually(what: string, check: () => boolean): Promise<void> {
  for (let i = 0; i < 300 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(check(), what);
}

describe('NOTIFY_CONSUMER_IDS_CHANGED', () => {
  it('tells every member when one joins, leaves or its connection closes', async () => {
    const addr = cluster.brokers[0]!.address;
    const [a, b] = [member('10.0.0.1@a'), member('10.0.0.2@b')];
    assert.equal((await heartbeat(a, addr, 'G_NOTIFY')).code, 0);
    await eventually('the first member is told too', () => a.notified.get('G_NOTIFY') === 1);
    assert.equal((await heartbeat(b, addr, 'G_NOTIFY')).code, 0);
    await eventually('a told b joined', () => a.notified.get('G_NOTIFY') === 2);
    assert.equal(b.notified.get('G_NOTIFY'), 1);
    await heartbeat(b, addr, 'G_NOTIFY'); // nothing changed
    await heartbeat(a, addr, 'G_NOTIFY');
    assert.deepEqual(
      [a.notified.get('G_NOTIFY'), b.notified.get('G_NOTIFY')],
      [2, 1],
      'an unchanged heartbeat notifies nobody',
    );
    const un = await request(b.client, addr, RequestCode.UNREGISTER_CLIENT, {
      clientID: b.id,
      consumerGroup: 'G_NOTIFY',
    });
    assert.equal(un.code, 0);
    await eventually('a told b left', () => a.notified.get('G_NOTIFY') === 3);
    await heartbeat(b, addr, 'G_NOTIFY');
    await eventually('a told b is back', () => a.notified.get('G_NOTIFY') === 4);
    await b.client.shutdown();
    await eventually('a told b connection closed', () => a.notified.get('G_NOTIFY') === 5);
  });

  it('is not sent for a broadcasting group (5.x), nor when the group or the broker turns it off', async () => {
    const addr = cluster.brokers[0]!.address;
    const [a, b] = [member('10.0.0.1@c'), member('10.0.0.2@d')];
    await heartbeat(a, addr, 'G_BROADCAST', 'BROADCASTING');
    await heartbeat(b, addr, 'G_BROADCAST', 'BROADCASTING');
    await request(b.client, addr, RequestCode.UNREGISTER_CLIENT, {
      clientID: b.id,
      consumerGroup: 'G_BROADCAST',
    });
    await heartbeat(a, addr, 'G_BROADCAST', 'BROADCASTING'); // a round trip on a's connection
    assert.deepEqual([a.notified.size, b.notified.size], [0, 0], 'broadcasting members do not rebalance');

    const quiet = createRequest(RequestCode.UPDATE_AND_CREATE_SUBSCRIPTIONGROUP, {
      body: Buffer.from(JSON.stringify({ groupName: 'G_QUIET', notifyConsumerIdsChangedEnable: false })),
    });
    assert.equal((await a.client.invokeSync(addr, quiet, 3000)).code, 0);
    await heartbeat(a, addr, 'G_QUIET');
    await heartbeat(b, addr, 'G_QUIET');
    await request(b.client, addr, RequestCode.UNREGISTER_CLIENT, {
      clientID: b.id,
      consumerGroup: 'G_QUIET',
    });
    await heartbeat(a, addr, 'G_QUIET');
    assert.equal(a.notified.get('G_QUIET'), undefined, 'the group turned notifications off');

    const off = cluster.brokers[1]!.address;
    await heartbeat(a, off, 'G_OFF');
    await heartbeat(b, off, 'G_OFF');
    await heartbeat(a, off, 'G_OFF');
    assert.deepEqual(
      [a.notified.get('G_OFF'), b.notified.get('G_OFF')],
      [undefined, undefined],
      'the broker turned them off',
    );
  });
});

describe('CONSUMER_SEND_MSG_BACK', () => {
  it('chooses delay level, retry limit and target topics as Java does', async () => {
    const broker = cluster.brokers[0]!;
    const addr = broker.address;
    const c = member('10.0.0.9@sb');
    const group = createRequest(RequestCode.UPDATE_AND_CREATE_SUBSCRIPTIONGROUP, {
      body: Buffer.from(JSON.stringify({ groupName: 'G_SB', retryQueueNums: 3, retryMaxTimes: 2 })),
    });
    assert.equal((await c.client.invokeSync(addr, group, 3000)).code, 0);
    await heartbeat(c, addr, 'G_SB');
    const retry = broker.topics.select('%RETRY%G_SB');
    assert.deepEqual(
      [retry?.readQueueNums, retry?.writeQueueNums, retry?.perm],
      [3, 3, 6],
      'retry topic from the group',
    );

    const sendBack = async (reconsumeTimes: number, delayLevel: number, max?: number, version?: number) => {
      const sent = await send(c.client, addr, {
        topic: 'PushTopic',
        queueId: 0,
        body: `r${reconsumeTimes}`,
        reconsumeTimes,
      });
      const msgId = sent.extFields?.msgId ?? '';
      const req = createRequest(RequestCode.CONSUMER_SEND_MSG_BACK, {
        extFields: ConsumerSendMsgBackRequestHeader.encode({
          offset: decodeOffsetMessageId(msgId).commitLogOffset,
          group: 'G_SB',
          delayLevel,
          originMsgId: msgId,
          originTopic: 'PushTopic',
          unitMode: false,
          ...(max !== undefined && { maxReconsumeTimes: max }),
        }),
      });
      if (version !== undefined) req.version = version;
      return (await c.client.invokeSync(addr, req, 3000)).code;
    };
    const scheduled = (level: number) => broker.store.getMaxOffsetInQueue('SCHEDULE_TOPIC_XXXX', level - 1);
    const before = [scheduled(3), scheduled(4)];
    assert.equal(await sendBack(0, 0), 0);
    assert.equal(await sendBack(1, 0), 0);
    assert.deepEqual(
      [scheduled(3), scheduled(4)],
      [before[0]! + 1n, before[1]! + 1n],
      'level 0 -> 3 + reconsumeTimes',
    );

    assert.equal(broker.topics.select('%DLQ%G_SB'), undefined);
    assert.equal(await sendBack(2, 0), 0, 'reconsumeTimes 2 >= the group retryMaxTimes 2: DLQ');
    const dlq = broker.topics.select('%DLQ%G_SB');
    assert.deepEqual(
      [dlq?.readQueueNums, dlq?.writeQueueNums, dlq?.perm],
      [1, 1, 6],
      'DLQ: 1 queue, PERM_READ | PERM_WRITE',
    );
    assert.equal(await sendBack(2, 0, 5), 0, 'the header limit wins (version >= V3_4_9)');
    assert.equal(await sendBack(2, 0, 5, 100), 0, 'an old client: the group limit');
    assert.equal(await sendBack(0, -1), 0, 'a negative level: DLQ at once');
    const inDlq = await pullAll(c.client, addr, '%DLQ%G_SB', 0);
    assert.deepEqual(
      inDlq.map((m) => [m.body.toString(), m.reconsumeTimes, decodeProperties(m.properties).DELAY]),
      [
        ['r2', 3, '0'],
        ['r2', 3, '0'],
        ['r0', 1, '0'],
      ],
    );
    const props = decodeProperties(inDlq[0]!.properties);
    assert.equal(props.RETRY_TOPIC, 'PushTopic');
    assert.ok(props.ORIGIN_MESSAGE_ID);
  });
});
