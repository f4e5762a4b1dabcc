/**
 * What a connection needs from the client or server that owns it (RemotingEndpoint builds one per
 * endpoint and hands it to each of its connections).
 */
import type { Logger } from '../common/logger.js';
import type { SerializeTypeCode } from '../protocol/codes/misc.js';
import type { HeaderLimits } from '../protocol/command/header-limits.js';
import type { Connection } from './connection.js';
import type { RequestDispatcher } from './dispatcher.js';
import type { LandingReservations } from './landing-buffers.js';
import type { PartialFrameLimits } from './partial-frames.js';
import type { Permits } from './permits.js';
import type { ReadTurns } from './read-turns.js';
import type { RequestBytesBudget } from './request-bytes-budget.js';
import type { Sweeper } from './sweeper.js';
import type { ChannelEventListener, RPCHook } from './types.js';
import type { WriteBacklogBudget } from './write-backlog-budget.js';

/** What a connection needs from the client or server that owns it. */
export interface ConnectionOwner extends PartialFrameLimits {
  readonly logger: Logger;
  readonly sweeper: Sweeper;
  readonly dispatcher: RequestDispatcher;
  readonly hooks: readonly RPCHook[];
  /** The hooks run on requests sent with `invoke` / `invokeOneway`: the client's, none for a server. */
  readonly channelRequestHooks: readonly RPCHook[];
  readonly listeners: readonly ChannelEventListener[];
  readonly asyncPermits: Permits;
  readonly onewayPermits: Permits;
  readonly serializeType: SerializeTypeCode;
  readonly maxFrameLength: number;
  readonly headerLimits: HeaderLimits;
  /** Close the connection when a prompt (sync) request times out. */
  readonly closeSocketIfTimeout: boolean;
  /** Server side: pause reading while this many bytes wait to be written (0 = never). */
  readonly maxQueuedWriteBytes: number;
  /** Server side: all connections' write backlogs together (undefined = no such budget). */
  readonly writeBacklogBudget: WriteBacklogBudget | undefined;
  /** Server side: body bytes of requests in progress (undefined = unbounded, client). */
  readonly requestBytesBudget: RequestBytesBudget | undefined;
  /** Server side: each connection's share of an event-loop turn (undefined = unlimited, client). */
  readonly readTurns: ReadTurns | undefined;
  /** Server side: large frames are read into landing buffers within these (frame-landing.ts); undefined: never. */
  readonly landingReservations: LandingReservations | undefined;
  connectionClosed(connection: Connection): void;
}
