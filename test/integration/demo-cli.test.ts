/**
 * `rmq demo` (what `npm start` runs) as the built binary: sends in three modes, reads all back, exits
 * 0, keeps its store.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { rmqBinary } from '../helpers/cli.js';

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
});
