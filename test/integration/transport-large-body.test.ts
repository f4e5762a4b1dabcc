/**
 * Issue 16: bodies of SEPARATE_BODY_BYTES and more leave as a frame head plus the body, uncopied, in
 * one corked writev. The bytes must be those of the whole frame: head + body equals encodeFrame, and
 * large bodies (interleaved with small ones) round-trip intact in both directions.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { SerializeType } from '../../src/protocol/codes/misc.js';
import { createRequest, createResponse } from '../../src/protocol/command/remoting-command.js';
import { encodeFrame, encodeFrameHead, SEPARATE_BODY_BYTES } from '../../src/protocol/frame/frame-codec.js';
import { RemotingClient } from '../../src/transport/index.js';
import { ECHO, startEchoServer } from './transport-helpers.js';

test('head + body is byte for byte the whole frame (JSON and ROCKETMQ headers)', () => {
  const body = randomBytes(SEPARATE_BODY_BYTES + 3);
  for (const type of [SerializeType.JSON, SerializeType.ROCKETMQ]) {
    const request = createRequest(310, { extFields: { a: '1', topic: 'T' }, body, remark: 'r' });
    request.opaque = 77;
    const head = encodeFrameHead(request, type);
    assert.deepEqual(Buffer.concat([head, body]), encodeFrame(request, type));
    const response = createResponse(0, { body, extFields: { msgId: 'X' } });
    assert.deepEqual(Buffer.concat([encodeFrameHead(response, type), body]), encodeFrame(response, type));
  }
});

test('large and small bodies interleaved round-trip intact over one connection', async () => {
  const server = await startEchoServer();
  const client = new RemotingClient();
  try {
    const addr = `127.0.0.1:${server.port}`;
    const bodies = [1 << 20, 5, SEPARATE_BODY_BYTES, 300, SEPARATE_BODY_BYTES - 1, 200_000].map((n) =>
      randomBytes(n),
    );
    const answers = await Promise.all(
      bodies.map((body) => client.invokeAsync(addr, createRequest(ECHO, { body }), 10_000)),
    );
    answers.forEach((r, i) => assert.ok(r.body?.equals(bodies[i]!), `body ${i} intact`));
  } finally {
    await client.shutdown();
    await server.shutdown();
  }
});
