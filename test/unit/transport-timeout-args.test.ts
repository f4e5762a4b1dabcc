/** A timeout that is not a finite number is refused at once, instead of waiting forever. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IllegalArgumentError } from '../../src/common/errors.js';
import { createRequest } from '../../src/protocol/command/remoting-command.js';
import { RemotingClient } from '../../src/transport/index.js';

describe('RemotingClient: timeout arguments', () => {
  it('rejects NaN and Infinity in every invocation mode', async () => {
    const client = new RemotingClient();
    try {
      for (const bad of [NaN, Infinity, -Infinity]) {
        await assert.rejects(client.invokeSync('127.0.0.1:1', createRequest(105), bad), IllegalArgumentError);
        await assert.rejects(
          client.invokeAsync('127.0.0.1:1', createRequest(105), bad),
          IllegalArgumentError,
        );
        await assert.rejects(
          client.invokeOneway('127.0.0.1:1', createRequest(105), bad),
          IllegalArgumentError,
        );
        const viaCallback = await new Promise<Error | null>((resolve) =>
          client.invokeAsync('127.0.0.1:1', createRequest(105), bad, (err) => resolve(err)),
        );
        assert.ok(viaCallback instanceof IllegalArgumentError);
      }
      assert.equal(client.inFlightCount, 0);
    } finally {
      await client.shutdown();
    }
  });
});
