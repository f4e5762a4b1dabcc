/**
 * TransactionProducer against a stand-in broker that records frames: the half message and the
 * END_TRANSACTION header compared field by field with what Java's DefaultMQProducerImpl sends
 * (sendMessageInTransaction / endTransaction / checkTransactionState in 4.9.8 and 5.3.3), the local
 * transaction's failure modes, the Java rules, and back-checks pushed over the client's own connection.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  ClientInstance,
  LocalTransactionState,
  MessageBatch,
  Producer,
  resolveClientConfig,
  TransactionProducer,
  TransactionSendResult,
} from '../../src/client/index.js';
import type {
  EndTransactionContext,
  TransactionListener,
  TransactionProducerOptions,
} from '../../src/client/index.js';
import { IllegalArgumentError, IllegalStateError, MQClientError } from '../../src/common/errors.js';
import { ResponseCode } from '../../src/protocol/codes/index.js';
import { isOneway } from '../../src/protocol/command/remoting-command.js';
import type { RemotingCommand } from '../../src/protocol/command/remoting-command.js';
import {
  decodeOffsetMessageId,
  Message,
  MessageSysFlag,
  UniqueIdGenerator,
} from '../../src/protocol/message/index.js';
import { waitFor } from '../helpers/wait.js';
import { recordingLogger } from './producer-helpers.js';
import { BROKER_NAME, startFakeTransactionBroker } from './transaction-helpers.js';
import type { FakeTransactionBroker, SeenSend } from './transaction-helpers.js';

const COMMIT: TransactionListener = {
  executeLocalTransaction: () => LocalTransactionState.COMMIT_MESSAGE,
  checkLocalTransaction: () => LocalTransactionState.COMMIT_MESSAGE,
};

describe('TransactionProducer against a recording broker', () => {
  let fake: FakeTransactionBroker;
  const started: Producer[] = [];
  let groups = 0;

  before(async () => {
    fake = await startFakeTransactionBroker();
  });
  after(async () => {
    await Promise.all(started.map((p) => p.shutdown({ timeoutMillis: 500 })));
    await fake.close();
  });

  const start = async (
    listener: TransactionListener,
    options: Partial<TransactionProducerOptions> = {},
  ): Promise<TransactionProducer> => {
    const producer = new TransactionProducer({
      producerGroup: `TXG_${++groups}`,
      nameServer: fake.namesrvAddress,
      clientIP: '127.0.0.1',
      retryTimesWhenSendFailed: 0,
      transactionListener: listener,
      ...options,
    });
    await producer.start();
    started.push(producer);
    return producer;
  };
  const endsOf = (group: string): RemotingCommand[] =>
    fake.ends.filter((e) => e.extFields?.producerGroup === group);
  const nextEnd = (group: string, count = 1): Promise<RemotingCommand> =>
    waitFor(`END_TRANSACTION #${count} of ${group}`, () => endsOf(group)[count - 1], 3000, 5);
  const sendOf = (msgId: string): SeenSend => fake.sends.find((s) => s.properties.UNIQ_KEY === msgId)!;

  it('commit: the half message and END_TRANSACTION carry exactly what Java sends', async () => {
    const seen: { msg: Message; arg: unknown }[] = [];
    const producer = await start({
      executeLocalTransaction: (msg, arg) => {
        seen.push({ msg, arg });
        return LocalTransactionState.COMMIT_MESSAGE;
      },
      checkLocalTransaction: () => LocalTransactionState.COMMIT_MESSAGE,
    });
    const group = producer.producerGroup;
    const hooked: EndTransactionContext[] = [];
    producer.registerEndTransactionHook({ hookName: 'h', endTransaction: (c) => hooked.push(c) });
    producer.registerEndTransactionHook({
      hookName: 'thrower',
      endTransaction: () => {
        throw new Error('hook failure is ignored');
      },
    });
    const result = await producer.sendMessageInTransaction(
      new Message('TxTopic', 'order 1', { tags: 'TagA', keys: 'K1' }),
      { order: 1 },
    );
    const half = sendOf(result.msgId);
    assert.equal(half.properties.TRAN_MSG, 'true');
    assert.equal(half.properties.PGROUP, group);
    assert.equal(
      half.header.sysFlag & MessageSysFlag.TRANSACTION_MASK,
      MessageSysFlag.TRANSACTION_PREPARED_TYPE,
    );
    assert.equal(half.header.producerGroup, group);
    assert.equal(half.body.toString(), 'order 1');
    // The listener saw the message with its transaction id and the caller's arg.
    assert.equal(seen.length, 1);
    assert.equal(seen[0]!.msg.transactionId, result.msgId);
    assert.equal(seen[0]!.msg.getProperty('__transactionId__'), result.msgId);
    assert.deepEqual(seen[0]!.arg, { order: 1 });
    const end = await nextEnd(group);
    assert.ok(isOneway(end), 'END_TRANSACTION goes oneway');
    assert.equal(end.remark, undefined);
    assert.deepEqual(
      { ...end.extFields },
      {
        topic: 'TxTopic',
        producerGroup: group,
        tranStateTableOffset: half.queueOffset.toString(),
        commitLogOffset: half.commitLogOffset.toString(),
        commitOrRollback: '8',
        fromTransactionCheck: 'false',
        msgId: result.msgId,
        transactionId: result.msgId,
        bname: BROKER_NAME,
      },
    );
    assert.equal(decodeOffsetMessageId(result.offsetMsgId).commitLogOffset, half.commitLogOffset);
    assert.ok(result instanceof TransactionSendResult);
    assert.equal(result.localTransactionState, 'COMMIT_MESSAGE');
    assert.equal(result.sendStatus, 'SEND_OK');
    assert.equal(result.transactionId, result.msgId);
    assert.equal(result.messageQueue.topic, 'TxTopic');
    assert.match(result.toString(), /localTransactionState=COMMIT_MESSAGE\]$/);
    assert.equal(hooked.length, 1);
    assert.deepEqual(
      { ...hooked[0]!, message: undefined },
      {
        producerGroup: group,
        message: undefined,
        brokerAddr: fake.brokerAddress,
        msgId: result.msgId,
        transactionId: result.msgId,
        transactionState: 'COMMIT_MESSAGE',
        fromTransactionCheck: false,
      },
    );
    assert.equal(hooked[0]!.message, seen[0]!.msg);
  });

  it('rollback and unknown map to 12 and 0; async listeners count', async () => {
    for (const [state, value] of [
      [LocalTransactionState.ROLLBACK_MESSAGE, '12'],
      [LocalTransactionState.UNKNOW, '0'],
    ] as const) {
      const producer = await start({
        executeLocalTransaction: async () => {
          await new Promise((r) => setTimeout(r, 5));
          return state;
        },
        checkLocalTransaction: () => state,
      });
      const result = await producer.sendMessageInTransaction(new Message('TxTopic', 'x'));
      assert.equal(result.localTransactionState, state);
      const end = await nextEnd(producer.producerGroup);
      assert.equal(end.extFields?.commitOrRollback, value);
      assert.equal(end.extFields?.fromTransactionCheck, 'false');
    }
  });

  it('a local transaction that throws, times out or returns nothing ends UNKNOW, never commit', async () => {
    // The timed-out transaction settles (with a commit) only once the test lets it, after its END.
    let settleLate!: () => void;
    const lateCommit = new Promise<LocalTransactionState>(
      (resolve) => (settleLate = () => resolve(LocalTransactionState.COMMIT_MESSAGE)),
    );
    const groupsUsed: string[] = [];
    const cases: [string, TransactionListener['executeLocalTransaction'], RegExp | undefined][] = [
      [
        'throws',
        () => {
          throw new TypeError('db down');
        },
        /^executeLocalTransactionBranch exception: TypeError: db down$/,
      ],
      [
        'rejects',
        () => Promise.reject(new Error('no')),
        /^executeLocalTransactionBranch exception: Error: no$/,
      ],
      [
        'times out',
        () => lateCommit,
        /^executeLocalTransactionBranch exception: LocalTransactionTimeoutError: executeLocalTransaction did not settle within 50 ms/,
      ],
      ['returns undefined', () => undefined as unknown as LocalTransactionState, undefined],
      ['returns garbage', () => 'COMMIT' as LocalTransactionState, undefined],
    ];
    for (const [what, execute, remark] of cases) {
      const producer = await start(
        { executeLocalTransaction: execute, checkLocalTransaction: () => LocalTransactionState.UNKNOW },
        { localTransactionTimeoutMillis: 50 },
      );
      groupsUsed.push(producer.producerGroup);
      const result = await producer.sendMessageInTransaction(new Message('TxTopic', what));
      assert.equal(result.localTransactionState, 'UNKNOW', what);
      const end = await nextEnd(producer.producerGroup);
      assert.equal(end.extFields?.commitOrRollback, '0', what);
      if (remark === undefined) assert.equal(end.remark, undefined, what);
      else assert.match(end.remark ?? '', remark, what);
    }
    settleLate();
    await new Promise((r) => setTimeout(r, 30));
    for (const group of groupsUsed) {
      assert.deepEqual(
        endsOf(group).map((e) => e.extFields?.commitOrRollback),
        ['0'],
        'one END_TRANSACTION each, UNKNOW; the late commit was ignored',
      );
    }
  });

  it('a half message the broker refuses: the send error, no local transaction, no END_TRANSACTION', async () => {
    let ran = 0;
    const producer = await start({ ...COMMIT, executeLocalTransaction: () => (ran++, 'COMMIT_MESSAGE') });
    fake.sendCode = ResponseCode.NO_PERMISSION;
    try {
      await assert.rejects(producer.sendMessageInTransaction(new Message('TxTopic', 'x')), (err: unknown) => {
        assert.ok(err instanceof Error);
        assert.match(err.message, /CODE: 16/);
        return true;
      });
    } finally {
      fake.sendCode = ResponseCode.SUCCESS;
    }
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(ran, 0);
    assert.equal(endsOf(producer.producerGroup).length, 0);
  });

  it('stored but not flushed / replicated: ROLLBACK without running the local transaction (Java)', async () => {
    let ran = 0;
    const producer = await start({ ...COMMIT, executeLocalTransaction: () => (ran++, 'COMMIT_MESSAGE') });
    fake.sendCode = ResponseCode.FLUSH_DISK_TIMEOUT;
    let result: TransactionSendResult;
    try {
      result = await producer.sendMessageInTransaction(new Message('TxTopic', 'x'));
    } finally {
      fake.sendCode = ResponseCode.SUCCESS;
    }
    assert.equal(result.sendStatus, 'FLUSH_DISK_TIMEOUT');
    assert.equal(result.localTransactionState, 'ROLLBACK_MESSAGE');
    assert.equal(ran, 0);
    assert.equal((await nextEnd(producer.producerGroup)).extFields?.commitOrRollback, '12');
  });

  it('a 4.9 broker gives no transactionId: none in END_TRANSACTION, the result falls back to UNIQ_KEY', async () => {
    const producer = await start(COMMIT);
    fake.omitTransactionId = true;
    let result: TransactionSendResult;
    try {
      result = await producer.sendMessageInTransaction(new Message('TxTopic', 'x'));
    } finally {
      fake.omitTransactionId = false;
    }
    const end = await nextEnd(producer.producerGroup);
    assert.equal('transactionId' in (end.extFields ?? {}), false);
    assert.equal(end.extFields?.msgId, result.msgId);
    assert.equal(result.transactionId, result.msgId);
  });

  it('namespaces: wire topic and group in the half message and END_TRANSACTION; the check sees the plain topic', async () => {
    const checked: string[] = [];
    const producer = await start(
      {
        executeLocalTransaction: () => LocalTransactionState.UNKNOW,
        checkLocalTransaction: (msg) => (checked.push(msg.topic), LocalTransactionState.COMMIT_MESSAGE),
      },
      { namespace: 'ns1' },
    );
    const result = await producer.sendMessageInTransaction(new Message('TxTopic', 'x'));
    const half = sendOf(result.msgId);
    assert.equal(half.header.topic, 'ns1%TxTopic');
    assert.equal(half.properties.PGROUP, `ns1%${producer.producerGroup}`);
    const end = await nextEnd(`ns1%${producer.producerGroup}`);
    assert.equal(end.extFields?.topic, 'ns1%TxTopic');
    assert.equal(result.messageQueue.topic, 'TxTopic');
    await producer.instance.sendHeartbeatToAllBrokers();
    await fake.pushCheck(half, { channel: fake.channelOf(producer.instance.clientId) });
    const answer = await nextEnd(`ns1%${producer.producerGroup}`, 2);
    assert.equal(answer.extFields?.fromTransactionCheck, 'true');
    assert.deepEqual(checked, ['TxTopic']);
  });
});

describe('TransactionProducer rules (Java)', () => {
  const options = { producerGroup: 'TXR', nameServer: '127.0.0.1:1', transactionListener: COMMIT };

  it('a listener is required, and the check pool sizes are validated, at construction', () => {
    const bad = [
      [{ transactionListener: undefined }, /TransactionListener is null/],
      [
        { transactionListener: { executeLocalTransaction: () => 'COMMIT_MESSAGE' } },
        /TransactionListener is null/,
      ],
      [{ checkThreadPoolMinSize: 0 }, /checkThreadPoolMinSize must be a positive integer/],
      [{ checkThreadPoolMinSize: 3, checkThreadPoolMaxSize: 2 }, /must be at least checkThreadPoolMinSize/],
      [{ checkRequestHoldMax: 0 }, /checkRequestHoldMax must be a positive integer/],
      [{ localTransactionTimeoutMillis: 1.5 }, /localTransactionTimeoutMillis/],
      [{ checkTimeoutMillis: 2 ** 31 }, /checkTimeoutMillis must be at most/],
    ] as const;
    for (const [override, message] of bad) {
      assert.throws(
        () => new TransactionProducer({ ...options, ...override } as TransactionProducerOptions),
        (err: unknown) => err instanceof IllegalArgumentError && message.test(err.message),
      );
    }
    assert.equal(new TransactionProducer(options).transactionConfig.checkRequestHoldMax, 2000);
  });

  it('a plain Producer refuses sendMessageInTransaction; an unstarted one is in the wrong state', async () => {
    const plain = new Producer({ producerGroup: 'P', nameServer: '127.0.0.1:1' });
    await assert.rejects(plain.sendMessageInTransaction(new Message('T', 'x')), (err: unknown) => {
      return err instanceof MQClientError && /please use TransactionMQProducer/.test(err.message);
    });
    const tx = new TransactionProducer(options);
    await assert.rejects(tx.sendMessageInTransaction(new Message('T', 'x')), IllegalStateError);
  });

  it('no batch, no timer property; a delay level is dropped; nothing refused is half-applied', async () => {
    const fake = await startFakeTransactionBroker();
    const producer = new TransactionProducer({ ...options, nameServer: fake.namesrvAddress });
    try {
      await producer.start();
      const batch = MessageBatch.generate([new Message('T', 'a'), new Message('T', 'b')], {
        namespace: undefined,
        maxMessageSize: 1 << 20,
        idGenerator: new UniqueIdGenerator(),
      });
      for (const refused of [batch, [new Message('T', 'a')]] as const) {
        await assert.rejects(
          producer.sendMessageInTransaction(refused as unknown as Message),
          /can not be sent as a batch/,
        );
      }
      const timer = new Message('T', 'x');
      timer.deliverTimeMs = Date.now() + 60_000;
      await assert.rejects(
        producer.sendMessageInTransaction(timer),
        /can not be a timer message \(property TIMER_DELIVER_MS\)/,
      );
      assert.equal(timer.getProperty('TRAN_MSG'), undefined, 'the refused message was left untouched');
      const empty = new Message('T', '');
      await assert.rejects(producer.sendMessageInTransaction(empty), /body length is zero/);
      assert.equal(empty.getProperty('TRAN_MSG'), undefined);
      assert.equal(fake.sends.length, 0);
      const delayed = new Message('T', 'x', { delayTimeLevel: 3 });
      const result = await producer.sendMessageInTransaction(delayed);
      assert.equal(fake.sends.length, 1);
      assert.equal(fake.sends[0]!.properties.DELAY, undefined);
      assert.equal(result.localTransactionState, 'COMMIT_MESSAGE');
    } finally {
      await producer.shutdown();
      await fake.close();
    }
  });

  it('two transaction producers of one client instance: each check goes to its own group', async () => {
    const fake = await startFakeTransactionBroker();
    const logger = recordingLogger();
    const instance = new ClientInstance(
      resolveClientConfig({ nameServer: fake.namesrvAddress, clientIP: '127.0.0.1', logger }),
    );
    const asked: string[] = [];
    const listener = (name: string): TransactionListener => ({
      executeLocalTransaction: () => LocalTransactionState.UNKNOW,
      checkLocalTransaction: () => (asked.push(name), LocalTransactionState.ROLLBACK_MESSAGE),
    });
    const a = new TransactionProducer({
      producerGroup: 'GA',
      clientInstance: instance,
      transactionListener: listener('A'),
    });
    const b = new TransactionProducer({
      producerGroup: 'GB',
      clientInstance: instance,
      transactionListener: listener('B'),
    });
    const plain = new Producer({ producerGroup: 'GP', clientInstance: instance });
    try {
      await a.start();
      await b.start();
      await plain.start();
      const ra = await a.sendMessageInTransaction(new Message('T', 'a'));
      const rb = await b.sendMessageInTransaction(new Message('T', 'b'));
      await instance.sendHeartbeatToAllBrokers();
      const channel = fake.channelOf(instance.clientId);
      const halfB = fake.sends.find((s) => s.properties.UNIQ_KEY === rb.msgId)!;
      await fake.pushCheck(halfB, { channel });
      await waitFor(
        'the check of B answered',
        () => fake.ends.find((e) => e.extFields?.fromTransactionCheck === 'true'),
        3000,
        5,
      );
      const halfA = fake.sends.find((s) => s.properties.UNIQ_KEY === ra.msgId)!;
      await fake.pushCheck(halfA, { channel, properties: { PGROUP: 'GP' } });
      await fake.pushCheck(halfA, { channel, properties: { PGROUP: 'NOBODY' } });
      await waitFor(
        'both strays logged',
        () =>
          logger.warnings.filter((w) => /pick (transactionListener|producer) by group/.test(w)).length === 2
            ? true
            : undefined,
        3000,
        5,
      );
      const answers = fake.ends.filter((e) => e.extFields?.fromTransactionCheck === 'true');
      assert.deepEqual(asked, ['B']);
      assert.equal(answers.length, 1);
      const answer = answers[0]!;
      assert.ok(isOneway(answer));
      assert.deepEqual(
        { ...answer.extFields },
        {
          topic: 'RMQ_SYS_TRANS_HALF_TOPIC',
          producerGroup: 'GB',
          tranStateTableOffset: halfB.queueOffset.toString(),
          commitLogOffset: halfB.commitLogOffset.toString(),
          commitOrRollback: '12',
          fromTransactionCheck: 'true',
          msgId: rb.msgId,
          transactionId: rb.msgId,
          bname: BROKER_NAME,
        },
      );
    } finally {
      await Promise.all([a.shutdown(), b.shutdown(), plain.shutdown()]);
      await fake.close();
    }
  });
});
