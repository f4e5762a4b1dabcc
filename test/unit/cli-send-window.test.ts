/** `rmq send --mode async`: the sends of a large --count run through a bounded window. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ASYNC_WINDOW, runWindowed } from '../../src/cli/commands/send.js';

describe('rmq send async window', () => {
  it('never has more than the window in flight, runs every index once, counts failures', async () => {
    let inFlight = 0;
    let peak = 0;
    const seen: number[] = [];
    const r = await runWindowed(1000, 7, async (i) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      seen.push(i);
      await new Promise((resolve) => setImmediate(resolve));
      inFlight--;
      if (i % 100 === 3) throw new Error(`boom ${i}`);
    });
    assert.equal(peak, 7);
    assert.deepEqual(
      [...seen].sort((a, b) => a - b),
      Array.from({ length: 1000 }, (_, i) => i),
    );
    assert.equal(r.failed, 10);
    assert.equal((r.firstError as Error).message, 'boom 3');
  });

  it('stopAtFirstFailure (one queue, ordered): no send starts after the first failure', async () => {
    const seen: number[] = [];
    const r = await runWindowed(
      10,
      1,
      async (i) => {
        seen.push(i);
        await new Promise((resolve) => setImmediate(resolve));
        if (i === 3) throw new Error('broker gone');
      },
      { stopAtFirstFailure: true },
    );
    assert.deepEqual(seen, [0, 1, 2, 3]);
    assert.equal(r.failed, 1);
    assert.equal((r.firstError as Error).message, 'broker gone');
  });

  it('a count below the window runs them all at once; zero failures leave no error', async () => {
    let inFlight = 0;
    let peak = 0;
    const r = await runWindowed(3, ASYNC_WINDOW, async () => {
      peak = Math.max(peak, ++inFlight);
      await new Promise((resolve) => setImmediate(resolve));
      inFlight--;
    });
    assert.equal(peak, 3);
    assert.deepEqual(r, { failed: 0, firstError: undefined });
    assert.ok(ASYNC_WINDOW >= 64 && ASYNC_WINDOW <= 8192);
  });
});

describe('rmq send flags', () => {
  it('a malformed topic is a usage error (exit 2) found before any connection', async () => {
    const { run } = await import('../../src/cli/commands/send.js');
    const { CliError } = await import('../../src/cli/cli-error.js');
    await assert.rejects(
      run(['--namesrv', '127.0.0.1:1', '--topic', 'a b', '--body', 'x']),
      (e: unknown) =>
        e instanceof CliError && e.exitCode === 2 && /^--topic: .*illegal characters/.test(e.message),
    );
  });

  it('a negative --queue-id is one clear line, not "argument is ambiguous"', async () => {
    const { rmq } = await import('../helpers/cli.js');
    const cases: [string[], string][] = [
      [['--queue-id', '-1'], 'rmq: --queue-id must be between 0 and 65535, got -1\n'],
      [['--queue-id=-1'], 'rmq: --queue-id must be between 0 and 65535, got -1\n'],
      [['--queue-id', '-x'], 'rmq: --queue-id must be a whole number, got "-x"\n'],
    ];
    for (const [args, expected] of cases) {
      const r = await rmq(['send', '--namesrv', '127.0.0.1:1', '--topic', 'T', '--body', 'x', ...args]);
      assert.equal(r.code, 2);
      assert.equal(r.stderr, expected);
    }
  });
});
