/**
 * The one way requests are handled everywhere (name server, broker, client): a handler per request
 * code, grouped in tables by concern, merged in one place and registered on an endpoint. A handler
 * answers with a command (or undefined for no answer) and refuses by throwing `RequestRefusedError`,
 * which the dispatcher turns into the error response; any other error is answered SYSTEM_ERROR.
 *
 *   const table = mergeHandlerTables(sendHandlers, pullHandlers, adminHandlers);
 *   registerHandlerTable(server, table, { maxConcurrency: 65536 });
 */
import type { RemotingCommand } from '../protocol/command/remoting-command.js';
import type { ProcessorOptions, RequestContext, RequestProcessor } from './types.js';

/**
 * Handles one request code: returns the response, or undefined for none (oneway); throwing
 * RequestRefusedError answers its code and remark (with the handler's `refusalExtFields`, if any: see
 * RequestProcessor).
 */
export type RequestHandler = ((
  request: RemotingCommand,
  context: RequestContext,
) => Promise<RemotingCommand | undefined> | RemotingCommand | undefined) & {
  readonly refusalExtFields?: RequestProcessor['refusalExtFields'];
  /** See RequestProcessor.waitsForPeers (set with `waitingForPeers`). */
  readonly waitsForPeers?: boolean;
};

/** Request code -> handler. */
export type HandlerTable = ReadonlyMap<number, RequestHandler>;

/** Builds a table from `[code, handler]` pairs, refusing a code listed twice. */
export function handlerTable(entries: Iterable<readonly [number, RequestHandler]>): HandlerTable {
  const table = new Map<number, RequestHandler>();
  for (const [code, handler] of entries) {
    if (table.has(code)) throw new Error(`request code ${code} has two handlers`);
    table.set(code, handler);
  }
  return table;
}

/** One table out of several; a code handled by two tables is a wiring mistake and throws. */
export function mergeHandlerTables(...tables: HandlerTable[]): HandlerTable {
  return handlerTable(tables.flatMap((table) => [...table]));
}

/** The table with every handler marked as waiting for answers from peers (RequestProcessor.waitsForPeers). */
export function waitingForPeers(table: HandlerTable): HandlerTable {
  return new Map(
    [...table].map(([code, handler]) => {
      const marked: RequestHandler = Object.assign(
        (request: RemotingCommand, context: RequestContext) => handler(request, context),
        { refusalExtFields: handler.refusalExtFields, waitsForPeers: true },
      );
      return [code, marked];
    }),
  );
}

/** What a table is registered on (RemotingServer and RemotingClient both are). */
export interface HandlerRegistry {
  /** Routes requests with this code to `processor`. */
  registerProcessor(code: number, processor: RequestProcessor, options?: ProcessorOptions): void;
}

/**
 * Registers every code of the table. Each code gets its own processor, so a concurrency limit applies
 * per code, as Java's executor per processor would when one processor serves one code.
 */
export function registerHandlerTable(
  registry: HandlerRegistry,
  table: HandlerTable,
  options?: ProcessorOptions,
  rejectRequest?: () => boolean,
): void {
  for (const [code, handler] of table) {
    const processor: RequestProcessor = {
      processRequest: (context, request) => handler(request, context),
      waitsForPeers: handler.waitsForPeers === true,
    };
    if (rejectRequest) processor.rejectRequest = rejectRequest;
    if (handler.refusalExtFields) processor.refusalExtFields = handler.refusalExtFields;
    registry.registerProcessor(code, processor, options);
  }
}
