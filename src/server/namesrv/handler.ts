/**
 * What every name server request handler gets, and the processor that routes a request to its
 * handler and turns a refused request into an error answer with a readable remark.
 */
import { RocketMQError } from '../../common/errors.js';
import type { Logger } from '../../common/logger.js';
import { createResponse } from '../../protocol/command/remoting-command.js';
import type { RemotingCommand } from '../../protocol/command/remoting-command.js';
import { requestCodeName } from '../../protocol/codes/request-code.js';
import { ResponseCode } from '../../protocol/codes/response-code.js';
import type { RemotingChannel, RequestContext, RequestProcessor } from '../../transport/types.js';
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

export type Handler = (
  runtime: NamesrvRuntime,
  request: RemotingCommand,
  channel: RemotingChannel,
) => RemotingCommand;

export type HandlerTable = ReadonlyMap<number, Handler>;

/** A SUCCESS answer; `extFields` given means Java's response had a custom header (written even if {}). */
export function ok(init: { extFields?: Record<string, string>; body?: Buffer } = {}): RemotingCommand {
  return createResponse(ResponseCode.SUCCESS, init);
}

export function fail(code: number, remark: string): RemotingCommand {
  return createResponse(code, { remark });
}

/** Dispatches by request code. Known refusals (RocketMQError) become SYSTEM_ERROR with their message. */
export class NamesrvRequestProcessor implements RequestProcessor {
  constructor(
    private readonly runtime: NamesrvRuntime,
    private readonly handlers: HandlerTable,
  ) {}

  processRequest(context: RequestContext, request: RemotingCommand): RemotingCommand | undefined {
    const handler = this.handlers.get(request.code);
    if (handler === undefined) {
      return fail(ResponseCode.REQUEST_CODE_NOT_SUPPORTED, ` request type ${request.code} not supported`);
    }
    try {
      return handler(this.runtime, request, context.channel);
    } catch (err) {
      const what = requestCodeName(request.code);
      if (err instanceof RocketMQError) {
        this.runtime.logger.warn(
          { from: context.channel.remoteAddress, error: err.message },
          `${what} refused`,
        );
        return fail(ResponseCode.SYSTEM_ERROR, err.message);
      }
      this.runtime.logger.error(
        { from: context.channel.remoteAddress, error: String(err) },
        `${what} failed`,
      );
      const e = err instanceof Error ? err : new Error(String(err));
      return fail(ResponseCode.SYSTEM_ERROR, `${e.name}: ${e.message}`);
    }
  }
}
