/**
 * Issue 10 defect 3, message paths: send, batch send, send-back, pull and lite pull refuse bad topic
 * and group names and bad numbers with Java's codes and remarks, and a refused request leaves no
 * topic, group, offset or consume-queue directory behind (in memory, and on disk after shutdown).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RequestCode } from '../../src/protocol/codes/request-code.js';
import { ResponseCode } from '../../src/protocol/codes/response-code.js';
import { ConsumerSendMsgBackRequestHeader } from '../../src/protocol/headers/client.js';
import { PullMessageRequestHeader } from '../../src/protocol/headers/pull.js';
import { sendRequest } from '../helpers/broker-client.js';
import type { SendSpec } from '../helpers/broker-client.js';
import { BAD_NAMES, ValidationBroker, assertRefused, holdsNoBadName } from '../helpers/broker-validation.js';
import type { HeldNames } from '../helpers/broker-validation.js';

const ILLEGAL = 'The specified topic contains illegal characters, allowing only ^[%|a-zA-Z0-9_-]+$';
/** 4.9.8 TopicValidator.validateTopic remarks (SYSTEM_ERROR), by bad name. */
const TOPIC_REMARK: Record<string, string> = {
  'a b': ILLEGAL,
  'a/b': ILLEGAL,
  'x\u0000y': ILLEGAL,
  ['z'.repeat(10_001)]: 'The specified topic is longer than topic max length.',
  '': 'The specified topic is blank.',
};

describe('broker validation: message paths', () => {
  let bench: ValidationBroker;
  let baseline: HeldNames;
  let storedOffset: bigint;

  const send = (spec: SendSpec) => {
    const r = sendRequest(spec);
    return bench.call(r.code, r.extFields, r.body);
  };
  const pull = (
    fields: Partial<Record<keyof PullMessageRequestHeader, string>>,
    code: number = RequestCode.PULL_MESSAGE,
  ) =>
    bench.call(code, {
      ...PullMessageRequestHeader.encode({
        consumerGroup: 'CG_OK',
        topic: 'GoodTopic',
        queueId: 0,
        queueOffset: 0n,
        maxMsgNums: 32,
        sysFlag: 0x4, // SUBSCRIPTION: no heartbeat needed
        commitOffset: 0n,
        suspendTimeoutMillis: 0,
        subscription: '*',
        subVersion: 0,
      }),
      ...fields,
    });
  const sendBack = (group: string, offset = storedOffset) =>
    bench.call(
      RequestCode.CONSUMER_SEND_MSG_BACK,
      ConsumerSendMsgBackRequestHeader.encode({ offset, group, delayLevel: 0, originTopic: 'GoodTopic' }),
    );

  before(async () => {
    bench = await ValidationBroker.start({ rejectTransactionMessage: true });
    const sent = await send({ topic: 'GoodTopic', body: 'seed' });
    assert.equal(sent.code, ResponseCode.SUCCESS, sent.remark);
    const pulled = await pull({});
    assert.equal(pulled.code, ResponseCode.SUCCESS, pulled.remark); // CG_OK exists from here on
    storedOffset = BigInt(pulled.extFields?.minOffset ?? '0'); // commit-log offset of the only record: 0
    baseline = await bench.held();
  });
  after(async () => {
    const saved = await bench.stop();
    assert.ok(holdsNoBadName(saved.topics), `topics.json: ${saved.topics.join(', ')}`);
    assert.ok(holdsNoBadName(saved.offsets), `consumerOffset.json: ${saved.offsets.join(', ')}`);
    assert.deepEqual(saved.queueDirs, ['GoodTopic'], 'no consume queue of a refused topic');
    assert.deepEqual(saved.offsets, [], 'no refused request committed an offset');
  });

  it('send, batch send and lite batch refuse bad topics (4.9.8 msgCheck: SYSTEM_ERROR)', async () => {
    for (const [label, topic] of BAD_NAMES) {
      for (const code of [
        RequestCode.SEND_MESSAGE,
        RequestCode.SEND_MESSAGE_V2,
        RequestCode.SEND_BATCH_MESSAGE,
      ]) {
        assertRefused(
          await send({ topic, code }),
          ResponseCode.SYSTEM_ERROR,
          TOPIC_REMARK[topic],
          `${code} ${label}`,
        );
      }
    }
    assert.deepEqual(await bench.held(), baseline);
  });

  it('auto-creation via TBW102 refuses queue numbers that would make an empty topic, storing nothing', async () => {
    for (const n of [0, -1, -2147483648]) {
      assertRefused(
        await send({ topic: 'NewTopicA', defaultTopicQueueNums: n }),
        ResponseCode.INVALID_PARAMETER,
        /^defaultTopicQueueNums -?\d+ cannot create topic\[NewTopicA\]: send with defaultTopicQueueNums of at least 1/,
        String(n),
      );
    }
    // 2^31 is not an int: the header does not decode.
    const huge = await send({ topic: 'NewTopicA', extra: { e: '2147483648' } });
    assert.notEqual(huge.code, ResponseCode.SUCCESS);
    assertRefused(await send({ topic: 'NewTopicA', defaultTopic: 'a b' }), ResponseCode.TOPIC_NOT_EXIST);
    assert.deepEqual(await bench.held(), baseline);
  });

  it('a send refused after msgCheck leaves no auto-created topic (queue id, transaction, batch body)', async () => {
    assertRefused(
      await send({ topic: 'NewTopicB', queueId: 4 }),
      ResponseCode.SYSTEM_ERROR,
      /^request queueId\[4\] is illegal, TopicConfig \[topicName=NewTopicB, readQueueNums=4/,
    );
    assertRefused(await send({ topic: 'NewTopicB', queueId: 2147483647 }), ResponseCode.SYSTEM_ERROR);
    assertRefused(
      await send({ topic: 'NewTopicB', properties: { TRAN_MSG: 'true' } }),
      ResponseCode.NO_PERMISSION,
    );
    const batch = sendRequest({
      topic: 'NewTopicB',
      code: RequestCode.SEND_BATCH_MESSAGE,
      body: 'not a batch',
    });
    assertRefused(await bench.call(batch.code, batch.extFields, batch.body), ResponseCode.MESSAGE_ILLEGAL);
    // Refused by the store itself (after every broker check): a body over maxMessageSize, properties
    // over the 32767-byte record limit. The topic they would auto-create is not kept either.
    assertRefused(
      await send({ topic: 'NewTopicB', body: Buffer.alloc(4 * 1024 * 1024 + 1) }),
      ResponseCode.MESSAGE_ILLEGAL,
    );
    assertRefused(
      await send({ topic: 'NewTopicB', properties: { WAIT: 'true', big: 'p'.repeat(33_000) } }),
      ResponseCode.MESSAGE_ILLEGAL,
    );
    // A retry topic of a group that can not exist: no topic, no group.
    assertRefused(await send({ topic: '%RETRY%' }), ResponseCode.SUBSCRIPTION_GROUP_NOT_EXIST);
    assertRefused(await send({ topic: '%RETRY%' + 'g'.repeat(121) }), ResponseCode.SYSTEM_ERROR);
    assert.deepEqual(await bench.held(), baseline);
  });

  it('send-back refuses illegal and overlong groups: SUBSCRIPTION_GROUP_NOT_EXIST, no %RETRY% / %DLQ% topic', async () => {
    for (const [label, group] of BAD_NAMES) {
      assertRefused(
        await sendBack(group),
        ResponseCode.SUBSCRIPTION_GROUP_NOT_EXIST,
        `subscription group not exist, ${group} \nSee http://rocketmq.apache.org/docs/faq/ for further details.`,
        label,
      );
    }
    // A legal group whose retry topic would pass 127 characters.
    assertRefused(
      await sendBack('G'.repeat(121)),
      ResponseCode.INVALID_PARAMETER,
      /^the retry topic of group\[G{64}\] would be invalid: The specified topic is longer than topic max length 127\./,
    );
    // A legal new group, but the message is not there: neither the group nor its retry topic stays.
    assertRefused(
      await sendBack('CG_NEW', 987654321n),
      ResponseCode.SYSTEM_ERROR,
      'look message by offset failed, 987654321',
    );
    assert.deepEqual(await bench.held(), baseline);
  });

  it('pull and lite pull refuse bad groups and topics, and bad numbers, creating no group', async () => {
    for (const code of [RequestCode.PULL_MESSAGE, RequestCode.LITE_PULL_MESSAGE]) {
      for (const [label, name] of BAD_NAMES) {
        assertRefused(
          await pull({ consumerGroup: name }, code),
          ResponseCode.SUBSCRIPTION_GROUP_NOT_EXIST,
          `subscription group [${name}] does not exist, \nSee http://rocketmq.apache.org/docs/faq/ for further details.`,
          `${code} group ${label}`,
        );
        assertRefused(
          await pull({ consumerGroup: 'CG_NEW', topic: name }, code),
          ResponseCode.TOPIC_NOT_EXIST,
          /^topic\[.*\] not exist, apply first please!/s,
          `${code} topic ${label}`,
        );
      }
      const numbers: [Record<string, string>, number, RegExp][] = [
        [{ queueId: '-1' }, ResponseCode.SYSTEM_ERROR, /^queueId\[-1\] is illegal/],
        [{ queueId: '4' }, ResponseCode.SYSTEM_ERROR, /^queueId\[4\] is illegal/],
        [
          { maxMsgNums: '0' },
          ResponseCode.INVALID_PARAMETER,
          /^maxMsgNums 0 is out of range: set maxMsgNums between 1/,
        ],
        [{ maxMsgNums: '-1' }, ResponseCode.INVALID_PARAMETER, /^maxMsgNums -1 is out of range/],
        [
          { sysFlag: String(0x4 | 0x1), commitOffset: '-1' },
          ResponseCode.INVALID_PARAMETER,
          /^commitOffset -1 is negative: commit an offset of 0 or more$/,
        ],
      ];
      for (const [fields, expected, remark] of numbers) {
        assertRefused(
          await pull({ consumerGroup: 'CG_NEW', ...fields }, code),
          expected,
          remark,
          JSON.stringify(fields),
        );
      }
      assert.notEqual(
        (await pull({ consumerGroup: 'CG_NEW', queueId: '2147483648' }, code)).code,
        ResponseCode.SUCCESS,
      );
    }
    assert.deepEqual(await bench.held(), baseline);
  });
});
