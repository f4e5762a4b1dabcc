/**
 * An answer that cannot be written (the connection's write throws) is logged, for handlers that
 * answer at once and for those that answer later, and never escapes as an exception or an unhandled
 * rejection.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Logger } from '../../src/common/logger.js';
import { SerializeType } from '../../src/protocol/codes/misc.js';
import { createRequest, createResponse } from '../../src/protocol/command/remoting-command.js';
import { RequestDispatcher } from '../../src/transport/dispatcher.js';
import type { DispatchTarget } from '../../src/transport/dispatcher.js';
import type { RequestContext } from '../../src/transport/types.js';

function capturingLogger(): { logger: Logger; errors: string[] } {
  const errors: string[] = [];
  const ignore = (): void => {};
  return {
    logger: { debug: ignore, info: ignore, warn: ignore, error: (_o, msg) => errors.push(String(msg)) },
    errors,
  };
}

const brokenTarget: DispatchTarget = {
  remoteAddress: '127.0.0.1:1',
  context: {} as RequestContext,
  closed: false,
  writeFrame: () => {
    throw new Error('socket gone');
  },
};

describe('dispatcher answers that cannot be written', () => {
  for (const [name, processRequest] of [
    ['answer later (resolved)', () => Promise.resolve(createResponse(0))],
    ['refusal later (rejected)', () => Promise.reject(new Error('handler failed'))],
  ] as const) {
    it(`${name}: logged, nothing escapes`, async () => {
      const { logger, errors } = capturingLogger();
      const unhandled: unknown[] = [];
      const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
      process.on('unhandledRejection', onUnhandled);
      try {
        const dispatcher = new RequestDispatcher([], SerializeType.JSON, logger);
        dispatcher.register(10, { processRequest });
        dispatcher.dispatch(brokenTarget, createRequest(10));
        await dispatcher.whenIdle();
        await new Promise((resolve) => setImmediate(resolve));
        assert.deepEqual(errors, ['answering a request failed']);
        assert.deepEqual(unhandled, []);
        assert.equal(dispatcher.running, 0);
      } finally {
        process.off('unhandledRejection', onUnhandled);
      }
    });
  }
});
