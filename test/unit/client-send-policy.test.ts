/**
 * The send loop's retry policies, table by table: what each mode decides after an attempt, the time
 * each attempt may use (a fake clock drives the one budget), and the one retriability test read from
 * the errors (the response-code table for broker answers).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MessageQueue, SendResult } from '../../src/client/index.js';
import {
  SendBudget,
  asyncPolicy,
  isRetriable,
  sendPolicyFor,
  syncPolicy,
} from '../../src/client/producer/send/send-policy.js';
import type {
  AttemptOutcome,
  Decision,
  LoopState,
  SendPolicy,
} from '../../src/client/producer/send/send-policy.js';
import { resolveProducerConfig } from '../../src/client/producer/producer-options.js';
import {
  HeaderFieldError,
  ClientErrorCode,
  IllegalArgumentError,
  MQBrokerError,
  MQClientError,
  RemotingConnectError,
  RemotingSendRequestError,
  RemotingTimeoutError,
  RemotingTooMuchRequestError,
  RequestRefusedError,
} from '../../src/common/errors.js';
import { RETRIABLE_RESPONSE_CODES } from '../../src/common/retriable-codes.js';
import { ResponseCode } from '../../src/protocol/codes/index.js';

class FakeClock {
  constructor(public t = 1_000_000) {}
  now(): number {
    return this.t;
  }
}

const result = (sendStatus: SendResult['sendStatus']): SendResult =>
  new SendResult({
    sendStatus,
    msgId: 'M',
    offsetMsgId: 'O',
    messageQueue: new MessageQueue('T', 'a', 0),
    queueOffset: 0n,
  });

const OK: AttemptOutcome = { ok: true, result: result('SEND_OK') };
const NOT_STORED_OK: AttemptOutcome = { ok: true, result: result('FLUSH_DISK_TIMEOUT') };
const ONEWAY_OK: AttemptOutcome = { ok: true, result: undefined };
const sent = (error: unknown, answered = false): AttemptOutcome => ({
  ok: false,
  error,
  stage: 'dispatch',
  answered,
});
const notBuilt = (error: unknown): AttemptOutcome => ({
  ok: false,
  error,
  stage: 'prepare',
  answered: false,
});

const CONNECT = sent(new RemotingConnectError('a:1'));
const TIMEOUT = sent(new RemotingTimeoutError('a:1', 100));
const BUSY = sent(new MQBrokerError(ResponseCode.SYSTEM_BUSY, 'busy'), true);
const GO_AWAY = sent(new MQBrokerError(ResponseCode.GO_AWAY, 'bye'), true);
const ILLEGAL = sent(new MQBrokerError(ResponseCode.MESSAGE_ILLEGAL, 'bad'), true);
const BAD_ANSWER = sent(new HeaderFieldError('queueId missing'), true);
const NO_ADDRESS = notBuilt(
  new MQClientError('The broker[a] not exist', { code: ClientErrorCode.BROKER_NOT_EXIST_EXCEPTION }),
);
const VETO = notBuilt(new Error('forbidden'));
const KERNEL_TIMEOUT = notBuilt(new RemotingTooMuchRequestError('sendKernelImpl call timeout'));

const state = (attempts: number, remaining = 1000, hasEarlierResult = false): LoopState => ({
  attempts,
  remaining,
  hasEarlierResult,
});

function table(policy: SendPolicy, rows: [string, AttemptOutcome, LoopState, Decision][]): void {
  for (const [name, outcome, s, decision] of rows) {
    it(`${name} (attempt ${s.attempts}, ${s.remaining} ms left) -> ${decision}`, () =>
      assert.equal(policy.decide(outcome, s), decision));
  }
}

describe('retriability: one table for broker answers, the error classes for the rest', () => {
  it('the response-code table is the 5.x retry set, SYSTEM_BUSY and GO_AWAY included', () => {
    const names = [
      'SYSTEM_ERROR',
      'SYSTEM_BUSY',
      'SERVICE_NOT_AVAILABLE',
      'NO_PERMISSION',
      'TOPIC_NOT_EXIST',
      'NO_BUYER_ID',
      'NOT_IN_CURRENT_UNIT',
      'GO_AWAY',
    ] as const;
    assert.deepEqual(
      [...RETRIABLE_RESPONSE_CODES].sort((a, b) => a - b),
      names.map((n) => ResponseCode[n]).sort((a, b) => a - b),
    );
  });
  const cases: [string, unknown, boolean][] = [
    ['connect failure', new RemotingConnectError('a:1'), true],
    ['timeout', new RemotingTimeoutError('a:1', 5), true],
    ['connection closed', new RemotingSendRequestError('a:1'), true],
    ['no budget / no permit', new RemotingTooMuchRequestError('x'), true],
    [
      'client error (no broker address)',
      new MQClientError('x', { code: ClientErrorCode.BROKER_NOT_EXIST_EXCEPTION }),
      true,
    ],
    ['unreadable answer', new HeaderFieldError('x'), true],
    ...[1, 2, 14, 16, 17, 204, 205, 1500].map((code): [string, unknown, boolean] => [
      `broker code ${code}`,
      new MQBrokerError(code, 'x'),
      true,
    ]),
    ...[3, 13, 15, 23, 26, 215].map((code): [string, unknown, boolean] => [
      `broker code ${code}`,
      new MQBrokerError(code, 'x'),
      false,
    ]),
    ['broker error marked by hand', new MQBrokerError(13, 'x', 'a:1', { retriable: true }), true],
    ['wrong use of the API', new IllegalArgumentError('x'), false],
    ['a refusal', new RequestRefusedError(1, 'x'), false],
    ['a hook throwing a plain Error', new Error('x'), false],
    ['not an error at all', 'boom', false],
  ];
  for (const [name, error, expected] of cases) {
    it(`${name}: ${expected ? '' : 'not '}retriable`, () => assert.equal(isRetriable(error), expected));
  }
});

describe('SYNC policy (1 + retryTimesWhenSendFailed = 3 attempts)', () => {
  const sync = syncPolicy({ maxAttempts: 3, perAttemptCap: -1, retryNotStoredOK: false });
  table(sync, [
    ['SEND_OK', OK, state(1), 'settle'],
    ['stored, not SEND_OK', NOT_STORED_OK, state(1), 'settle'],
    ['connect failure', CONNECT, state(1), 'retry'],
    ['timeout', TIMEOUT, state(2), 'retry'],
    ['timeout, no attempt left', TIMEOUT, state(3), 'give-up'],
    ['timeout with 0 ms left (the next attempt gets 0 ms)', TIMEOUT, state(1, 0), 'retry'],
    ['SYSTEM_BUSY', BUSY, state(1), 'retry'],
    ['GO_AWAY', GO_AWAY, state(2), 'retry'],
    ['GO_AWAY, no attempt left', GO_AWAY, state(3), 'give-up'],
    ['MESSAGE_ILLEGAL', ILLEGAL, state(1), 'fail'],
    ['unreadable answer', BAD_ANSWER, state(1), 'retry'],
    ['no broker address', NO_ADDRESS, state(1), 'retry'],
    ['kernel budget overrun', KERNEL_TIMEOUT, state(1), 'retry'],
    ['check-forbidden veto', VETO, state(1), 'fail'],
  ]);
  const notStored = syncPolicy({ maxAttempts: 3, perAttemptCap: -1, retryNotStoredOK: true });
  describe('with retryAnotherBrokerWhenNotStoreOK', () => {
    table(notStored, [
      ['stored, not SEND_OK', NOT_STORED_OK, state(1), 'retry'],
      ['stored, not SEND_OK, no attempt left', NOT_STORED_OK, state(3), 'settle'],
      ['MESSAGE_ILLEGAL after a stored result', ILLEGAL, state(2, 1000, true), 'settle-earlier'],
      ['veto after a stored result', VETO, state(2, 1000, true), 'fail'],
      ['timeout after a stored result', TIMEOUT, state(3, 1000, true), 'give-up'],
    ]);
  });
  it('each attempt gets what is left; the cap applies to every attempt but the last', () => {
    const capped = syncPolicy({ maxAttempts: 3, perAttemptCap: 100, retryNotStoredOK: false });
    assert.deepEqual(
      [0, 1, 2].map((i) => capped.attemptTimeout(i, 1900)),
      [100, 100, 1900],
    );
    assert.deepEqual(
      [0, 1, 2].map((i) => capped.attemptTimeout(i, 40)),
      [40, 40, 40],
    );
    assert.deepEqual(
      [0, 1, 2].map((i) => sync.attemptTimeout(i, 700)),
      [700, 700, 700],
    );
  });
});

describe('ASYNC policy (1 + retryTimesWhenSendAsyncFailed = 3 attempts)', () => {
  const async = asyncPolicy({ maxAttempts: 3 });
  table(async, [
    ['SEND_OK', OK, state(1), 'settle'],
    ['stored, not SEND_OK (never retried)', NOT_STORED_OK, state(1), 'settle'],
    ['connect failure', CONNECT, state(1), 'retry'],
    ['timeout', TIMEOUT, state(2, 1), 'retry'],
    ['timeout with 0 ms left', TIMEOUT, state(1, 0), 'fail'],
    ['timeout past the budget', TIMEOUT, state(1, -3), 'fail'],
    ['timeout, no attempt left', TIMEOUT, state(3), 'fail'],
    [
      'no address for the re-aimed request',
      sent(new MQClientError('no broker', { code: ClientErrorCode.BROKER_NOT_EXIST_EXCEPTION })),
      state(2),
      'retry',
    ],
    ['SYSTEM_BUSY (a broker answer is final)', BUSY, state(1), 'fail'],
    ['GO_AWAY (a broker answer is final)', GO_AWAY, state(1), 'fail'],
    ['unreadable answer', BAD_ANSWER, state(1), 'fail'],
    ['transport shut down', sent(new Error('closed')), state(1), 'fail'],
    ['first request not built: no broker address', NO_ADDRESS, state(1), 'give-up'],
    ['first request not built: kernel budget overrun', KERNEL_TIMEOUT, state(1), 'give-up'],
    ['first request not built: veto', VETO, state(1), 'fail'],
  ]);
  it('prepares once, every attempt gets what is left (no cap)', () => {
    assert.equal(async.preparesOnce, true);
    assert.deepEqual(
      [0, 1, 2].map((i) => async.attemptTimeout(i, 900)),
      [900, 900, 900],
    );
  });
});

describe('policies from the producer config', () => {
  const config = resolveProducerConfig({
    producerGroup: 'PG',
    retryTimesWhenSendFailed: 4,
    retryTimesWhenSendAsyncFailed: 1,
    sendMsgMaxTimeoutPerRequest: 250,
  });
  it('SYNC: 1 + retryTimesWhenSendFailed attempts, capped; prepared per attempt', () => {
    const p = sendPolicyFor('SYNC', config);
    assert.equal(p.maxAttempts, 5);
    assert.equal(p.preparesOnce, false);
    assert.equal(p.attemptTimeout(0, 3000), 250);
    assert.equal(p.attemptTimeout(4, 3000), 3000);
  });
  it('ASYNC: 1 + retryTimesWhenSendAsyncFailed attempts, uncapped', () => {
    const p = sendPolicyFor('ASYNC', config);
    assert.equal(p.maxAttempts, 2);
    assert.equal(p.attemptTimeout(0, 3000), 3000);
  });
  it('ONEWAY: one attempt; a retriable failure gives up ("Send [1] times"), any other fails as is', () => {
    const p = sendPolicyFor('ONEWAY', config);
    assert.equal(p.maxAttempts, 1);
    assert.equal(p.decide(ONEWAY_OK, state(1)), 'settle');
    assert.equal(p.decide(CONNECT, state(1)), 'give-up');
    assert.equal(p.decide(VETO, state(1)), 'fail');
  });
});

describe('one budget on a fake clock', () => {
  it('remaining shrinks with the clock and goes negative once overrun', () => {
    const clock = new FakeClock();
    const budget = new SendBudget(clock, 200);
    assert.equal(budget.remaining(), 200);
    clock.t += 30; // route lookup
    assert.equal(budget.remaining(), 170);
    clock.t += 170; // an attempt times out exactly at the deadline
    assert.equal(budget.remaining(), 0);
    assert.equal(budget.elapsed(), 200);
    clock.t += 1;
    assert.equal(budget.remaining(), -1);
  });
  it('sync keeps attempting at exactly 0 ms left; async stops there', () => {
    const clock = new FakeClock();
    const budget = new SendBudget(clock, 1000);
    clock.t += 1000;
    const s = state(1, budget.remaining());
    assert.equal(
      syncPolicy({ maxAttempts: 3, perAttemptCap: -1, retryNotStoredOK: false }).decide(TIMEOUT, s),
      'retry',
    );
    assert.equal(asyncPolicy({ maxAttempts: 3 }).decide(TIMEOUT, s), 'fail');
  });
  it('an async retry gets what the failed attempt left', () => {
    const clock = new FakeClock();
    const budget = new SendBudget(clock, 1000);
    const async = asyncPolicy({ maxAttempts: 3 });
    const timeouts: number[] = [];
    for (const cost of [100, 250]) {
      timeouts.push(async.attemptTimeout(timeouts.length, budget.remaining()));
      clock.t += cost;
      assert.equal(async.decide(CONNECT, state(timeouts.length, budget.remaining())), 'retry');
    }
    timeouts.push(async.attemptTimeout(timeouts.length, budget.remaining()));
    assert.deepEqual(timeouts, [1000, 900, 650]);
    assert.equal(async.decide(CONNECT, state(3, budget.remaining())), 'fail');
  });
});
