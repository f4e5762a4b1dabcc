/**
 * `rmq consume --push` when the consumer can get nothing: an unreachable name server, a broker that
 * refuses the client (plain ACL: no or wrong credentials), pulls refused. A PushConsumer starts in all
 * of these (as Java's), so the command must notice and exit 1 in one line; an existing empty topic it
 * could read is still "0 messages consumed", exit 0. One ACL cluster for the file, in-process runs.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { startEmbeddedCluster } from '../../src/server/embedded-cluster.js';
import type { EmbeddedCluster } from '../../src/server/embedded-cluster.js';
import { rmq } from '../helpers/cli.js';
import { ClientEvents, PushConsumer, PushConsumerEvents, ResponseCode } from '../../src/index.js';
import type { HeartbeatFailureEvent } from '../../src/index.js';
import { instanceCore } from '../../src/client/client-instance.js';
import type { CliResult } from '../helpers/cli.js';

const ADMIN = ['--access-key', 'pushAdmin', '--secret-key', 'pushAdminSecret'];
const ACL = `accounts:
  - accessKey: pushAdmin
    secretKey: pushAdminSecret
    admin: true
`;

function assertOneLineError(r: CliResult, pattern: RegExp): void {
  assert.equal(r.code, 1, `exit code; stdout: ${r.stdout} stderr: ${r.stderr}`);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line expected, got: ${r.stderr}`);
  assert.match(lines[0] ?? '', pattern);
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('rmq consume --push reports a consumer that can get nothing', { concurrency: true }, () => {
  let dir: string;
  let cluster: EmbeddedCluster;
  let ns: string;
  const push = (topic: string, ...extra: string[]): Promise<CliResult> =>
    rmq([
      'consume',
      '--push',
      '--namesrv',
      ns,
      '--topic',
      topic,
      '--group',
      'health_cg',
      '--timeout',
      '1',
      ...extra,
    ]);

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rmq-push-health-'));
    const aclFile = path.join(dir, 'plain_acl.yml');
    fs.writeFileSync(aclFile, ACL);
    cluster = await startEmbeddedCluster({ aclFile });
    ns = cluster.namesrvAddress;
    for (const topic of ['HealthFull', 'HealthEmpty']) {
      const created = await rmq([
        'topic',
        'create',
        '--namesrv',
        ns,
        '--topic',
        topic,
        '--queues',
        '2',
        ...ADMIN,
      ]);
      assert.equal(created.code, 0, created.stderr);
    }
    const sent = await rmq(['send', '--namesrv', ns, '--topic', 'HealthFull', '--body', 'x', ...ADMIN]);
    assert.equal(sent.code, 0, sent.stderr);
  });
  after(async () => {
    await cluster?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('an unreachable name server: one line, exit 1', async () => {
    const port = await closedPort();
    const r = await rmq([
      'consume',
      '--push',
      '--namesrv',
      `127.0.0.1:${port}`,
      '--topic',
      'X',
      '--group',
      'g',
      '--timeout',
      '3',
    ]);
    assertOneLineError(r, /^rmq: cannot read the route of X from 127\.0\.0\.1:\d+: .*ECONNREFUSED/);
  });

  it('no credentials, or a wrong secret, on an ACL broker: one line, exit 1', async () => {
    assertOneLineError(
      await push('HealthFull'),
      /^rmq: consuming HealthFull: heartbeat failed: .*No accessKey is configured/,
    );
    assertOneLineError(
      await push('HealthEmpty', '--access-key', 'pushAdmin', '--secret-key', 'wrong'),
      /^rmq: consuming HealthEmpty: heartbeat failed: .*Check signature failed for accessKey=pushAdmin/,
    );
  });

  it('broadcasting without credentials (queues held from the route): one line, exit 1', async () => {
    const r = await push('HealthFull', '--broadcast', '--offset-dir', path.join(dir, 'offsets'));
    assertOneLineError(
      r,
      // The refused heartbeat, or the refused pulls when the queues were taken first: either is the cause.
      /^rmq: consuming HealthFull: (heartbeat|pulling HealthFull) failed: .*No accessKey is configured/,
    );
  });

  it('a refused heartbeat is a heartbeat.failure event of the client instance and of the push consumer', async () => {
    const consumer = new PushConsumer({
      nameServer: ns,
      consumerGroup: 'health_events_cg',
      handler: () => 'CONSUME_SUCCESS',
    });
    const seen: HeartbeatFailureEvent[] = [];
    consumer.on(PushConsumerEvents.HEARTBEAT_FAILURE, (e) => seen.push(e));
    await consumer.subscribe('HealthFull', '*');
    await consumer.start();
    try {
      assert.ok(seen.length >= 1, 'the first heartbeat, sent by start(), was refused');
      const [first] = seen;
      assert.equal(first!.address, cluster.brokers[0]!.address);
      assert.equal(first!.brokerName, cluster.brokers[0]!.brokerName);
      assert.match(String((first!.error as Error).message), /No accessKey is configured/);
      assert.equal(first!.code, ResponseCode.SYSTEM_ERROR, 'an ACL refusal, as Java answers it');
      const fromInstance: HeartbeatFailureEvent[] = [];
      consumer.clientInstance!.on(ClientEvents.HEARTBEAT_FAILURE, (e) => fromInstance.push(e));
      await instanceCore(consumer.clientInstance!).sendHeartbeatToAllBrokers();
      assert.equal(fromInstance.length, 1);
      assert.equal(seen.length, 2, 'passed on to the consumer too');
    } finally {
      await consumer.shutdown();
    }
  });

  it('a shutdown while start() runs waits for it and stops what it started', async () => {
    const consumer = new PushConsumer({
      nameServer: ns,
      consumerGroup: 'health_stop_cg',
      handler: () => 'CONSUME_SUCCESS',
      credentials: { accessKey: 'pushAdmin', secretKey: 'pushAdminSecret' },
    });
    await consumer.subscribe('HealthFull', '*');
    const starting = consumer.start();
    const stopping = consumer.shutdown(); // in the same turn: start() has only begun
    try {
      await starting;
      await stopping;
      assert.equal(consumer.state, 'SHUTDOWN_ALREADY', 'not left running');
      assert.equal(consumer.clientInstance!.listenerCount(ClientEvents.HEARTBEAT_FAILURE), 0);
      assert.equal(consumer.clientInstance!.state, 'SHUTDOWN_ALREADY', 'the instance it started is left');
    } finally {
      // Left running, it would keep the test process alive: a second shutdown stops it.
      if (consumer.state === 'RUNNING') await consumer.shutdown();
    }
  });

  it('a topic that never appears: exit 1', async () => {
    const r = await push('HealthNever', ...ADMIN);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /rmq: consuming HealthNever: topic HealthNever does not exist/);
  });

  it('with credentials: an existing empty topic is 0 messages, exit 0; a full one is read', async () => {
    const empty = await push('HealthEmpty', ...ADMIN);
    assert.deepEqual(
      [empty.code, empty.stdout, empty.stderr],
      [0, '', '0 messages consumed from HealthEmpty\n'],
    );
    const full = await push('HealthFull', '--from', 'first', '--count', '1', ...ADMIN);
    assert.equal(full.code, 0, full.stderr);
    assert.equal(full.stderr, '1 message consumed from HealthFull\n');
  });
});
