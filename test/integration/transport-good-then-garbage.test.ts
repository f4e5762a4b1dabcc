/**
 * A peer that answers one request and then sends garbage in the same write: the client delivers the
 * answer, closes the connection and fails the other pending request at once (not at its timeout).
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, it } from 'node:test';
import { RemotingError } from '../../src/common/errors.js';
import { createRequest, createResponse } from '../../src/protocol/command/remoting-command.js';
import { encodeFrame } from '../../src/protocol/frame/frame-codec.js';
import { FrameDecoder } from '../../src/protocol/frame/frame-decoder.js';
import { RemotingClient } from '../../src/transport/index.js';

describe('transport: response followed by garbage', () => {
  it('delivers the response, then fails the pending request promptly', async () => {
    const server = net.createServer((socket) => {
      const decoder = new FrameDecoder();
      socket.on('data', (chunk) => {
        for (const request of decoder.pushCommands(chunk)) {
          if (request.code !== 1) continue; // only the first request gets an answer
          const response = createResponse(0, { remark: 'first' });
          response.opaque = request.opaque;
          socket.write(
            Buffer.concat([encodeFrame(response), Buffer.from('0000000807000000deadbeef', 'hex')]),
          );
        }
      });
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const addr = `127.0.0.1:${(server.address() as net.AddressInfo).port}`;
    const client = new RemotingClient();
    try {
      const pending = client.invokeSync(addr, createRequest(2), 30_000);
      pending.catch(() => undefined);
      const first = await client.invokeSync(addr, createRequest(1), 30_000);
      assert.equal(first.remark, 'first');
      const started = Date.now();
      await assert.rejects(pending, RemotingError);
      assert.ok(Date.now() - started < 10_000, 'failed with the connection, not at the 30 s timeout');
      assert.equal(client.inFlightCount, 0);
    } finally {
      await client.shutdown();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
