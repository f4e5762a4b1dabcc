/**
 * The broker's reply handlers are registered as waiting for answers from peers: a reply is answered
 * once its requester answered the push, so its body must not count in the request-body bounds whose
 * pausing of reads would hold that answer (src/transport/request-bytes-budget.ts). Their refusals keep
 * the send processors' ext fields.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RequestCode } from '../../src/protocol/codes/request-code.js';
import type { BrokerContext } from '../../src/server/broker/core/broker-context.js';
import { replyHandlers } from '../../src/server/broker/send/reply-requests.js';
import { registerHandlerTable } from '../../src/transport/handler-table.js';
import type { RequestProcessor } from '../../src/transport/types.js';

describe('broker reply handlers', () => {
  it('are registered as waiting for peers, with their refusal fields', () => {
    const ctx = {
      options: { processReplyMessageThreadPoolNums: 2, replyThreadPoolQueueCapacity: 10 },
    } as unknown as BrokerContext;
    const registered = new Map<number, RequestProcessor>();
    registerHandlerTable(
      { registerProcessor: (code, processor) => registered.set(code, processor) },
      replyHandlers(ctx, {} as Parameters<typeof replyHandlers>[1]),
    );
    assert.deepEqual(
      [...registered.keys()].sort(),
      [RequestCode.SEND_REPLY_MESSAGE, RequestCode.SEND_REPLY_MESSAGE_V2].sort(),
    );
    for (const processor of registered.values()) {
      assert.equal(processor.waitsForPeers, true);
      assert.equal(typeof processor.refusalExtFields, 'function');
    }
  });
});
