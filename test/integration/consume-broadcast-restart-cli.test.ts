/**
 * `rmq consume --push --broadcast --offset-dir DIR` twice (in this process, one embedded cluster): the
 * second run resumes where the first stopped, because a broadcasting consumer keeps Java's instance
 * name DEFAULT (offsets in DIR/<ip>@DEFAULT/<group>/offsets.json) instead of a new `<pid>#<nanotime>`
 * per run; `--instance-name` names that directory.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startEmbeddedCluster } from '../../src/server/embedded-cluster.js';
import type { EmbeddedCluster } from '../../src/server/embedded-cluster.js';
import { rmq } from '../helpers/cli.js';
import { createTopic } from './consumer-helpers.js';

describe('rmq consume --push --broadcast across restarts', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rmq-bc-offsets-'));
  let cluster: EmbeddedCluster;
  let ns: string[];
  before(async () => {
    cluster = await startEmbeddedCluster();
    ns = ['--namesrv', cluster.namesrvAddress];
  });
  after(async () => {
    await cluster.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const send = async (topic: string, body: string, count: number): Promise<void> => {
    const r = await rmq(['send', ...ns, '--topic', topic, '--body', body, '--count', String(count)]);
    assert.equal(r.code, 0, r.stderr);
  };
  const consume = async (topic: string, offsetDir: string, extra: string[] = []): Promise<string[]> => {
    const r = await rmq([
      'consume',
      '--push',
      ...ns,
      '--topic',
      topic,
      '--group',
      'bcg',
      '--broadcast',
      '--offset-dir',
      offsetDir,
      '--from',
      'first',
      '--timeout',
      '2',
      ...extra,
    ]);
    assert.equal(r.code, 0, r.stderr);
    return r.stdout.split('\n').filter((l) => l !== '');
  };

  it('the second run delivers only what arrived since the first; one offsets directory', async () => {
    const topic = 'BcRestart';
    await createTopic(cluster, topic, 2);
    const offsetDir = path.join(dir, 'default');
    await send(topic, 'old', 4);
    const first = await consume(topic, offsetDir, ['--count', '4']);
    assert.equal(first.length, 4, first.join('\n'));
    await send(topic, 'new', 2);
    const second = await consume(topic, offsetDir);
    assert.deepEqual(
      second.map((l) => /body=(\S+)/.exec(l)?.[1]),
      ['"new"', '"new"'],
    );
    const clients = fs.readdirSync(offsetDir);
    assert.equal(clients.length, 1, clients.join(', '));
    assert.match(clients[0]!, /@DEFAULT$/);
    assert.ok(fs.existsSync(path.join(offsetDir, clients[0]!, 'bcg', 'offsets.json')));
  });

  it('--instance-name names the offsets directory; another name starts afresh', async () => {
    const topic = 'BcRestartNamed';
    await createTopic(cluster, topic, 1);
    const offsetDir = path.join(dir, 'named');
    await send(topic, 'x', 3);
    assert.equal((await consume(topic, offsetDir, ['--instance-name', 'cache-1', '--count', '3'])).length, 3);
    assert.equal((await consume(topic, offsetDir, ['--instance-name', 'cache-1'])).length, 0);
    assert.equal((await consume(topic, offsetDir, ['--instance-name', 'cache-2', '--count', '3'])).length, 3);
    assert.deepEqual(
      fs
        .readdirSync(offsetDir)
        .map((d) => d.replace(/^.*@/, ''))
        .sort(),
      ['cache-1', 'cache-2'],
    );
    const bad = await rmq([
      'consume',
      '--push',
      ...ns,
      '--topic',
      topic,
      '--group',
      'bcg',
      '--instance-name',
      'a@b',
    ]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /instanceName must be non-blank and without "@"/);
  });
});
