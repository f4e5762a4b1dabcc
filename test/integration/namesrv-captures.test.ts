/**
 * The captured Apache RocketMQ 4.9.8 GET_ROUTEINFO_BY_TOPIC exchanges, replayed over a real socket
 * against our name server after registering the same broker (broker-a 127.0.0.1:10911,
 * DefaultCluster, TopicTest 4/4 perm 6): the answers must carry the captured bodies byte for byte,
 * in the standard (version >= 401) and the legacy (version 213) form, and the TOPIC_NOT_EXIST remark.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { NameServer } from '../../src/server/namesrv/index.js';
import { RemotingClient } from '../../src/transport/index.js';
import { createRequest } from '../../src/protocol/command/remoting-command.js';
import type { RemotingCommand } from '../../src/protocol/command/remoting-command.js';
import { FrameDecoder, decodeFramePayload } from '../../src/protocol/frame/index.js';
import { RequestCode } from '../../src/protocol/codes/request-code.js';
import { RegisterBrokerRequestHeader } from '../../src/protocol/headers/namesrv.js';
import { encodeRegisterBrokerBody } from '../../src/protocol/body/register-broker.js';
import { makeTopicConfig } from '../../src/protocol/body/topic-config.js';
import { decodeTopicRouteData } from '../../src/protocol/body/route.js';
import { decodeClusterInfo } from '../../src/protocol/body/cluster-info.js';
import { loadCaptures } from '../helpers/captures.js';

const routeFrames = loadCaptures().filter((c) => c.name.startsWith('route-TopicTest.txt'));

/** Sends raw frames on one fresh socket and returns the frames received, in order. */
async function exchangeRaw(address: string, frames: Buffer[], expected: number): Promise<Buffer[]> {
  const [host, port] = [
    address.slice(0, address.lastIndexOf(':')),
    Number(address.slice(address.lastIndexOf(':') + 1)),
  ];
  const socket = net.connect({ host, port });
  const decoder = new FrameDecoder();
  const received: Buffer[] = [];
  try {
    return await new Promise<Buffer[]>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`only ${received.length}/${expected} frames received`)),
        5000,
      );
      socket.on('error', reject);
      socket.on('data', (chunk) => {
        for (const payload of decoder.push(chunk)) {
          const frame = Buffer.alloc(4 + payload.length);
          frame.writeInt32BE(payload.length);
          payload.copy(frame, 4);
          received.push(frame);
        }
        if (received.length >= expected) {
          clearTimeout(timer);
          resolve(received);
        }
      });
      socket.on('connect', () => {
        for (const f of frames) socket.write(f);
      });
    });
  } finally {
    socket.destroy();
  }
}

function payloadOf(frame: Buffer): RemotingCommand {
  return decodeFramePayload(frame.subarray(4));
}

describe('name server answers the captured route requests like Java 4.9.8', () => {
  let server: NameServer;
  let client: RemotingClient;

  before(async () => {
    server = new NameServer({ port: 0 });
    await server.start();
    client = new RemotingClient();
    const body = encodeRegisterBrokerBody({
      filterServerList: [],
      topicConfigSerializeWrapper: {
        dataVersion: { timestamp: 1700000000000, counter: 3 },
        topicConfigTable: new Map([
          ['TopicTest', makeTopicConfig('TopicTest', { readQueueNums: 4, writeQueueNums: 4 })],
        ]),
      },
    });
    const request = createRequest(RequestCode.REGISTER_BROKER, {
      extFields: RegisterBrokerRequestHeader.encode({
        brokerName: 'broker-a',
        brokerAddr: '127.0.0.1:10911',
        clusterName: 'DefaultCluster',
        haServerAddr: '127.0.0.1:10912',
        brokerId: 0,
        compressed: false,
        bodyCrc32: 0,
      }),
      body,
    });
    const response = await client.invokeSync(server.address, request, 3000);
    assert.equal(response.code, 0, response.remark);
  });

  after(async () => {
    await client.shutdown();
    await server.shutdown();
  });

  it('has the four captured request/response pairs', () => {
    assert.equal(routeFrames.length, 8);
  });

  for (let i = 0; i + 1 < routeFrames.length; i += 2) {
    const req = routeFrames[i]!;
    const res = routeFrames[i + 1]!;
    it(`${req.name.replace('route-TopicTest.txt ', '')}`, async () => {
      assert.equal(req.kind, 'REQUEST');
      assert.equal(res.kind, 'RESPONSE');
      const [frame] = await exchangeRaw(server.address, [req.bytes], 1);
      const got = payloadOf(frame!);
      const want = payloadOf(res.bytes);
      assert.equal(got.code, want.code);
      assert.equal(got.opaque, want.opaque);
      assert.equal(got.remark, want.remark);
      assert.deepEqual(got.body, want.body);
      assert.equal(got.serializeType, want.serializeType);
      // The whole frame, header included, is what Java sent.
      assert.equal(frame!.toString('hex'), res.bytes.toString('hex'));
    });
  }

  it('all four requests pipelined on one connection are answered in order', async () => {
    const requests = routeFrames.filter((f) => f.kind === 'REQUEST');
    const responses = routeFrames.filter((f) => f.kind === 'RESPONSE');
    const frames = await exchangeRaw(
      server.address,
      requests.map((r) => r.bytes),
      requests.length,
    );
    const byOpaque = new Map(frames.map((f) => [payloadOf(f).opaque, f]));
    for (const want of responses) {
      assert.deepEqual(byOpaque.get(payloadOf(want.bytes).opaque), want.bytes);
    }
  });

  it('both route forms decode with the client-side decoder', () => {
    const bodies = routeFrames.filter((f) => f.kind === 'RESPONSE' && payloadOf(f.bytes).body);
    assert.equal(bodies.length, 3);
    for (const f of bodies) {
      const route = decodeTopicRouteData(payloadOf(f.bytes).body!);
      assert.deepEqual([...route.brokerDatas[0]!.brokerAddrs], [[0, '127.0.0.1:10911']]);
      assert.deepEqual(route.queueDatas, [
        { brokerName: 'broker-a', perm: 6, readQueueNums: 4, writeQueueNums: 4, topicSysFlag: 0 },
      ]);
    }
  });

  it('acceptStandardJsonOnly=true gets standard JSON even from an old client version', async () => {
    const request = createRequest(RequestCode.GET_ROUTEINFO_BY_TOPIC, {
      version: 213,
      extFields: { topic: 'TopicTest', acceptStandardJsonOnly: 'true' },
    });
    const response = await client.invokeSync(server.address, request, 3000);
    assert.equal(response.body!.toString(), payloadOf(routeFrames[1]!.bytes).body!.toString());
  });

  it('cluster info is written in the non-standard form whatever the request version', async () => {
    const response = await client.invokeSync(
      server.address,
      createRequest(RequestCode.GET_BROKER_CLUSTER_INFO),
      3000,
    );
    assert.equal(response.code, 0);
    assert.equal(
      response.body!.toString(),
      '{"brokerAddrTable":{"broker-a":{"brokerAddrs":{0:"127.0.0.1:10911"},"brokerName":"broker-a","cluster":"DefaultCluster"}},' +
        '"clusterAddrTable":{"DefaultCluster":["broker-a"]}}',
    );
    const info = decodeClusterInfo(response.body!);
    assert.deepEqual([...info.clusterAddrTable], [['DefaultCluster', ['broker-a']]]);
    assert.deepEqual([...info.brokerAddrTable.get('broker-a')!.brokerAddrs], [[0, '127.0.0.1:10911']]);
  });
});
