/**
 * `rmq send --transaction …` in this process against the recording stand-in broker: the local state
 * reaches END_TRANSACTION, `unknown` stays up for the broker's check and answers it with --check-answer
 * (one line, exit 0), no check within --stay-ms exits 1, and bad flag combinations are refused.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { waitFor } from '../helpers/wait.js';
import { rmq } from '../helpers/cli.js';
import { startFakeTransactionBroker } from './transaction-helpers.js';
import type { FakeTransactionBroker } from './transaction-helpers.js';

describe('rmq send --transaction', () => {
  let fake: FakeTransactionBroker;
  let groups = 0;
  before(async () => {
    fake = await startFakeTransactionBroker();
  });
  after(async () => {
    await fake.close();
  });
  const send = (...extra: string[]) => {
    const group = `CLI_TX_${++groups}`;
    const args = [
      'send',
      '--namesrv',
      fake.namesrvAddress,
      '--topic',
      'TxCli',
      '--body',
      'b',
      '--group',
      group,
    ];
    return { group, run: rmq([...args, ...extra]) };
  };
  const endsOf = (group: string) => fake.ends.filter((e) => e.extFields?.producerGroup === group);

  it('commit and rollback: one result line with the local state, END_TRANSACTION with 8 / 12', async () => {
    for (const [state, value, name] of [
      ['commit', '8', 'COMMIT_MESSAGE'],
      ['rollback', '12', 'ROLLBACK_MESSAGE'],
    ] as const) {
      const { group, run } = send('--transaction', state, '--count', '2');
      const r = await run;
      assert.equal(r.code, 0, r.stderr);
      const lines = r.stdout.trim().split('\n');
      assert.equal(lines.length, 2);
      for (const line of lines) {
        assert.match(
          line,
          new RegExp(`^SendResult \\[sendStatus=SEND_OK, .*localTransactionState=${name}\\]$`),
        );
      }
      await waitFor('both ends', () => (endsOf(group).length === 2 ? true : undefined), 3000, 5);
      assert.deepEqual(
        endsOf(group).map((e) => e.extFields?.commitOrRollback),
        [value, value],
      );
    }
  });

  it('unknown: stays up, answers the check with --check-answer, prints one line, exits 0', async () => {
    const before = fake.sends.length;
    const { group, run } = send(
      '--transaction',
      'unknown',
      '--check-answer',
      'rollback',
      '--stay-ms',
      '10000',
    );
    const half = await waitFor('the half message', () => fake.sends[before], 3000, 5);
    await waitFor('the first END', () => endsOf(group)[0], 3000, 5);
    await fake.pushCheck(half);
    const r = await run;
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines.length, 2);
    assert.match(lines[0]!, /localTransactionState=UNKNOW\]$/);
    assert.equal(
      lines[1],
      `Check answered: ROLLBACK_MESSAGE transactionId=${half.properties.UNIQ_KEY} topic=TxCli`,
    );
    const ends = endsOf(group);
    assert.deepEqual(
      ends.map((e) => [e.extFields?.fromTransactionCheck, e.extFields?.commitOrRollback]),
      [
        ['false', '0'],
        ['true', '12'],
      ],
    );
  });

  it('unknown without a check within --stay-ms: exit 1 with one line', async () => {
    const { run } = send('--transaction', 'unknown', '--stay-ms', '150');
    const r = await run;
    assert.equal(r.code, 1);
    assert.match(r.stderr, /no broker check answered for 1 transaction\(s\) within --stay-ms 150/);
  });

  it('bad combinations are refused before anything is sent', async () => {
    const before = fake.sends.length;
    for (const [extra, message] of [
      [['--transaction', 'maybe'], /--transaction must be commit, rollback or unknown, got "maybe"/],
      [['--transaction', 'commit', '--mode', 'async'], /--transaction sends are sync/],
      [['--transaction', 'commit', '--check-answer', 'commit'], /go with --transaction unknown/],
      [['--check-answer', 'rollback'], /go with --transaction unknown/],
      [
        ['--transaction', 'unknown', '--check-answer', 'yes'],
        /--check-answer must be commit, rollback or unknown/,
      ],
      [['--transaction', 'unknown', '--stay-ms', '0'], /--stay-ms must be between 1 and/],
    ] as const) {
      const r = await send(...extra).run;
      assert.equal(r.code, 2, `${extra.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
    }
    assert.equal(fake.sends.length, before);
  });
});
