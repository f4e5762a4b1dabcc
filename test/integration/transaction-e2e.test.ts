/**
 * Transactional messages end to end: our TransactionProducer and `rmq send --transaction` against two
 * embedded brokers that run the half-message protocol (short transaction timeout and check interval).
 * The scenarios run side by side on one topic spread over both brokers, each under its own producer
 * group, then one quiet period (long enough for any due check to have come) and one read decide:
 * committed messages are visible exactly once, rolled-back ones never; an UNKNOW transaction is checked
 * once and the check's answer decides; a producer that goes away after its half message is replaced by
 * another instance of its group, which answers the check; the CLI stays up for its check. One Message
 * object sent in two transactions (it keeps its UNIQ_KEY) makes two transactions, as in Java.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { LocalTransactionState, TransactionProducer } from '../../src/client/index.js';
import type { TransactionListener, TransactionSendResult } from '../../src/client/index.js';
import { PullConsumer } from '../../src/client/consumer/index.js';
import { pollMessages } from '../../src/client/consumer/pull/poll.js';
import type { PulledMessage } from '../../src/client/consumer/shared/pull-result.js';
import { Message } from '../../src/protocol/message/index.js';
import { startEmbeddedCluster } from '../../src/server/embedded-cluster.js';
import type { EmbeddedCluster } from '../../src/server/embedded-cluster.js';
import type { CliResult } from '../helpers/cli.js';
import { rmq } from '../helpers/cli.js';
import { waitFor } from '../helpers/wait.js';
import { createTopic } from './producer-helpers.js';

const TOPIC = 'TxE2ETopic';
const TIMEOUT_MS = 300;
const INTERVAL_MS = 100;
/** Long enough for a check to have come had one been due: the timeout plus three check rounds. */
const QUIET_MS = TIMEOUT_MS + 3 * INTERVAL_MS;

interface Scenario {
  result?: TransactionSendResult;
  /** When each check reached the checker (ms since the epoch). */
  checks: number[];
  sentAt: number;
}

describe('transactional messages end to end (two embedded brokers)', () => {
  let cluster: EmbeddedCluster;
  let reader: PullConsumer;
  const producers: TransactionProducer[] = [];
  const s: Record<'commit' | 'rollback' | 'checkCommit' | 'checkRollback' | 'orphan', Scenario> = {
    commit: { checks: [], sentAt: 0 },
    rollback: { checks: [], sentAt: 0 },
    checkCommit: { checks: [], sentAt: 0 },
    checkRollback: { checks: [], sentAt: 0 },
    orphan: { checks: [], sentAt: 0 },
  };
  /** Second transactions of one Message object, each after a first that ended the other or same way. */
  const reused: Record<'afterRollback' | 'afterCommit', TransactionSendResult[]> = {
    afterRollback: [],
    afterCommit: [],
  };
  /** Checks that reached the orphan's first (gone) instance. */
  let orphanFirstChecks = 0;
  let cli: CliResult;
  /** Every message of TOPIC readable after the quiet period, by body. */
  const visible = new Map<string, PulledMessage[]>();

  const start = async (group: string, listener: TransactionListener): Promise<TransactionProducer> => {
    const p = new TransactionProducer({
      producerGroup: group,
      nameServer: cluster.namesrvAddress,
      transactionListener: listener,
    });
    await p.start();
    producers.push(p);
    return p;
  };
  const run = async (
    name: keyof typeof s,
    local: LocalTransactionState,
    answer: LocalTransactionState,
  ): Promise<void> => {
    const scenario = s[name];
    const p = await start(`TXE_${name}`, {
      executeLocalTransaction: () => local,
      checkLocalTransaction: (msg) => {
        assert.equal(msg.topic, TOPIC);
        assert.equal(msg.body.toString(), name);
        scenario.checks.push(Date.now());
        return answer;
      },
    });
    scenario.sentAt = Date.now();
    scenario.result = await p.sendMessageInTransaction(new Message(TOPIC, name, { tags: 'T', keys: name }));
  };
  const orphan = async (): Promise<void> => {
    const first = new TransactionProducer({
      producerGroup: 'TXE_orphan',
      nameServer: cluster.namesrvAddress,
      transactionListener: {
        executeLocalTransaction: () => LocalTransactionState.UNKNOW,
        checkLocalTransaction: () => (orphanFirstChecks++, LocalTransactionState.ROLLBACK_MESSAGE),
      },
    });
    await first.start();
    s.orphan.sentAt = Date.now();
    s.orphan.result = await first.sendMessageInTransaction(new Message(TOPIC, 'orphan'));
    await first.shutdown();
    await start('TXE_orphan', {
      executeLocalTransaction: () => LocalTransactionState.UNKNOW,
      checkLocalTransaction: (msg) => {
        assert.equal(msg.transactionId, s.orphan.result?.msgId);
        s.orphan.checks.push(Date.now());
        return LocalTransactionState.COMMIT_MESSAGE;
      },
    });
  };
  /** One Message object in two transactions: the first ends `first`, the second commits. */
  const reuse = async (name: keyof typeof reused, first: LocalTransactionState): Promise<void> => {
    let local = first;
    const p = await start(`TXE_${name}`, {
      executeLocalTransaction: () => local,
      checkLocalTransaction: () => LocalTransactionState.ROLLBACK_MESSAGE,
    });
    const message = new Message(TOPIC, name);
    reused[name].push(await p.sendMessageInTransaction(message));
    local = LocalTransactionState.COMMIT_MESSAGE;
    reused[name].push(await p.sendMessageInTransaction(message));
  };
  const readAll = async (): Promise<void> => {
    visible.clear();
    for await (const m of pollMessages(reader, TOPIC, { from: 'beginning', idleTimeoutMillis: 150 })) {
      const body = m.body.toString();
      visible.set(body, [...(visible.get(body) ?? []), m]);
    }
  };

  before(async () => {
    cluster = await startEmbeddedCluster({
      brokers: 2,
      transactions: { transactionTimeoutMillis: TIMEOUT_MS, transactionCheckIntervalMillis: INTERVAL_MS },
    });
    await createTopic(cluster, TOPIC, 2);
    reader = new PullConsumer({ consumerGroup: 'tx_e2e_reader', nameServer: cluster.namesrvAddress });
    await reader.start();
    const { COMMIT_MESSAGE: C, ROLLBACK_MESSAGE: R, UNKNOW: U } = LocalTransactionState;
    const cliRun = rmq([
      ...['send', '--namesrv', cluster.namesrvAddress, '--topic', TOPIC, '--body', 'cli'],
      ...['--group', 'TXE_cli', '--transaction', 'unknown', '--check-answer', 'commit', '--stay-ms', '15000'],
    ]);
    await Promise.all([
      run('commit', C, C),
      run('rollback', R, C),
      run('checkCommit', U, C),
      run('checkRollback', U, R),
      orphan(),
      reuse('afterRollback', R),
      reuse('afterCommit', C),
    ]);
    cli = await cliRun;
    await waitFor(
      'the checks',
      () =>
        (['checkCommit', 'checkRollback', 'orphan'] as const).every((n) => s[n].checks.length > 0) ||
        undefined,
      15_000,
      10,
    );
    await new Promise((r) => setTimeout(r, QUIET_MS));
    await readAll();
  });
  after(async () => {
    await Promise.all(producers.map((p) => p.shutdown({ timeoutMillis: 500 })));
    await reader?.shutdown();
    await cluster?.stop();
  });

  it('commit: visible exactly once, with its keys, tags, msgId and transactionId; never checked', () => {
    const got = visible.get('commit') ?? [];
    assert.equal(got.length, 1);
    assert.equal(got[0]!.tags, 'T');
    assert.deepEqual(got[0]!.keyList, ['commit']);
    assert.equal(got[0]!.msgId, s.commit.result?.msgId);
    assert.equal(got[0]!.transactionId, s.commit.result?.msgId);
    assert.equal(got[0]!.brokerName, s.commit.result?.messageQueue.brokerName);
    assert.equal(s.commit.checks.length, 0);
  });

  it('rollback: never visible, never checked', () => {
    assert.equal(visible.has('rollback'), false);
    assert.equal(s.rollback.checks.length, 0);
  });

  it('unknown, checked once, answered commit: visible once', (t) => {
    assert.equal(s.checkCommit.result?.localTransactionState, 'UNKNOW');
    assert.equal(s.checkCommit.checks.length, 1);
    assert.equal(visible.get('checkCommit')?.length, 1);
    t.diagnostic(
      `half message to check: ${s.checkCommit.checks[0]! - s.checkCommit.sentAt} ms (timeout ${TIMEOUT_MS}, interval ${INTERVAL_MS})`,
    );
  });

  it('unknown, checked once, answered rollback: never visible', () => {
    assert.equal(s.checkRollback.checks.length, 1);
    assert.equal(visible.has('checkRollback'), false);
  });

  it('a producer that goes away after its half message: another instance of its group answers the check', () => {
    assert.equal(orphanFirstChecks, 0);
    assert.equal(s.orphan.checks.length, 1);
    assert.equal(visible.get('orphan')?.length, 1);
  });

  it('rmq send --transaction unknown --check-answer commit: answers the check, prints one line, exits 0', () => {
    assert.equal(cli.code, 0, cli.stderr);
    const lines = cli.stdout.trim().split('\n');
    assert.equal(lines.length, 2);
    assert.match(lines[0]!, /localTransactionState=UNKNOW\]$/);
    assert.match(
      lines[1]!,
      new RegExp(`^Check answered: COMMIT_MESSAGE transactionId=[0-9A-F]{32} topic=${TOPIC}$`),
    );
    assert.equal(visible.get('cli')?.length, 1);
  });

  it('one Message object in two transactions (same UNIQ_KEY): each is its own, as in Java', () => {
    const [r1, r2] = reused.afterRollback;
    assert.equal(r1?.msgId, r2?.msgId, 'the second send keeps the message id');
    assert.equal(r2?.localTransactionState, 'COMMIT_MESSAGE');
    // Rolled back, then committed: the second is delivered (it was refused as "already rolled back").
    assert.equal(visible.get('afterRollback')?.length, 1);
    // Committed twice: both delivered (the second was answered without being written).
    assert.equal(visible.get('afterCommit')?.length, 2);
  });
});
