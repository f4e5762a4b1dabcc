/**
 * RequestProcessor.refusalExtFields: the fields go on the answer to a refusal the processor throws
 * (at once or later), not on a refusal by a request hook (ACL: the processor never ran), and a
 * failing fields callback is answered SYSTEM_ERROR rather than escaping.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RequestRefusedError } from '../../src/common/errors.js';
import { silentLogger } from '../../src/common/logger.js';
import { SerializeType } from '../../src/protocol/codes/misc.js';
import { ResponseCode } from '../../src/protocol/codes/response-code.js';
import { createRequest } from '../../src/protocol/command/remoting-command.js';
import type { RemotingCommand } from '../../src/protocol/command/remoting-command.js';
import { decodeFrame } from '../../src/protocol/frame/frame-codec.js';
import { RequestDispatcher } from '../../src/transport/dispatcher.js';
import type { RequestProcessor, RequestContext, RPCHook } from '../../src/transport/types.js';

const FIELDS = { MSG_REGION: 'R', TRACE_ON: 'true' };

async function answerOf(processor: RequestProcessor, hooks: RPCHook[] = []): Promise<RemotingCommand> {
  const dispatcher = new RequestDispatcher(hooks, SerializeType.JSON, silentLogger);
  dispatcher.register(310, processor);
  const frames: Buffer[] = [];
  dispatcher.dispatch(
    {
      remoteAddress: '127.0.0.1:1',
      context: {} as RequestContext,
      closed: false,
      writeFrame: (f) => frames.push(f),
    },
    createRequest(310),
  );
  await dispatcher.whenIdle();
  assert.equal(frames.length, 1);
  return decodeFrame(frames[0]!);
}

const refuse = (): never => {
  throw new RequestRefusedError(ResponseCode.NO_PERMISSION, 'refused by the processor');
};

describe('refusal ext fields', () => {
  it('go on the refusals the processor throws, at once or later, with the refusal passed in', async () => {
    const seen: string[] = [];
    const refusalExtFields = (_request: RemotingCommand, refusal: RequestRefusedError) => {
      seen.push(refusal.message);
      return FIELDS;
    };
    for (const processRequest of [refuse, () => Promise.resolve().then(refuse)]) {
      const r = await answerOf({ processRequest, refusalExtFields });
      assert.equal(r.code, ResponseCode.NO_PERMISSION);
      assert.equal(r.remark, 'refused by the processor');
      assert.deepEqual({ ...r.extFields }, FIELDS);
    }
    assert.deepEqual(seen, ['refused by the processor', 'refused by the processor']);
  });

  it('are left off a refusal by a request hook (the processor never ran)', async () => {
    let ran = false;
    const hook: RPCHook = {
      beforeRequest: () => {
        throw new RequestRefusedError(ResponseCode.NO_PERMISSION, 'No acl');
      },
    };
    const r = await answerOf(
      {
        processRequest: () => {
          ran = true;
          return undefined;
        },
        refusalExtFields: () => FIELDS,
      },
      [hook],
    );
    assert.equal(ran, false);
    assert.equal(r.code, ResponseCode.NO_PERMISSION);
    assert.equal(r.remark, 'No acl');
    assert.equal(r.extFields, undefined);
  });

  it('a fields callback that throws is answered SYSTEM_ERROR', async () => {
    const r = await answerOf({
      processRequest: refuse,
      refusalExtFields: () => {
        throw new Error('fields failed');
      },
    });
    assert.equal(r.code, ResponseCode.SYSTEM_ERROR);
    assert.match(r.remark ?? '', /fields failed/);
  });
});
