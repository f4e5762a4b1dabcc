/**
 * Name-server discovery against real name servers: a producer with no fixed list finds the cluster
 * through a local HTTP endpoint, keeps sending while the endpoint switches it to a second name server
 * (route refreshes every 20 ms keep name-server calls in flight), and after the first name server is
 * gone still finds routes through the second one. No send fails.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Producer } from '../../src/client/producer/producer.js';
import { instanceCore } from '../../src/client/client-instance.js';
import { NameServer } from '../../src/server/namesrv/index.js';
import { startEmbeddedCluster } from '../../src/server/embedded-cluster.js';
import type { EmbeddedCluster } from '../../src/server/embedded-cluster.js';
import { createTopic, waitFor } from './consumer-helpers.js';

describe('name-server discovery with an embedded cluster', () => {
  let ns2: NameServer;
  let cluster: EmbeddedCluster;
  let http: Server;
  let answer = '';
  let polls = 0;

  before(async () => {
    ns2 = new NameServer({ port: 0 });
    await ns2.start();
    cluster = await startEmbeddedCluster({ brokers: [{ namesrvAddrs: [ns2.address] }] });
    await createTopic(cluster, 'DiscoveryA', 2);
    await createTopic(cluster, 'DiscoveryB', 2);
    http = createServer((_req, res) => {
      polls++;
      res.writeHead(200, { 'content-type': 'text/plain' }).end(`${answer}\n`);
    });
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  });

  after(async () => {
    http?.closeAllConnections();
    await new Promise((r) => http?.close(r));
    await cluster?.stop();
    await ns2?.shutdown();
  });

  it('finds the cluster through the endpoint and switches name servers with sends in flight', async () => {
    answer = cluster.namesrvAddress;
    const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/rocketmq/nsaddr`;
    const producer = new Producer({
      producerGroup: 'discovery_pg',
      nameServerDiscovery: { url, initialDelayMillis: 0, intervalMillis: 20 },
      pollNameServerInterval: 20,
    });
    await producer.start();
    try {
      const api = instanceCore(producer.instance).api;
      // The first send waits for the first poll: there is no list before it.
      assert.equal((await producer.send({ topic: 'DiscoveryA', body: 'first' })).sendStatus, 'SEND_OK');
      assert.deepEqual(api.nameServerAddressList, [cluster.namesrvAddress]);

      let sent = 0;
      const failures: unknown[] = [];
      let stop = false;
      const sender = async (): Promise<void> => {
        while (!stop && sent < 2000) {
          try {
            await producer.sendAsync({ topic: 'DiscoveryA', body: `m${sent++}` });
          } catch (err) {
            failures.push(err);
          }
        }
      };
      const senders = Array.from({ length: 8 }, sender);
      await waitFor('sends before the switch', () => (sent > 20 ? true : undefined));
      answer = `${ns2.address}`;
      await waitFor('the switch to the second name server', () =>
        api.nameServerAddressList[0] === ns2.address ? true : undefined,
      );
      const atSwitch = sent;
      await waitFor('sends after the switch', () => (sent > atSwitch + 20 ? true : undefined));
      stop = true;
      await Promise.all(senders);
      assert.deepEqual(failures, []);

      // The first name server is gone: a topic this producer never routed is found through the second.
      await cluster.namesrv.shutdown();
      assert.equal((await producer.send({ topic: 'DiscoveryB', body: 'after' })).sendStatus, 'SEND_OK');
      assert.ok(polls >= 3);
    } finally {
      await producer.shutdown();
    }
  });
});
