/**
 * Issue 10, defect 1 at the broker: DELETE_TOPIC_IN_BROKER and SEND_MESSAGE_V2 for the same topic in
 * one TCP chunk must not stop the broker from accepting writes (it used to refuse every later put to
 * every topic until restart).
 */
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startEmbeddedCluster } from '../../src/server/embedded-cluster.js';
import type { EmbeddedCluster } from '../../src/server/embedded-cluster.js';
import type { RemotingClient } from '../../src/transport/index.js';
import { RequestCode } from '../../src/protocol/codes/request-code.js';
import { createRequest } from '../../src/protocol/command/remoting-command.js';
import { DeleteTopicRequestHeader } from '../../src/protocol/headers/admin.js';
import { decodeFrame, encodeFrame } from '../../src/protocol/frame/frame-codec.js';
import { newClient, pullAll, send, sendRequest } from '../helpers/broker-client.js';

let cluster: EmbeddedCluster;
let client: RemotingClient;
let addr: string;

before(async () => {
  cluster = await startEmbeddedCluster({ brokers: [{}] });
  client = newClient();
  addr = cluster.brokers[0]!.address;
});

after(async () => {
  await client.shutdown();
  await cluster.stop();
});

/** Writes several frames in one chunk and collects one response per frame. */
function exchangeInOneChunk(frames: Buffer[]): Promise<number[]> {
  const colon = addr.lastIndexOf(':');
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: addr.slice(0, colon), port: Number(addr.slice(colon + 1)) });
    let buf = Buffer.alloc(0);
    const codes: number[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`only ${codes.length} of ${frames.length} responses`));
    }, 5000);
    socket.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 4 && buf.length >= 4 + buf.readInt32BE(0)) {
        const len = 4 + buf.readInt32BE(0);
        codes.push(decodeFrame(buf.subarray(0, len)).code);
        buf = buf.subarray(len);
      }
      if (codes.length === frames.length) {
        clearTimeout(timer);
        socket.destroy();
        resolve(codes);
      }
    });
    socket.on('error', reject);
    socket.write(Buffer.concat(frames));
  });
}

it('DELETE_TOPIC_IN_BROKER + SEND_MESSAGE_V2 in one chunk: later sends to every topic succeed', async () => {
  for (let round = 0; round < 5; round++) {
    const first = await send(client, addr, { topic: 'RaceTopic', body: `before-${round}` });
    assert.equal(first.code, 0, first.remark);
    const del = createRequest(RequestCode.DELETE_TOPIC_IN_BROKER, {
      extFields: DeleteTopicRequestHeader.encode({ topic: 'RaceTopic' }),
    });
    const racing = sendRequest({ topic: 'RaceTopic', body: `racing-${round}` });
    const codes = await exchangeInOneChunk([encodeFrame(del), encodeFrame(racing)]);
    assert.equal(codes[0], 0, 'deletion answered');
    const later = await send(client, addr, { topic: 'RaceTopic', body: `after-${round}` });
    assert.equal(later.code, 0, `later send to the topic: ${later.remark ?? ''}`);
    const elsewhere = await send(client, addr, { topic: 'ElsewhereTopic', body: `elsewhere-${round}` });
    assert.equal(elsewhere.code, 0, `later send to another topic: ${elsewhere.remark ?? ''}`);
  }
  const all = await pullAll(client, addr, 'ElsewhereTopic', 0);
  assert.equal(all.length, 5);
});
