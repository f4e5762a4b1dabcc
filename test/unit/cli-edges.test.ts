/**
 * The CLI's rough edges, one by one, without a network: directories that cannot hold a store (and
 * Node's mkdir -p that never returns under /proc), flag values, bodies from stdin, the second Ctrl-C,
 * "address in use" naming the port's server, the `npx rmq` hint and the --json line format.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { makeDirs, makeDirsSync, MakeDirsError } from '../../src/common/make-dirs.js';
import { storeDirFlag } from '../../src/cli/store-flag.js';
import { CliError } from '../../src/cli/cli-error.js';
import { intFlag } from '../../src/cli/args.js';
import { readBody } from '../../src/cli/message-flags.js';
import { onStopSignals } from '../../src/cli/signals.js';
import { describeListenError } from '../../src/cli/serve.js';
import { rmqCommand } from '../../src/cli/rmq-command.js';
import { jsonLine } from '../../src/cli/json-lines.js';
import { Message } from '../../src/protocol/message/index.js';
import { runWindowed } from '../../src/cli/commands/send.js';
import { SendTally } from '../../src/cli/commands/send-tally.js';
import { rmq } from '../helpers/cli.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rmq-cli-edges-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('makeDirs', () => {
  it('creates missing levels once and is a no-op when the directory exists', async () => {
    const dir = path.join(tmp, 'a', 'b', 'c');
    assert.deepEqual(makeDirsSync(dir), [path.join(tmp, 'a'), path.join(tmp, 'a', 'b'), dir]);
    assert.deepEqual(makeDirsSync(dir), []);
    assert.deepEqual(await makeDirs(path.join(dir, 'd')), [path.join(dir, 'd')]);
    assert.ok(fs.statSync(path.join(dir, 'd')).isDirectory());
  });

  it('a file on the way is ENOTDIR, naming it', async () => {
    const file = path.join(tmp, 'file');
    fs.writeFileSync(file, 'x');
    for (const attempt of [
      () => makeDirsSync(path.join(file, 'sub')),
      () => makeDirs(path.join(file, 'sub')),
    ]) {
      await assert.rejects(
        async () => attempt(),
        (err: unknown) => {
          assert.ok(err instanceof MakeDirsError);
          assert.equal(err.errno, 'ENOTDIR');
          assert.equal(err.code, 10220);
          assert.equal(err.failedAt, file);
          return true;
        },
      );
    }
  });

  it(
    "under /proc it fails at once (Node's recursive mkdir loops forever there)",
    { skip: !fs.existsSync('/proc/self') },
    async () => {
      assert.throws(
        () => makeDirsSync('/proc/rmq-no-such/store'),
        (err: unknown) => {
          assert.ok(err instanceof MakeDirsError);
          assert.equal(err.failedAt, '/proc/rmq-no-such');
          return true;
        },
      );
      await assert.rejects(makeDirs('/proc/rmq-no-such/store'), MakeDirsError);
    },
  );
});

describe('CLI flags and input', () => {
  it('flag values a send or a server would refuse exit 2 before anything connects', async () => {
    // Nothing listens on port 1: a command that connected first would fail there, with exit 1.
    const ns = ['--namesrv', '127.0.0.1:1'];
    const send = ['send', ...ns, '--topic', 'T', '--body', 'x'];
    const cases: [string[], RegExp][] = [
      [
        [...send, '--deliver-after-ms', '999999999999'],
        /TIMER_DELAY_MS=999999999999 is .* over the max delay/,
      ],
      [[...send, '--deliver-at-ms', '1000'], /TIMER_DELIVER_MS=1000 is in the past/],
      [[...send, '--queue-id', '1', '--broker-name', ' '], /--broker-name must not be empty/],
      [['recall', ...ns, '--topic', 'T', '--handle', 'nope!'], /--handle: recall handle is invalid/],
      [['recall', ...ns, '--topic', 'bad topic', '--handle', 'x'], /--topic: .*illegal characters/],
      [['route', ...ns, '--topic', 'bad topic'], /--topic: .*illegal characters/],
      [['bench', '--consume', ...ns, '--topic', 'T', '--sql', 'a >'], /--sql: invalid SQL92/],
    ];
    for (const [args, pattern] of cases) {
      const r = await rmq(args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.match(r.stderr, pattern);
    }
  });

  it('--store refuses kernel file systems and files, creates missing directories', () => {
    for (const bad of ['/proc/x', '/sys', '/dev/shm/x', path.join(tmp, 'file', 'sub'), '']) {
      assert.throws(
        () => storeDirFlag('store', bad),
        (err: unknown) => err instanceof CliError && err.exitCode === 2,
      );
    }
    const fresh = path.join(tmp, 'store', 'one');
    assert.equal(storeDirFlag('store', fresh), fresh);
    assert.ok(fs.statSync(fresh).isDirectory());
  });

  it('negative numbers get the range, not "not a number"', () => {
    assert.throws(
      () => intFlag('count', '-1', 1, 1, 10),
      /^CliError: --count must be between 1 and 10, got -1$/,
    );
    assert.throws(() => intFlag('count', '1.5', 1, 1, 10), /--count must be a whole number, got "1.5"/);
  });

  it('--file - reads stdin; empty and too large bodies exit 2', async () => {
    const body = await readBody({ file: '-' }, Readable.from([Buffer.from('a'), Buffer.from('b')]));
    assert.equal(body.toString(), 'ab');
    await assert.rejects(
      readBody({ file: '-' }, Readable.from([])),
      (err: unknown) => err instanceof CliError && err.exitCode === 2,
    );
    await assert.rejects(readBody({ body: '' }), /is empty/);
    await assert.rejects(readBody({ file: '-' }), /no stdin/);
    const big = path.join(tmp, 'big');
    fs.writeFileSync(big, Buffer.alloc(4 * 1024 * 1024 + 1));
    await assert.rejects(readBody({ file: big }), /4194305 bytes, over the 4194304-byte limit/);
  });

  it('rmq dev: equal ports are named before anything starts', async () => {
    const r = await rmq([
      'dev',
      '--namesrv-port',
      '7777',
      '--broker-port',
      '7777',
      '--store',
      path.join(tmp, 'dev'),
    ]);
    assert.deepEqual(
      [r.code, r.stderr],
      [
        2,
        'rmq: --namesrv-port and --broker-port are both 7777: the name server and the broker need different ports\n',
      ],
    );
  });

  it('a server command refused for a bad flag makes no store or certificate directory', async () => {
    const cases: [string[], string, RegExp][] = [
      [['dev', '--timer-precision-ms', '300'], 'dev-timer', /--timer-precision-ms must be one of/],
      [['dev', '--transaction-check-max', '0'], 'dev-tx', /--transaction-check-max must be between/],
      [['dev', '--flush', 'maybe'], 'dev-flush', /--flush must be async or sync/],
      [
        ['broker', '--namesrv', '127.0.0.1:1', '--timer-precision-ms', '300'],
        'broker-timer',
        /--timer-precision-ms/,
      ],
    ];
    for (const [args, name, pattern] of cases) {
      const store = path.join(tmp, 'refused', name);
      const r = await rmq([...args, '--store', store]);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, pattern);
      assert.equal(fs.existsSync(store), false, `${name}: ${store} was made`);
    }
    // rmq dev --tls-self-signed refused: its certificates directory must not appear.
    const selfSigned = async (name: string, store: string, extra: string[] = []) => {
      const dir = path.join(tmp, 'refused', name);
      const result = await rmq(['dev', '--tls-self-signed', '--tls-dir', dir, ...extra, '--store', store]);
      return { result, dir };
    };
    const tlsStore = path.join(tmp, 'refused', 'tls-store');
    const { result: r, dir: tlsDir } = await selfSigned('tls', tlsStore, ['--tls-mode', 'bogus']);
    assert.match(r.stderr, /--tls-mode permissive or enforcing, got "bogus"/);
    assert.equal(fs.existsSync(tlsDir), false, 'certificates written for a refused command');
    assert.equal(fs.existsSync(tlsStore), false);
    // The store cannot be made (a file is in its way): no certificates either.
    const blocked = path.join(tmp, 'refused', 'file-in-the-way');
    fs.mkdirSync(path.dirname(blocked), { recursive: true });
    fs.writeFileSync(blocked, 'not a directory');
    const { result: r2, dir: tlsDir2 } = await selfSigned('tls2', path.join(blocked, 'store'));
    assert.equal(r2.code, 2, r2.stderr);
    assert.match(r2.stderr, /--store/);
    assert.equal(fs.existsSync(tlsDir2), false, 'certificates written although the store could not be made');
  });

  it('"address in use" names the address and the server of that port, with one "rmq" prefix', () => {
    const err = Object.assign(new Error('listen EADDRINUSE'), {
      code: 'EADDRINUSE',
      address: '127.0.0.1',
      port: 9876,
    });
    const described = describeListenError(
      err,
      'dev',
      new Map([[9876, 'the name server port, --namesrv-port']]),
    );
    assert.equal(
      described.message,
      'dev: 127.0.0.1:9876 (the name server port, --namesrv-port) is already in use (try another port, or 0)',
    );
  });

  it('the hint says `npx rmq` unless rmq is on PATH', () => {
    const bin = path.join(tmp, 'bin');
    fs.mkdirSync(bin);
    assert.equal(rmqCommand({ PATH: '' }), 'npx rmq');
    fs.writeFileSync(path.join(bin, 'rmq'), '#!/bin/sh\n', { mode: 0o755 });
    assert.equal(rmqCommand({ PATH: `/nonexistent${path.delimiter}${bin}` }), 'rmq');
  });
});

describe('signals', () => {
  it('the first signal asks for a clean stop, the second exits with 130', async () => {
    const exits: number[] = [];
    const written: string[] = [];
    const seen: string[] = [];
    const signals = onStopSignals((s) => seen.push(s), {
      write: (t) => written.push(t),
      exit: (c) => exits.push(c),
    });
    try {
      assert.equal(signals.stopping, false);
      process.emit('SIGTERM', 'SIGTERM');
      assert.equal(await signals.received, 'SIGTERM');
      assert.deepEqual([seen, exits, signals.stopping], [['SIGTERM'], [], true]);
      process.emit('SIGINT', 'SIGINT');
      assert.deepEqual(exits, [130]);
      assert.match(written.join(''), /^SIGINT received again: exiting now/);
    } finally {
      signals.dispose();
    }
    assert.equal(process.listenerCount('SIGINT'), 0);
  });

  it('runWindowed starts nothing once stopped and lets in-flight runs finish', async () => {
    let stop = false;
    let started = 0;
    let finished = 0;
    const r = await runWindowed(
      100,
      4,
      async (i) => {
        started++;
        if (i === 5) stop = true;
        await new Promise((resolve) => setImmediate(resolve));
        finished++;
      },
      { stopped: () => stop },
    );
    assert.equal(r.failed, 0);
    assert.ok(started < 100 && started >= 6, `started ${started}`);
    assert.equal(finished, started);
  });

  it('the tally reads "sent N, acknowledged A, failed F" and draws nothing into a pipe', () => {
    const out: string[] = [];
    const tally = new SendTally(1000, { write: (t) => out.push(t) }, { write: () => undefined });
    tally.sent = 3;
    tally.acknowledged = 2;
    tally.failed = 1;
    tally.finish();
    assert.equal(tally.summary(), 'sent 3, acknowledged 2, failed 1');
    assert.deepEqual(out, []);
  });
});

describe('--json lines', () => {
  it('bigints as strings; a body in the library JSON form (text, or base64 when not UTF-8)', () => {
    assert.equal(jsonLine({ offset: 2n ** 63n - 1n }), '{"offset":"9223372036854775807"}\n');
    const text = JSON.parse(jsonLine(new Message('T', 'héllo\n'))) as Record<string, unknown>;
    assert.deepEqual([text.body, text.bodyEncoding], ['héllo\n', 'utf8']);
    const binary = JSON.parse(jsonLine(new Message('T', Buffer.from([0, 0xff, 1])))) as Record<
      string,
      unknown
    >;
    assert.deepEqual([binary.body, binary.bodyEncoding], ['AP8B', 'base64']);
  });
});
