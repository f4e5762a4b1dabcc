/**
 * Runs one request through the transport's RequestDispatcher with a handler table registered, as a
 * server would, and returns the decoded answer: handler tables tested without a socket.
 */
import { silentLogger } from '../../src/common/logger.js';
import { SerializeType } from '../../src/protocol/codes/misc.js';
import type { RemotingCommand } from '../../src/protocol/command/remoting-command.js';
import { decodeFrame } from '../../src/protocol/frame/frame-codec.js';
import { RequestDispatcher } from '../../src/transport/dispatcher.js';
import type { HandlerTable } from '../../src/transport/handler-table.js';
import { registerHandlerTable } from '../../src/transport/handler-table.js';
import type { RemotingChannel } from '../../src/transport/types.js';

export function tableDispatcher(table: HandlerTable): RequestDispatcher {
  const dispatcher = new RequestDispatcher([], SerializeType.JSON, silentLogger);
  registerHandlerTable({ registerProcessor: (code, p, o) => dispatcher.register(code, p, o) }, table);
  return dispatcher;
}

/** The answer the dispatcher writes for `request` (undefined when it writes none). */
export async function dispatchOnce(
  dispatcher: RequestDispatcher,
  request: RemotingCommand,
): Promise<RemotingCommand | undefined> {
  const frames: Buffer[] = [];
  const channel = { remoteAddress: '127.0.0.1:50000', closed: false } as unknown as RemotingChannel;
  dispatcher.dispatch(
    {
      remoteAddress: channel.remoteAddress,
      context: { channel },
      closed: false,
      writeFrame: (f) => frames.push(f),
    },
    request,
  );
  await dispatcher.whenIdle();
  const frame = frames[0];
  return frame === undefined ? undefined : decodeFrame(frame);
}
