/**
 * PullConsumer.poll over a fake broker: where it starts, when it stops (count, idle, abort) and what
 * it commits, including when a commit fails.
 */
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { describe, it } from 'node:test';
import { ClientInstance, resolveClientConfig } from '../../src/client/index.js';
import { PullConsumer } from '../../src/client/consumer/index.js';
import type { PulledMessage } from '../../src/client/consumer/index.js';
import { MQBrokerError } from '../../src/common/errors.js';
import { RequestCode, ResponseCode } from '../../src/protocol/codes/index.js';
import { createResponse } from '../../src/protocol/command/remoting-command.js';
import type { RemotingCommand } from '../../src/protocol/command/remoting-command.js';
import {
  GetMaxOffsetResponseHeader,
  PullMessageResponseHeader,
  QueryConsumerOffsetResponseHeader,
} from '../../src/protocol/headers/index.js';
import { encodeMessageRecord } from '../../src/protocol/message/index.js';
import { FakeRemoting, makeRoute, routeResponse } from './client-fake-remoting.js';

const NS = '127.0.0.1:9876';
const A = '10.0.0.1:10911';

/** A one-queue topic `T` holding `count` messages (offsets 0..count-1), body = offset as text. */
class FakeBroker {
  readonly fake = new FakeRemoting();
  readonly commits: bigint[] = [];
  failCommits = false;
  stored: bigint | undefined;

  constructor(
    readonly count: number,
    readonly queues = 1,
  ) {
    this.fake.handler = (call) => this.answer(call.request);
  }

  private answer(request: RemotingCommand): RemotingCommand {
    const ext = request.extFields ?? {};
    switch (request.code) {
      case RequestCode.GET_ROUTEINFO_BY_TOPIC:
        return routeResponse(makeRoute([['broker-a', A, this.queues]]));
      case RequestCode.HEART_BEAT:
      case RequestCode.UNREGISTER_CLIENT:
        return createResponse(ResponseCode.SUCCESS);
      case RequestCode.GET_MIN_OFFSET:
        return createResponse(ResponseCode.SUCCESS, {
          extFields: GetMaxOffsetResponseHeader.encode({ offset: 0n }),
        });
      case RequestCode.GET_MAX_OFFSET:
        return createResponse(ResponseCode.SUCCESS, {
          extFields: GetMaxOffsetResponseHeader.encode({ offset: BigInt(this.count) }),
        });
      case RequestCode.QUERY_CONSUMER_OFFSET:
        return this.stored === undefined
          ? createResponse(ResponseCode.QUERY_NOT_FOUND)
          : createResponse(ResponseCode.SUCCESS, {
              extFields: QueryConsumerOffsetResponseHeader.encode({ offset: this.stored }),
            });
      case RequestCode.UPDATE_CONSUMER_OFFSET:
        if (this.failCommits) return createResponse(ResponseCode.SYSTEM_ERROR, { remark: 'commit refused' });
        this.commits.push(BigInt(ext.commitOffset ?? '-1'));
        this.stored = BigInt(ext.commitOffset ?? '-1');
        return createResponse(ResponseCode.SUCCESS);
      case RequestCode.PULL_MESSAGE:
        return this.pull(BigInt(ext.queueOffset ?? '0'), Number(ext.maxMsgNums ?? '1'));
      default:
        throw new Error(`unexpected request ${request.code}`);
    }
  }

  private pull(from: bigint, max: number): RemotingCommand {
    const end = BigInt(this.count);
    const header = (next: bigint) =>
      PullMessageResponseHeader.encode({
        suggestWhichBrokerId: 0,
        nextBeginOffset: next,
        minOffset: 0n,
        maxOffset: end,
      });
    if (from >= end) return createResponse(ResponseCode.PULL_NOT_FOUND, { extFields: header(from) });
    const upTo = from + BigInt(max) < end ? from + BigInt(max) : end;
    const records: Buffer[] = [];
    for (let o = from; o < upTo; o++) {
      records.push(
        encodeMessageRecord({
          topic: 'T',
          queueId: 0,
          flag: 0,
          queueOffset: o,
          physicalOffset: 1000n + o,
          sysFlag: 0,
          bornTimestamp: 1_700_000_000_000,
          bornHost: { ip: '10.0.0.1', port: 5555 },
          storeTimestamp: 1_700_000_000_123,
          storeHost: { ip: '10.0.0.1', port: 10911 },
          reconsumeTimes: 0,
          preparedTransactionOffset: 0n,
          body: Buffer.from(String(o)),
          properties: '',
        }),
      );
    }
    return createResponse(ResponseCode.SUCCESS, { extFields: header(upTo), body: Buffer.concat(records) });
  }

  async consumer(): Promise<PullConsumer> {
    const client = resolveClientConfig({ nameServer: NS, clientIP: '10.0.0.9', instanceName: 'poll' });
    const instance = new ClientInstance(client, { remoting: this.fake.asInstanceRemoting() });
    const consumer = new PullConsumer({ consumerGroup: 'CG', nameServer: NS, clientInstance: instance });
    await consumer.start();
    return consumer;
  }
}

const bodies = (ms: PulledMessage[]): string[] => ms.map((m) => m.body.toString());

describe('PullConsumer.poll', () => {
  it('reads everything from the beginning and stops once caught up (idle 0), committing the end', async () => {
    const broker = new FakeBroker(5);
    const c = await broker.consumer();
    const got = await c.pollAll('T', { batchSize: 2, commit: true });
    assert.deepEqual(bodies(got), ['0', '1', '2', '3', '4']);
    assert.equal(broker.commits.at(-1), 5n);
    await c.shutdown();
  });

  it('maxMessages stops after that many and commits the offset after the last one handed out', async () => {
    const broker = new FakeBroker(10);
    const c = await broker.consumer();
    const got: PulledMessage[] = [];
    for await (const m of c.poll('T', { from: 'beginning', commit: true, maxMessages: 3, batchSize: 4 }))
      got.push(m);
    assert.deepEqual(bodies(got), ['0', '1', '2']);
    assert.equal(broker.stored, 3n);
    const rest: PulledMessage[] = [];
    for await (const m of c.poll('T', { from: 'stored', commit: true })) rest.push(m);
    assert.deepEqual(bodies(rest), ['3', '4', '5', '6', '7', '8', '9']);
    await c.shutdown();
  });

  it('an abort ends a poll waiting for new messages at once', async () => {
    const broker = new FakeBroker(2);
    const c = await broker.consumer();
    const abort = new AbortController();
    const got: PulledMessage[] = [];
    const began = Date.now();
    for await (const m of c.poll('T', {
      from: 'beginning',
      idleTimeoutMillis: 60_000,
      pollIntervalMillis: 50,
      signal: abort.signal,
    })) {
      got.push(m);
      if (got.length === 2) setTimeout(() => abort.abort(), 100);
    }
    assert.deepEqual(bodies(got), ['0', '1']);
    assert.ok(Date.now() - began < 30_000, 'the abort ended the idle wait');
    await c.shutdown();
  });

  it('a signal shared by the pulls of many queues takes one listener per round: no leak warning', async () => {
    // Each pull listens to the signal it is given; 16 queues on the caller's signal made Node print
    // MaxListenersExceededWarning (past 10) on every poll of such a topic (rmq consume, rmq reply).
    const broker = new FakeBroker(1, 16);
    const c = await broker.consumer();
    const warnings: Error[] = [];
    const onWarning = (w: Error): void => void warnings.push(w);
    process.on('warning', onWarning);
    try {
      const abort = new AbortController();
      const got = await c.pollAll('T', { from: 'beginning', signal: abort.signal });
      assert.equal(got.length, 16, 'one message from each of the 16 queues');
      await new Promise((resolve) => setImmediate(resolve)); // warnings are emitted on a later tick
      assert.deepEqual(
        warnings.filter((w) => w.name === 'MaxListenersExceededWarning').map((w) => w.message),
        [],
      );
      assert.equal(getEventListeners(abort.signal, 'abort').length, 0, 'no listener left on the signal');
    } finally {
      process.off('warning', onWarning);
      await c.shutdown();
    }
  });

  it('a failing commit rejects the poll with the broker error, tried once (not again on the way out)', async () => {
    const broker = new FakeBroker(3);
    broker.failCommits = true;
    const c = await broker.consumer();
    const got: PulledMessage[] = [];
    await assert.rejects(
      (async () => {
        for await (const m of c.poll('T', { from: 'beginning', commit: true })) got.push(m);
      })(),
      (e: unknown) => e instanceof MQBrokerError && e.code === ResponseCode.SYSTEM_ERROR,
    );
    assert.deepEqual(bodies(got), ['0', '1', '2']);
    assert.equal(broker.fake.callsWithCode(RequestCode.UPDATE_CONSUMER_OFFSET).length, 1);
    await c.shutdown();
  });
});
