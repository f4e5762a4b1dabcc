/** `rmq demo` (what `npm start` runs): sends in three modes, reads all back, exits 0, keeps its store. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';

const run = promisify(execFile);
const MAIN = path.resolve('src/cli/main.ts');

describe('rmq demo', () => {
  it('reads back every message it sent and says where the store is', async () => {
    const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'rmq-demo-test-'));
    try {
      const { stdout } = await run(
        process.execPath,
        ['--import', 'tsx', MAIN, 'demo', '--count', '2', '--store', dir],
        { timeout: 60_000 },
      );
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
