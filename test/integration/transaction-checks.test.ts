/**
 * Back-checks pushed by a stand-in broker over a TransactionProducer's own connection: a checker that
 * throws (UNKNOW with Java's remark), one that hangs (no answer, its slot given back, the connection
 * and the next checks unaffected), the bounded pool and its queue limit, checks the client cannot
 * route (logged), and shutdown() waiting for a check under way so its answer still leaves.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { LocalTransactionState, TransactionProducer } from '../../src/client/index.js';
import type { TransactionListener, TransactionProducerOptions } from '../../src/client/index.js';
import { RequestCode } from '../../src/protocol/codes/index.js';
import { createRequest, isOneway, markOneway } from '../../src/protocol/command/remoting-command.js';
import type { RemotingCommand } from '../../src/protocol/command/remoting-command.js';
import { Message } from '../../src/protocol/message/index.js';
import { waitFor } from '../helpers/wait.js';
import { recordingLogger } from './producer-helpers.js';
import { startFakeTransactionBroker } from './transaction-helpers.js';
import type { FakeTransactionBroker, SeenSend } from './transaction-helpers.js';

describe('transaction back-checks over the client connection', () => {
  let fake: FakeTransactionBroker;
  let groups = 0;

  before(async () => {
    fake = await startFakeTransactionBroker();
  });
  after(async () => {
    await fake.close();
  });

  /** A started producer, one UNKNOW transaction sent (its half message returned), heartbeat done. */
  const setup = async (
    checkLocalTransaction: TransactionListener['checkLocalTransaction'],
    options: Partial<TransactionProducerOptions> = {},
  ) => {
    const logger = recordingLogger();
    const producer = new TransactionProducer({
      producerGroup: `TXC_${++groups}`,
      nameServer: fake.namesrvAddress,
      clientIP: '127.0.0.1',
      logger,
      transactionListener: {
        executeLocalTransaction: () => LocalTransactionState.UNKNOW,
        checkLocalTransaction,
      },
      ...options,
    });
    await producer.start();
    const result = await producer.sendMessageInTransaction(new Message('TxTopic', 'x'));
    await producer.instance.sendHeartbeatToAllBrokers();
    const half = fake.sends.find((s) => s.properties.UNIQ_KEY === result.msgId)!;
    const channel = fake.channelOf(producer.instance.clientId);
    assert.ok(channel);
    const group = producer.producerGroup;
    const answers = (): RemotingCommand[] =>
      fake.ends.filter(
        (e) => e.extFields?.producerGroup === group && e.extFields.fromTransactionCheck === 'true',
      );
    const push = (send: SeenSend = half, properties?: Record<string, string>) =>
      fake.pushCheck(send, { channel, ...(properties && { properties }) });
    return { producer, logger, half, channel, answers, push };
  };

  it('a checker that throws: UNKNOW answered with "checkLocalTransactionState Exception" (Java)', async () => {
    const { producer, answers, push, logger, half } = await setup(() => {
      throw new Error('db unreachable');
    });
    const hooked: unknown[] = [];
    producer.registerEndTransactionHook({
      hookName: 'h',
      endTransaction: (c) => hooked.push([c.fromTransactionCheck, c.transactionState, c.msgId, c.brokerAddr]),
    });
    try {
      await push();
      const [answer] = await waitFor(
        'the answer',
        () => (answers().length > 0 ? answers() : undefined),
        3000,
        5,
      );
      assert.ok(isOneway(answer!));
      assert.equal(answer!.extFields?.commitOrRollback, '0');
      assert.equal(answer!.remark, 'checkLocalTransactionState Exception: Error: db unreachable');
      assert.ok(logger.warnings.some((w) => /broker check answered without a commit/.test(w)));
      assert.deepEqual(hooked, [[true, 'UNKNOW', half.properties.UNIQ_KEY, fake.brokerAddress]]);
    } finally {
      await producer.shutdown();
    }
  });

  it('a hanging checker: no answer, its slot given back after checkTimeoutMillis, the next check answered', async () => {
    let calls = 0;
    const { producer, answers, push, logger } = await setup(
      () => (++calls === 1 ? new Promise<never>(() => undefined) : LocalTransactionState.COMMIT_MESSAGE),
      { checkTimeoutMillis: 80 },
    );
    try {
      await push();
      await push();
      const got = await waitFor('one answer', () => (answers().length > 0 ? answers() : undefined), 3000, 5);
      assert.equal(got.length, 1);
      assert.equal(got[0]!.extFields?.commitOrRollback, '8');
      assert.equal(calls, 2);
      assert.ok(logger.warnings.some((w) => /did not settle within checkTimeoutMillis/.test(w)));
    } finally {
      await producer.shutdown();
    }
  });

  it('bounded: with one slot and a queue of 2, five checks at once run one at a time, two are refused', async () => {
    const release: (() => void)[] = [];
    let running = 0;
    let peak = 0;
    const { producer, answers, push, logger } = await setup(
      () =>
        new Promise<LocalTransactionState>((resolve) => {
          peak = Math.max(peak, ++running);
          release.push(() => {
            running--;
            resolve(LocalTransactionState.ROLLBACK_MESSAGE);
          });
        }),
      { checkRequestHoldMax: 2 },
    );
    try {
      for (let i = 0; i < 5; i++) await push();
      await waitFor(
        'two refusals logged',
        () => (logger.warnings.filter((w) => /check refused/.test(w)).length === 2 ? true : undefined),
        3000,
        5,
      );
      for (let answered = 1; answered <= 3; answered++) {
        await waitFor('a check waiting', () => (release.length > 0 ? true : undefined), 3000, 5);
        release.shift()!();
        await waitFor(
          `answer ${answered}`,
          () => (answers().length === answered ? true : undefined),
          3000,
          5,
        );
      }
      assert.equal(peak, 1);
      assert.equal(answers().length, 3);
    } finally {
      await producer.shutdown();
    }
  });

  it('unroutable checks are logged and the connection keeps working: bad body, no PGROUP, missing header field', async () => {
    let checked = 0;
    const { producer, answers, push, channel, logger, half } = await setup(
      () => (checked++, LocalTransactionState.COMMIT_MESSAGE),
    );
    try {
      const noGroup = { ...half, properties: { ...half.properties } };
      delete noGroup.properties.PGROUP;
      await push(noGroup);
      for (const request of [
        createRequest(RequestCode.CHECK_TRANSACTION_STATE, {
          extFields: { tranStateTableOffset: '1', commitLogOffset: '2' },
          body: Buffer.from('not a record'),
        }),
        createRequest(RequestCode.CHECK_TRANSACTION_STATE, { extFields: { commitLogOffset: '2' } }),
      ]) {
        markOneway(request);
        await channel.invokeOneway(request, 3000);
      }
      await push();
      await waitFor('the good check answered', () => (answers().length === 1 ? true : undefined), 3000, 5);
      assert.equal(checked, 1);
      assert.equal(logger.warnings.filter((w) => /pick producer group failed/.test(w)).length, 1);
      assert.equal(logger.warnings.filter((w) => /decode message failed/.test(w)).length, 2);
    } finally {
      await producer.shutdown();
    }
  });

  it('shutdown() waits for a check under way, so its answer still reaches the broker; later checks are not taken', async () => {
    let finish!: () => void;
    const { producer, answers, push } = await setup(
      () =>
        new Promise<LocalTransactionState>((resolve) => {
          finish = () => resolve(LocalTransactionState.COMMIT_MESSAGE);
        }),
    );
    await push();
    await waitFor('the check running', () => (finish === undefined ? undefined : true), 3000, 5);
    const closing = producer.shutdown({ timeoutMillis: 3000 });
    await assert.rejects(producer.sendMessageInTransaction(new Message('TxTopic', 'late')), /shutting down/);
    setTimeout(() => finish(), 30);
    await closing;
    assert.equal(answers().length, 1);
    assert.equal(answers()[0]!.extFields?.commitOrRollback, '8');
  });
});
