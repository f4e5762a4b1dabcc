/**
 * `rmq demo` (what `npm start` runs): sends in three modes, reads all back, exits 0; keeps a --store
 * (and works again on it), removes its temporary store unless --keep.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { rmq, rmqBinary } from '../helpers/cli.js';

describe('rmq demo', () => {
  it('reads back every message it sent and says where the store is', async () => {
    const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'rmq-demo-test-'));
    try {
      const { code, stdout, stderr } = await rmqBinary(['demo', '--count', '2', '--store', dir]);
      assert.equal(code, 0, stderr);
      for (const mode of ['sync', 'async', 'oneway']) {
        assert.match(stdout, new RegExp(`${mode}\\s+sent 2, read back 2`));
      }
      assert.match(stdout, /all 6 messages read back intact/);
      assert.equal((stdout.match(/SendResult \[sendStatus=SEND_OK/g) ?? []).length, 4);
      const hint = /rmq dev --store (\S+)/.exec(stdout)?.[1];
      assert.ok(hint, stdout);
      assert.ok(fs.existsSync(path.join(hint, 'commitlog')), `the hinted store ${hint} holds a commit log`);
    } finally {
      await fs.promises.rm(dir, { recursive: true, force: true });
    }
  });
  it('a second run on the same store reads back what it sent, and knows the topic exists', async () => {
    const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'rmq-demo-twice-'));
    try {
      const first = await rmq(['demo', '--count', '1', '--store', dir]);
      assert.equal(first.code, 0, first.stdout);
      const second = await rmq(['demo', '--count', '1', '--store', dir]);
      assert.equal(second.code, 0, second.stdout);
      assert.doesNotMatch(second.stdout, /does not exist yet|MISSING/);
      assert.match(second.stdout, /Topic DemoTopic exists on this store \(3 messages from earlier runs\)/);
      assert.match(second.stdout, /all 3 messages read back intact/);
    } finally {
      await fs.promises.rm(dir, { recursive: true, force: true });
    }
  });

  it('without --store its temporary store is removed at exit; --keep keeps it', async () => {
    const tmp = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'rmq-demo-tmpdir-'));
    try {
      const plain = await rmqBinary(['demo', '--count', '1'], { TMPDIR: tmp });
      assert.equal(plain.code, 0, plain.stderr);
      assert.match(plain.stdout, /data {5}a temporary store, removed at exit/);
      assert.doesNotMatch(plain.stdout, /restart on this store/);
      assert.deepEqual(await fs.promises.readdir(tmp), []);
      const kept = await rmqBinary(['demo', '--count', '1', '--keep'], { TMPDIR: tmp });
      assert.equal(kept.code, 0, kept.stderr);
      const left = await fs.promises.readdir(tmp);
      assert.equal(left.length, 1, String(left));
      assert.match(kept.stdout, new RegExp(`restart on this store: .*dev --store ${tmp}/${left[0]}`));
      const both = await rmq(['demo', '--keep', '--clean']);
      assert.equal(both.code, 2);
    } finally {
      await fs.promises.rm(tmp, { recursive: true, force: true });
    }
  });
});

describe('rmq demo --clean', () => {
  it('removes only what the run created in a --store directory that already held files', async () => {
    const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'rmq-demo-clean-'));
    try {
      await fs.promises.writeFile(path.join(dir, 'notes.txt'), 'the user file');
      await fs.promises.mkdir(path.join(dir, 'older-data'));
      await fs.promises.writeFile(path.join(dir, 'older-data', 'x'), 'kept');
      const { code, stdout, stderr } = await rmq(['demo', '--count', '1', '--store', dir, '--clean']);
      assert.equal(code, 0, stderr);
      assert.match(
        stdout,
        /--clean kept what was in .* before this run: (notes\.txt, older-data|older-data, notes\.txt)/,
      );
      assert.doesNotMatch(stdout, /\(commit log, consume queues, config\)|restart on this store/);
      assert.deepEqual((await fs.promises.readdir(dir)).sort(), ['notes.txt', 'older-data']);
      assert.equal(await fs.promises.readFile(path.join(dir, 'notes.txt'), 'utf8'), 'the user file');
      assert.equal(await fs.promises.readFile(path.join(dir, 'older-data', 'x'), 'utf8'), 'kept');
    } finally {
      await fs.promises.rm(dir, { recursive: true, force: true });
    }
  });

  it('removes a --store directory it created itself', async () => {
    const parent = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'rmq-demo-clean-'));
    try {
      const dir = path.join(parent, 'new-store');
      const { code, stderr } = await rmq(['demo', '--count', '1', '--store', dir, '--clean']);
      assert.equal(code, 0, stderr);
      assert.equal(fs.existsSync(dir), false);
    } finally {
      await fs.promises.rm(parent, { recursive: true, force: true });
    }
  });
});
