/**
 * PUSH_REPLY_MESSAGE_TO_CLIENT (326): a broker pushes a reply to the client that sent the request
 * (Java ClientRemotingProcessor.receiveReplyMessage / processReplyMessage). The matching waiting
 * request gets the reply; a reply nobody waits for (its request timed out, or another process's) is
 * logged and dropped. Answered SUCCESS either way, as Java does; a reply that cannot be decoded
 * (bad address, unreadable body) is answered SYSTEM_ERROR "process reply message fail". A header
 * missing a required field is refused by the dispatcher before that (Java's decode throws too).
 */
import type { Logger } from '../../common/logger.js';
import { RequestCode, ResponseCode } from '../../protocol/codes/index.js';
import { createResponse } from '../../protocol/command/remoting-command.js';
import { ReplyMessageRequestHeader } from '../../protocol/headers/reply.js';
import { MessageConst } from '../../protocol/message/index.js';
import type { MessageExt } from '../../protocol/message/index.js';
import { handlerTable } from '../../transport/handler-table.js';
import type { HandlerTable, RequestHandler } from '../../transport/handler-table.js';
import { replyMessageFromPush } from './reply-message.js';
import type { RequestFutureTable } from './request-table.js';

export function replyHandlers(requests: RequestFutureTable, logger: Logger): HandlerTable {
  const receiveReplyMessage: RequestHandler = (request, context) => {
    const receivedAt = Date.now();
    const header = ReplyMessageRequestHeader.decode(request.extFields);
    let reply: MessageExt;
    try {
      reply = replyMessageFromPush(header, request.body ?? Buffer.alloc(0), receivedAt);
    } catch (err) {
      logger.warn({ from: context.channel.remoteAddress, err: String(err) }, 'unreadable reply message');
      return createResponse(ResponseCode.SYSTEM_ERROR, { remark: 'process reply message fail' });
    }
    const correlationId = reply.properties[MessageConst.PROPERTY_CORRELATION_ID];
    if (correlationId === undefined || !requests.complete(correlationId, reply)) {
      logger.warn(
        { correlationId, bornHost: header.bornHost, broker: context.channel.remoteAddress },
        'reply message matches no waiting request (it timed out, or was never sent from here): dropped',
      );
    }
    return createResponse(ResponseCode.SUCCESS);
  };
  return handlerTable([[RequestCode.PUSH_REPLY_MESSAGE_TO_CLIENT, receiveReplyMessage]]);
}
