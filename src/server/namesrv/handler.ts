/**
 * What every name server request handler closes over, the SUCCESS answer they share, and the name
 * server's one rule on errors: a RocketMQError a handler lets escape (a header field missing, a body
 * that does not decode, a limit) is refused SYSTEM_ERROR with its bare message as the remark, as the
 * name server has always answered; anything else is the dispatcher's "<Name>: <message>".
 */
import { RequestRefusedError, RocketMQError } from '../../common/errors.js';
import type { Logger } from '../../common/logger.js';
import { createResponse } from '../../protocol/command/remoting-command.js';
import type { RemotingCommand } from '../../protocol/command/remoting-command.js';
import { requestCodeName } from '../../protocol/codes/request-code.js';
import { ResponseCode } from '../../protocol/codes/response-code.js';
import type { HandlerTable, RequestHandler } from '../../transport/handler-table.js';
import { handlerTable } from '../../transport/handler-table.js';
import type { KVConfigStore } from './kv-config.js';
import type { NameServerLimits } from './limits.js';
import type { RouteRegistry } from './route-registry.js';

export interface NamesrvRuntime {
  readonly registry: RouteRegistry;
  readonly kv: KVConfigStore;
  readonly limits: NameServerLimits;
  /** Put `orderTopicConf` (KV namespace ORDER_TOPIC_CONFIG) into routes (Java default false). */
  orderMessageEnable: boolean;
  readonly logger: Logger;
  /** Configuration shown by GET_NAMESRV_CONFIG and changed by UPDATE_NAMESRV_CONFIG. */
  readonly config: NamesrvConfigView;
}

export interface NamesrvConfigView {
  /** Current "key" -> "value" (Java property names). */
  snapshot(): Map<string, string>;
  /** Applies the known keys (others are ignored, as Java's Configuration.update); returns those applied. */
  update(props: ReadonlyMap<string, string>): string[];
}

/** A SUCCESS answer; `extFields` given means Java's response had a custom header (written even if {}). */
export function ok(init: { extFields?: Record<string, string>; body?: Buffer } = {}): RemotingCommand {
  return createResponse(ResponseCode.SUCCESS, init);
}

/** A RocketMQError as the refusal the name server answers; other errors unchanged. */
function asRefusal(err: unknown, code: number, logger: Logger): unknown {
  if (!(err instanceof RocketMQError) || err.constructor === RequestRefusedError) return err;
  // Plain refusals are ordinary answers (an unknown topic); these are requests that went wrong.
  logger.warn({ error: err.message }, `${requestCodeName(code)} refused`);
  return err instanceof RequestRefusedError
    ? err
    : new RequestRefusedError(ResponseCode.SYSTEM_ERROR, err.message);
}

/** The table with the name server's error rule (above) applied to every handler. */
export function withNamesrvErrorRule(table: HandlerTable, logger: Logger): HandlerTable {
  const guarded = [...table].map(([code, handler]): [number, RequestHandler] => [
    code,
    (request, context) => {
      let result;
      try {
        result = handler(request, context);
      } catch (err) {
        throw asRefusal(err, code, logger);
      }
      if (result instanceof Promise) {
        return result.catch((err: unknown) => {
          throw asRefusal(err, code, logger);
        });
      }
      return result;
    },
  ]);
  return handlerTable(guarded);
}
