/**
 * `rmq dev` and `rmq broker` as real processes (the built binary): ready output, serving, a clean stop
 * on SIGINT / SIGTERM; and one-line errors for bad flags (in this process, one case also as a process).
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { newClient, pull, records, send } from '../helpers/broker-client.js';
import { rmq, rmqBinary, spawnRmq } from '../helpers/cli.js';

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await fs.promises.rm(d, { recursive: true, force: true });
});

function runUntil(args: string[], pattern: RegExp) {
  const child = spawnRmq(args);
  let out = '';
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | string | null>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal)),
  );
  const ready = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`not ready: ${out} ${err}`));
    }, 30_000);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (pattern.test(out)) {
        clearTimeout(timer);
        resolve(out);
      }
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`exited early: ${out} ${err}`));
    });
  });
  return { child, ready, exited, stderr: () => err };
}

describe('rmq dev / rmq broker', () => {
  it('rmq dev serves sends and pulls, prints where things are, and stops on SIGINT', async () => {
    const store = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'rmq-dev-'));
    dirs.push(store);
    const p = runUntil(['dev', '--namesrv-port', '0', '--broker-port', '0', '--store', store], /Ctrl-C/);
    const out = await p.ready;
    assert.match(out, new RegExp(`store +${store.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    const ns = /name server +(\S+)/.exec(out)?.[1];
    const broker = /broker +broker-a at (\S+)/.exec(out)?.[1];
    assert.ok(ns && broker, out);
    assert.match(out, new RegExp(`--namesrv ${ns!.replace(/\./g, '\\.')}`));
    const client = newClient();
    try {
      const r = await send(client, broker!, { topic: 'DevTopic', body: 'dev' });
      assert.equal(r.code, 0);
      const got = await pull(client, broker!, { topic: 'DevTopic', offset: 0n });
      assert.deepEqual(
        records(got).map((m) => m.body.toString()),
        ['dev'],
      );
    } finally {
      await client.shutdown();
    }
    p.child.kill('SIGINT');
    assert.equal(await p.exited, 0);
    assert.ok(fs.existsSync(path.join(store, 'config', 'topics.json')), 'store kept with its topic table');
  });

  it('rmq broker registers with the given name server and stops on SIGTERM', async () => {
    const store = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'rmq-broker-'));
    dirs.push(store);
    const ns = runUntil(['namesrv', '--port', '0'], /listening on/);
    const nsAddr = /listening on (\S+)/.exec(await ns.ready)?.[1];
    const b = runUntil(
      [
        'broker',
        '--namesrv',
        nsAddr!,
        '--port',
        '0',
        '--name',
        'broker-x',
        '--store',
        store,
        '--flush',
        'sync',
        '--log-level',
        'warn',
      ],
      /listening on/,
    );
    const out = await b.ready;
    assert.match(
      out,
      /broker broker-x \(cluster DefaultCluster\) listening on 127\.0\.0\.1:\d+, store .*, SYNC_FLUSH/,
    );
    b.child.kill('SIGTERM');
    assert.equal(await b.exited, 0, b.stderr());
    ns.child.kill('SIGTERM');
    assert.equal(await ns.exited, 0);
  });

  it('prints one-line errors for bad flags', async () => {
    const cases: [string[], RegExp][] = [
      [['broker'], /^rmq: --namesrv is required/],
      [['broker', '--namesrv', 'nohost'], /^rmq: --namesrv: "nohost" is not host:port/],
      [['broker', '--namesrv', '127.0.0.1:1', '--flush', 'maybe'], /^rmq: --flush must be async or sync/],
      [['dev', '--broker-port', 'x'], /^rmq: --broker-port must be a whole number/],
    ];
    // All in this process; the last (which fails after the signal handlers are installed) also as
    // a process, which must still exit.
    const runs = cases.map(([args, pattern]) => [rmq(args), args, pattern] as const);
    const [lastArgs, lastPattern] = cases[cases.length - 1]!;
    runs.push([rmqBinary(lastArgs), lastArgs, lastPattern]);
    for (const [result, args, pattern] of runs) {
      const r = await result;
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, pattern);
      assert.equal(r.stderr.trim().split('\n').length, 1);
    }
  });
});
