/**
 * Registration with name servers: at start with every topic, periodically, right after a topic is
 * created, unregistration on graceful shutdown, an unreachable name server that comes up later, and
 * broker restarts on the same store (embedded cluster).
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Broker } from '../../src/server/broker/index.js';
import { NameServer } from '../../src/server/namesrv/index.js';
import { startEmbeddedCluster } from '../../src/server/embedded-cluster.js';
import { RequestCode } from '../../src/protocol/codes/request-code.js';
import { decodeTopicRouteData } from '../../src/protocol/body/route.js';
import type { TopicRouteData } from '../../src/protocol/body/route.js';
import type { RemotingClient } from '../../src/transport/index.js';
import { newClient, pullAll, request, send } from '../helpers/broker-client.js';

const cleanups: (() => Promise<unknown>)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

async function route(
  client: RemotingClient,
  namesrv: string,
  topic: string,
): Promise<TopicRouteData | undefined> {
  const r = await request(client, namesrv, RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic });
  return r.code === 0 && r.body ? decodeTopicRouteData(r.body) : undefined;
}

async function eventually<T>(fn: () => Promise<T | undefined>, what: string, millis = 10_000): Promise<T> {
  const deadline = Date.now() + millis;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

async function tempDir(): Promise<string> {
  const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'rmq-reg-'));
  cleanups.push(() => fs.promises.rm(dir, { recursive: true, force: true }));
  return dir;
}

describe('broker registration', () => {
  it('registers with every name server at start and unregisters on shutdown', async () => {
    const a = new NameServer({ port: 0 });
    const b = new NameServer({ port: 0 });
    await a.start();
    await b.start();
    cleanups.push(
      () => a.shutdown(),
      () => b.shutdown(),
    );
    const broker = new Broker({ namesrvAddrs: [a.address, b.address], port: 0, storePath: await tempDir() });
    await broker.start();
    const client = newClient();
    cleanups.push(() => client.shutdown());
    for (const ns of [a.address, b.address]) {
      const r = await route(client, ns, 'TBW102');
      assert.equal(
        r?.brokerDatas[0]?.brokerAddrs.get(0),
        broker.address,
        'registered before start() resolves',
      );
      assert.equal(r?.queueDatas[0]?.perm, 7);
    }
    await broker.shutdown();
    for (const ns of [a.address, b.address]) {
      assert.equal(await route(client, ns, 'TBW102'), undefined, 'gone after unregister');
    }
  });

  it('keeps serving while a name server is down and registers once it comes up', async () => {
    const port = await freePort();
    const nsAddr = `127.0.0.1:${port}`;
    const broker = new Broker({
      namesrvAddrs: [nsAddr],
      port: 0,
      storePath: await tempDir(),
      registerIntervalMillis: 200,
    });
    await broker.start();
    cleanups.push(() => broker.shutdown());
    const client = newClient();
    cleanups.push(() => client.shutdown());
    assert.equal(
      (await send(client, broker.address, { topic: 'Offline' })).code,
      0,
      'serves without a name server',
    );
    const ns = new NameServer({ port });
    await ns.start();
    cleanups.push(() => ns.shutdown());
    const r = await eventually(() => route(client, nsAddr, 'Offline'), 'periodic registration');
    assert.equal(r.brokerDatas[0]?.brokerName, 'broker-a');
  });

  it('restarts a broker of an embedded cluster on the same store', async () => {
    const cluster = await startEmbeddedCluster({ brokers: 2 });
    cleanups.push(() => cluster.stop());
    const client = newClient();
    cleanups.push(() => client.shutdown());
    const b = cluster.brokers[1]!;
    assert.equal(b.brokerName, 'broker-b');
    assert.equal((await send(client, b.address, { topic: 'Restart', body: 'before' })).code, 0);
    const port = b.port;
    await cluster.stopBroker(1);
    const again = await cluster.startBroker(1);
    assert.equal(again.port, port, 'same port by default');
    assert.equal((await send(client, again.address, { topic: 'Restart', body: 'after' })).code, 0);
    const stored = await pullAll(client, again.address, 'Restart', 0);
    assert.deepEqual(
      stored.map((m) => m.body.toString()),
      ['before', 'after'],
    );
    const r = await eventually(async () => {
      const rr = await route(client, cluster.namesrvAddress, 'Restart');
      return rr?.brokerDatas.length === 1 ? rr : undefined;
    }, 'route after restart');
    assert.equal(r.brokerDatas[0]?.brokerAddrs.get(0), again.address);
  });
});
