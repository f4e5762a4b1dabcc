/**
 * `rmq consume / route / topic / cluster` against an embedded cluster in this process. Most runs are
 * in-process (`rmq`); a few run the built binary (`rmqBinary`) to show that the process prints the
 * same, exits with the same code and does not hang once its consumer or admin client is closed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Producer } from '../../src/client/producer/producer.js';
import { startEmbeddedCluster } from '../../src/server/embedded-cluster.js';
import type { EmbeddedCluster } from '../../src/server/embedded-cluster.js';
import { rmq as rmqInProcess, rmqBinary, spawnRmq } from '../helpers/cli.js';
import { Message } from '../../src/protocol/message/index.js';
import type { CliResult } from '../helpers/cli.js';
import { waitFor } from './consumer-helpers.js';

/** `rmq ...` in this process. */
const rmq = (...args: string[]): Promise<CliResult> => rmqInProcess(args);
/** `rmq ...` as the built binary in a child process. */
const rmqProcess = (...args: string[]): Promise<CliResult> => rmqBinary(args);

function assertOneLineError(r: CliResult, code: number, pattern: RegExp): void {
  assert.equal(r.code, code, `exit code; stderr: ${r.stderr}`);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line expected, got: ${r.stderr}`);
  assert.match(lines[0] ?? '', pattern);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
}

describe('rmq consume / route / topic / cluster', () => {
  let cluster: EmbeddedCluster;
  let ns: string;
  const TOPIC = 'CliTopic';

  before(async () => {
    cluster = await startEmbeddedCluster({ brokers: 1, autoCreateTopicEnable: false });
    ns = cluster.namesrvAddress;
  });
  after(async () => {
    await cluster?.stop();
  });

  it('creates a topic, lists topics, shows the cluster and the route', async () => {
    const created = await rmq('topic', 'create', '--namesrv', ns, '--topic', TOPIC, '--queues', '2');
    assert.equal(created.code, 0, created.stderr);
    assert.match(
      created.stdout,
      new RegExp(
        `^created topic ${TOPIC} on broker-a \\(127\\.0\\.0\\.1:\\d+\\): 2 read / 2 write queues, perm 6\\n$`,
      ),
    );
    await waitFor(
      'topic listed',
      async () => {
        const r = await rmq('topic', 'list', '--namesrv', ns);
        return r.code === 0 && r.stdout.split('\n').includes(TOPIC) ? r : undefined;
      },
      20_000,
    );
    const cl = await rmq('cluster', '--namesrv', ns, '--json');
    assert.equal(cl.code, 0, cl.stderr);
    assert.deepEqual(JSON.parse(cl.stdout), {
      DefaultCluster: { 'broker-a': { '0': cluster.brokers[0]?.address } },
    });
    const text = await rmq('cluster', '--namesrv', ns);
    assert.match(text.stdout, /^DefaultCluster\n {2}broker-a +master 127\.0\.0\.1:\d+\n$/);
    const route = await rmqProcess('route', '--namesrv', ns, '--topic', TOPIC);
    assert.equal(route.code, 0, route.stderr);
    const json = JSON.parse(route.stdout) as {
      queueDatas: { brokerName: string; readQueueNums: number; perm: number }[];
    };
    assert.deepEqual(
      json.queueDatas.map((q) => [q.brokerName, q.readQueueNums, q.perm]),
      [['broker-a', 2, 6]],
    );
  });

  it('consumes from the beginning, commits, and continues from the group offset', async () => {
    const producer = new Producer({ nameServer: ns, producerGroup: 'cli_pg' });
    await producer.start();
    try {
      for (let i = 0; i < 5; i++) {
        await producer.send({
          topic: TOPIC,
          body: `hello ${i}`,
          tags: i % 2 ? 'odd' : 'even',
          keys: `k${i}`,
        });
      }
    } finally {
      await producer.shutdown();
    }
    /** `rmq consume` of TOPIC for `group`, plus `flags`. */
    const args = (group: string, ...flags: string[]): string[] => [
      'consume',
      '--namesrv',
      ns,
      '--topic',
      TOPIC,
      '--group',
      group,
      ...flags,
    ];
    const consume = (group: string, ...flags: string[]): Promise<CliResult> => rmq(...args(group, ...flags));
    const first = await rmqProcess(...args('cli_g', '--from-beginning', '--count', '2', '--timeout', '1'));
    assert.equal(first.code, 0, first.stderr);
    const lines = first.stdout.trim().split('\n');
    assert.equal(lines.length, 2);
    for (const l of lines) {
      assert.match(
        l,
        /^broker-a:[01] offset=\d+ msgId=[0-9A-F]{32} tags=(odd|even) keys=k\d body="hello \d"$/,
      );
    }
    assert.match(first.stderr, /^2 messages consumed from CliTopic\n$/);
    const rest = await consume('cli_g', '--timeout', '1');
    assert.equal(rest.code, 0, rest.stderr);
    const restLines = rest.stdout
      .trim()
      .split('\n')
      .filter((l) => l !== '');
    assert.equal(restLines.length, 3);
    const bodies = [...lines, ...restLines].map((l) => /body="(.*)"$/.exec(l)?.[1]).sort();
    assert.deepEqual(bodies, ['hello 0', 'hello 1', 'hello 2', 'hello 3', 'hello 4']);
    const none = await consume('cli_g', '--timeout', '0');
    assert.equal(none.code, 0);
    assert.equal(none.stdout, '');
    const odd = await consume('cli_odd', '--from-beginning', '--tag', 'odd', '--timeout', '0', '--no-commit');
    assert.equal(odd.stdout.trim().split('\n').length, 2);
    assert.doesNotMatch(odd.stdout, /tags=even/);
  });

  it('the first Ctrl-C stops a consume cleanly: the count, offsets committed, exit 130', async () => {
    const producer = new Producer({ nameServer: ns, producerGroup: 'cli_sig_pg' });
    await producer.start();
    try {
      await producer.send(new Message(TOPIC, Buffer.from('sig')));
    } finally {
      await producer.shutdown();
    }
    const child = spawnRmq([
      'consume',
      '--namesrv',
      ns,
      '--topic',
      TOPIC,
      '--group',
      'cli_sig_cg',
      '--from-beginning',
      '--timeout',
      '60',
    ]);
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await waitFor('a message printed', () => (out.includes('\n') ? true : undefined), 20_000);
    child.kill('SIGINT');
    assert.equal(await exited, 130, err);
    assert.match(err, /^\d+ messages? consumed from CliTopic\n$/);
    const again = await rmq(
      'consume',
      '--namesrv',
      ns,
      '--topic',
      TOPIC,
      '--group',
      'cli_sig_cg',
      '--timeout',
      '0',
    );
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stdout, '', 'the offsets were committed');
  });

  it('reports bad flags and unreachable servers in one line', async () => {
    assertOneLineError(await rmqProcess('consume', '--bogus'), 2, /^rmq: .*bogus.*\(see --help\)$/);
    assertOneLineError(await rmq('consume', '--namesrv', ns), 2, /^rmq: --topic is required/);
    assertOneLineError(await rmq('consume', '--topic', 'T'), 2, /^rmq: --namesrv is required/);
    assertOneLineError(
      await rmq('consume', '--namesrv', ns, '--topic', 'T', '--count', 'x'),
      2,
      /^rmq: --count must be a whole number/,
    );
    assertOneLineError(
      await rmq('consume', '--namesrv', ns, '--topic', 'NoSuchTopic', '--timeout', '0'),
      1,
      /^rmq: Can not find Message Queue for this topic, NoSuchTopic$/,
    );
    assertOneLineError(
      await rmq('route', '--namesrv', '127.0.0.1:1', '--topic', 'T'),
      1,
      /^rmq: .*127\.0\.0\.1:1/,
    );
    assertOneLineError(
      await rmqProcess('consume', '--namesrv', '127.0.0.1:1', '--topic', 'T'),
      1,
      /^rmq: .*127\.0\.0\.1:1/,
    );
    assertOneLineError(await rmq('cluster', '--namesrv', 'nonsense'), 2, /^rmq: --namesrv: .*host:port/);
    assertOneLineError(
      await rmq('topic', 'create', '--namesrv', ns, '--topic', 'T', '--cluster', 'Nope'),
      1,
      /^rmq: no cluster named "Nope"/,
    );
    assertOneLineError(await rmq('topic', 'drop'), 2, /^rmq: unknown subcommand "topic drop"/);
    const help = await rmq('consume', '--help');
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^Usage: rmq consume --namesrv ADDR --topic TOPIC/);
  });
});
