/** `rmq request` and `rmq reply` (in-process, with captured output) against one embedded cluster. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { run } from '../../src/cli/run.js';
import { startEmbeddedCluster } from '../../src/server/embedded-cluster.js';
import type { EmbeddedCluster } from '../../src/server/embedded-cluster.js';
import { rmq } from '../helpers/cli.js';
import { createTopic } from './consumer-helpers.js';

const TOPIC = 'CliRequestTopic';

/** Starts `rmq reply ...` in this process; `ready` settles once it printed its ready line. */
function startReplier(args: string[]) {
  let stdout = '';
  let stderr = '';
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  const done = run(['reply', ...args], {
    stdout: { write: (t: string) => void (stdout += t) },
    stderr: {
      write: (t: string) => {
        stderr += t;
        if (stderr.includes('replying to requests')) markReady();
      },
    },
    env: {},
  }).then((code) => (markReady(), { code, stdout, stderr }));
  return { ready, done };
}

describe('rmq request / rmq reply', () => {
  let cluster: EmbeddedCluster;
  let ns: string;
  before(async () => {
    cluster = await startEmbeddedCluster();
    ns = cluster.namesrvAddress;
    await createTopic(cluster, TOPIC, 2);
  });
  after(async () => {
    await cluster.stop();
  });

  it('a request answered by `rmq reply` prints the reply body on one line', async () => {
    const replier = startReplier([
      '--namesrv',
      ns,
      '--topic',
      TOPIC,
      '--group',
      'cli-replier',
      '--prefix',
      're: ',
      '--max-messages',
      '2',
    ]);
    await replier.ready;
    const first = await rmq([
      'request',
      '--namesrv',
      ns,
      '--topic',
      TOPIC,
      '--body',
      'hello',
      '--timeout-ms',
      '5000',
    ]);
    assert.deepEqual(first, { code: 0, stdout: 're: hello\n', stderr: '' });
    const second = await rmq(['request', '--namesrv', ns, '--topic', TOPIC, '--body', 'two\nlines']);
    assert.deepEqual(second, { code: 0, stdout: '"re: two\\nlines"\n', stderr: '' });
    const { code, stdout, stderr } = await replier.done;
    assert.equal(code, 0);
    const lines = stdout.trimEnd().split('\n');
    assert.equal(lines.length, 2);
    assert.match(lines[0]!, /^replied correlationId=[0-9a-f-]{36} to=\S+@\S+ body=re: hello$/);
    assert.match(stderr, /2 requests answered\n$/);
  });

  it('a new group starts at the end: a request from before the ready line is not answered', async () => {
    const topic = 'CliRequestNewGroup';
    await createTopic(cluster, topic, 1);
    const stale = await rmq([
      'request',
      '--namesrv',
      ns,
      '--topic',
      topic,
      '--body',
      'old',
      '--timeout-ms',
      '50',
    ]);
    assert.equal(stale.code, 1);
    const replier = startReplier([
      '--namesrv',
      ns,
      '--topic',
      topic,
      '--group',
      'cli-new-replier',
      '--max-messages',
      '1',
    ]);
    await replier.ready;
    const fresh = await rmq([
      'request',
      '--namesrv',
      ns,
      '--topic',
      topic,
      '--body',
      'new',
      '--timeout-ms',
      '5000',
    ]);
    assert.deepEqual(fresh, { code: 0, stdout: 'new\n', stderr: '' });
    const { code, stdout } = await replier.done;
    assert.equal(code, 0);
    assert.match(stdout, /^replied correlationId=\S+ to=\S+ body=new\n$/);
  });

  it('a topic that does not exist yet: `rmq reply` waits for it and answers its first request', async () => {
    const topic = 'CliRequestNewTopic'; // auto-created by the request's send
    const replier = startReplier([
      '--namesrv',
      ns,
      '--topic',
      topic,
      '--group',
      'cli-new-topic',
      '--max-messages',
      '1',
    ]);
    await replier.ready;
    const answer = await rmq([
      'request',
      '--namesrv',
      ns,
      '--topic',
      topic,
      '--body',
      'first',
      '--timeout-ms',
      '8000',
    ]);
    assert.deepEqual(answer, { code: 0, stdout: 'first\n', stderr: '' });
    const { code, stderr } = await replier.done;
    assert.equal(code, 0);
    assert.match(stderr, /does not exist yet: answering from its first request/);
  });

  it('no reply: one clear line, exit 1', async () => {
    const r = await rmq([
      'request',
      '--namesrv',
      ns,
      '--topic',
      TOPIC,
      '--body',
      'anyone?',
      '--timeout-ms',
      '300',
    ]);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.equal(
      r.stderr,
      `rmq: no reply within 300 ms to the request on ${TOPIC} (is a replier running?)\n`,
    );
  });

  it('bad flags: one line, exit 2', async () => {
    const noBody = await rmq(['request', '--namesrv', ns, '--topic', TOPIC]);
    assert.deepEqual(noBody, {
      code: 2,
      stdout: '',
      stderr: 'rmq: give exactly one of --body TEXT or --file PATH\n',
    });
    const noGroup = await rmq(['reply', '--namesrv', ns, '--topic', TOPIC]);
    assert.deepEqual(noGroup, { code: 2, stdout: '', stderr: 'rmq: --group is required (see --help)\n' });
    const badTimeout = await rmq([
      'request',
      '--namesrv',
      ns,
      '--topic',
      TOPIC,
      '--body',
      'x',
      '--timeout-ms',
      '0',
    ]);
    assert.equal(badTimeout.code, 2);
    assert.match(badTimeout.stderr, /^rmq: --timeout-ms must be between 1 and/);
  });
});
