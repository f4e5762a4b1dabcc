/**
 * The transaction producer's check executor: admission exactly as Java's ThreadPoolExecutor(core, max,
 * bounded queue) admits Runnables, FIFO hand-over of queued checks, the overrun time limit, close().
 * Also the END_TRANSACTION header builders against the field list Java's DefaultMQProducerImpl fills.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CheckExecutor } from '../../src/client/producer/transaction/check-executor.js';
import type { CheckExecutorOptions } from '../../src/client/producer/transaction/check-executor.js';
import {
  buildEndTransactionRequest,
  describeError,
  endHeaderAfterCheck,
  endHeaderAfterSend,
} from '../../src/client/producer/transaction/end-transaction.js';
import {
  commitOrRollbackOf,
  LocalTransactionState,
} from '../../src/client/producer/transaction/transaction-types.js';
import { MessageQueue } from '../../src/client/message-queue.js';
import { SendResult } from '../../src/client/producer/send-result.js';
import { RequestCode } from '../../src/protocol/codes/index.js';
import { encodeOffsetMessageId, messageExtFromRecord } from '../../src/protocol/message/index.js';

interface Gate {
  promise: Promise<void>;
  open(): void;
}

function gate(): Gate {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

function executor(overrides: Partial<CheckExecutorOptions> = {}): {
  ex: CheckExecutor;
  timeouts: string[];
  errors: string[];
} {
  const timeouts: string[] = [];
  const errors: string[] = [];
  const ex = new CheckExecutor({
    minConcurrency: 1,
    maxConcurrency: 1,
    queueLimit: 2,
    taskTimeoutMillis: 10_000,
    onTimeout: (name) => timeouts.push(name),
    onError: (name, err) => errors.push(`${name}: ${String(err)}`),
    ...overrides,
  });
  return { ex, timeouts, errors };
}

describe('CheckExecutor admission (Java ThreadPoolExecutor.execute)', () => {
  it('Java defaults 1/1 with a queue of 2: one runs, two wait, the rest are refused; FIFO after', async () => {
    const { ex } = executor();
    const gates = [gate(), gate(), gate()];
    const order: string[] = [];
    const task = (name: string, g: Gate) => async () => {
      order.push(`start ${name}`);
      await g.promise;
      order.push(`end ${name}`);
    };
    assert.equal(ex.submit('a', task('a', gates[0]!)), 'started');
    assert.equal(ex.submit('b', task('b', gates[1]!)), 'queued');
    assert.equal(ex.submit('c', task('c', gates[2]!)), 'queued');
    assert.equal(
      ex.submit('d', async () => undefined),
      'refused',
    );
    assert.equal(ex.runningCount, 1);
    assert.equal(ex.queuedCount, 2);
    gates[0]!.open();
    await tick();
    assert.deepEqual(order, ['start a', 'end a', 'start b']);
    assert.equal(
      ex.submit('e', async () => undefined),
      'queued',
    );
    gates[1]!.open();
    gates[2]!.open();
    for (let i = 0; i < 5; i++) await tick();
    assert.deepEqual(order, ['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
    assert.equal(ex.runningCount, 0);
  });

  it('core 2, max 4, queue 1: past the core it queues, then grows to the max, then refuses', () => {
    const { ex } = executor({ minConcurrency: 2, maxConcurrency: 4, queueLimit: 1 });
    const never = () => new Promise<void>(() => undefined);
    const got = ['1', '2', '3', '4', '5', '6'].map((n) => ex.submit(n, never));
    assert.deepEqual(got, ['started', 'started', 'queued', 'started', 'started', 'refused']);
    assert.equal(ex.runningCount, 4);
  });

  it('a check that overruns gives its slot back; its signal tells it not to answer', async () => {
    const { ex, timeouts } = executor({ taskTimeoutMillis: 30 });
    let abortedWhenDone: boolean | undefined;
    const hang = gate();
    ex.submit('hung', async (signal) => {
      await hang.promise;
      abortedWhenDone = signal.aborted;
    });
    let ranNext = false;
    assert.equal(
      ex.submit('next', async () => {
        ranNext = true;
      }),
      'queued',
    );
    await new Promise((r) => setTimeout(r, 60));
    assert.deepEqual(timeouts, ['hung']);
    assert.equal(ranNext, true);
    hang.open();
    await tick();
    assert.equal(abortedWhenDone, true);
  });

  it('a task that throws synchronously or rejects is reported and frees its slot', async () => {
    const { ex, errors } = executor();
    ex.submit('sync', () => {
      throw new Error('boom');
    });
    ex.submit('async', () => Promise.reject(new Error('bang')));
    for (let i = 0; i < 4; i++) await tick();
    assert.deepEqual(errors, ['sync: Error: boom', 'async: Error: bang']);
    assert.equal(ex.runningCount, 0);
  });

  it('close(): refuses new checks, drops the queued ones, waits for the running one', async () => {
    const { ex } = executor();
    const g = gate();
    let finished = false;
    ex.submit('a', async () => {
      await g.promise;
      finished = true;
    });
    ex.submit('b', async () => undefined);
    setTimeout(() => g.open(), 10);
    assert.equal(await ex.close(1000), 1);
    assert.equal(finished, true);
    assert.equal(
      ex.submit('c', async () => undefined),
      'refused',
    );
  });
});

describe('END_TRANSACTION headers (Java DefaultMQProducerImpl.endTransaction / processTransactionState)', () => {
  const store = { ip: '10.1.2.3', port: 10911 };
  const result = new SendResult({
    sendStatus: 'SEND_OK',
    msgId: 'AC110001000078308DB1000000000000',
    offsetMsgId: encodeOffsetMessageId(store, 123_456_789_012n),
    messageQueue: new MessageQueue('T', 'broker-b', 0),
    queueOffset: 77n,
    transactionId: 'AC110001000078308DB1000000000000',
  });

  it('after the local transaction: offsets from the offset msg id and the queue offset', () => {
    const h = endHeaderAfterSend('ns%T', 'ns%G', result, LocalTransactionState.ROLLBACK_MESSAGE);
    assert.deepEqual(h, {
      topic: 'ns%T',
      producerGroup: 'ns%G',
      tranStateTableOffset: 77n,
      commitLogOffset: 123_456_789_012n,
      commitOrRollback: 12,
      fromTransactionCheck: false,
      msgId: 'AC110001000078308DB1000000000000',
      bname: 'broker-b',
      transactionId: 'AC110001000078308DB1000000000000',
    });
    const request = buildEndTransactionRequest(h, 'executeLocalTransactionBranch exception: Error: x');
    assert.equal(request.code, RequestCode.END_TRANSACTION);
    assert.equal(request.code, 37);
    assert.equal(request.extFields?.commitLogOffset, '123456789012');
    assert.equal(request.remark, 'executeLocalTransactionBranch exception: Error: x');
  });

  it('answering a check: copied from the check header; msgId falls back to the offset msg id', () => {
    const message = messageExtFromRecord({
      topic: 'T',
      queueId: 0,
      flag: 0,
      queueOffset: 5n,
      physicalOffset: 9000n,
      sysFlag: 0,
      bornTimestamp: 1,
      bornHost: { ip: '127.0.0.1', port: 1 },
      storeTimestamp: 2,
      storeHost: store,
      reconsumeTimes: 0,
      preparedTransactionOffset: 0n,
      body: Buffer.from('x'),
      properties: '',
      bodyCrc: 0,
      storeSize: 0,
    });
    const h = endHeaderAfterCheck(
      'G',
      { tranStateTableOffset: 5n, commitLogOffset: 9000n, bname: 'broker-b' },
      message,
      LocalTransactionState.UNKNOW,
    );
    assert.deepEqual(h, {
      producerGroup: 'G',
      tranStateTableOffset: 5n,
      commitLogOffset: 9000n,
      commitOrRollback: 0,
      fromTransactionCheck: true,
      msgId: encodeOffsetMessageId(store, 9000n),
      bname: 'broker-b',
    });
  });

  it('state values are the MessageSysFlag transaction types; errors read like Throwable.toString', () => {
    assert.deepEqual(
      [
        LocalTransactionState.COMMIT_MESSAGE,
        LocalTransactionState.ROLLBACK_MESSAGE,
        LocalTransactionState.UNKNOW,
      ].map(commitOrRollbackOf),
      [8, 12, 0],
    );
    assert.equal(describeError(new RangeError('r')), 'RangeError: r');
    assert.equal(describeError(new Error('')), 'Error');
    assert.equal(describeError('plain'), 'plain');
  });
});
