/**
 * `rmq ... | head`: when the reader of its output goes away, the built binary exits quietly with 141
 * (128 + SIGPIPE) instead of crashing on EPIPE with a stack trace. The parent here plays `head`: it
 * reads the first output, then closes its end of the pipe.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { startEmbeddedCluster } from '../../src/server/embedded-cluster.js';
import type { EmbeddedCluster } from '../../src/server/embedded-cluster.js';
import { BROKEN_PIPE_EXIT_CODE, exitOnBrokenPipe } from '../../src/cli/broken-pipe.js';
import { rmq, spawnRmq } from '../helpers/cli.js';

/** Runs the binary, closes its stdout after the first chunk; resolves with its exit code and stderr. */
async function headOne(args: string[]): Promise<{ code: number | null; stderr: string }> {
  const child = spawnRmq(args);
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout.once('data', () => child.stdout.destroy());
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  return { code, stderr };
}

describe('rmq with its output piped into a reader that stops early', () => {
  let cluster: EmbeddedCluster;
  let ns: string;

  before(async () => {
    cluster = await startEmbeddedCluster({ brokers: 1 });
    ns = cluster.namesrvAddress;
    const sent = await rmq([
      'send',
      '--namesrv',
      ns,
      '--topic',
      'PipeTopic',
      '--body',
      'x',
      '--count',
      '300',
    ]);
    assert.equal(sent.code, 0, sent.stderr);
  });
  after(async () => {
    await cluster?.stop();
  });

  it('rmq send --count N | head -1: exit 141, no stack trace', async () => {
    const r = await headOne([
      'send',
      '--namesrv',
      ns,
      '--topic',
      'PipeTopic',
      '--body',
      'x',
      '--count',
      '2000',
    ]);
    assert.equal(r.code, BROKEN_PIPE_EXIT_CODE, r.stderr);
    assert.doesNotMatch(r.stderr, /EPIPE|Unhandled|\n\s+at /);
  });

  it('rmq consume --json | head -1: exit 141, no stack trace', async () => {
    const r = await headOne([
      'consume',
      '--namesrv',
      ns,
      '--topic',
      'PipeTopic',
      '--from-beginning',
      '--json',
    ]);
    assert.equal(r.code, BROKEN_PIPE_EXIT_CODE, r.stderr);
    assert.doesNotMatch(r.stderr, /EPIPE|Unhandled|\n\s+at /);
  });

  it('EPIPE on any stream the handler watches exits 141; other errors still throw', () => {
    const exits: number[] = [];
    const stream = new EventEmitter() as unknown as NodeJS.WritableStream;
    exitOnBrokenPipe(stream, (code) => exits.push(code));
    stream.emit('error', Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
    assert.deepEqual(exits, [BROKEN_PIPE_EXIT_CODE]);
    assert.throws(() => stream.emit('error', Object.assign(new Error('nope'), { code: 'EIO' })), /nope/);
  });
});
