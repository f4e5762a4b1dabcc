/**
 * Every request a broker serves, in one table (Java BrokerController.registerProcessor): each part
 * contributes its handler table, and a code served twice is refused when the table is built. Codes
 * missing here are answered REQUEST_CODE_NOT_SUPPORTED by the dispatcher.
 */
import type { HandlerRegistry, HandlerTable } from '../../transport/handler-table.js';
import { mergeHandlerTables, registerHandlerTable } from '../../transport/handler-table.js';
import { groupAdminHandlers } from './admin/group-requests.js';
import { queryMessageHandlers } from './admin/query-message.js';
import { resetOffsetHandlers } from './admin/reset-offset.js';
import { adminStatsHandlers } from './admin/stats-requests.js';
import { topicAdminHandlers } from './admin/topic-requests.js';
import { clientHandlers } from './clients/client-requests.js';
import type { BrokerContext } from './core/broker-context.js';
import type { PullHoldService } from './pull/pull-hold-service.js';
import { pullHandlers } from './pull/pull-requests.js';
import type { ScheduleService } from './schedule/schedule-service.js';
import { sendBackHandlers } from './send/send-back-requests.js';
import { replyHandlers } from './send/reply-requests.js';
import { sendHandlers } from './send/send-requests.js';
import { endTransactionHandlers } from './transaction/end-transaction.js';
import type { TransactionService } from './transaction/transaction-service.js';
import { recallHandlers } from './timer/recall-requests.js';
import type { TimerService } from './timer/timer-service.js';

/** The services some handlers use besides the shared context. */
export interface BrokerServices {
  readonly schedule: ScheduleService;
  readonly pullHold: PullHoldService;
  readonly transactions: TransactionService;
  readonly timer: TimerService;
}

export function brokerHandlers(ctx: BrokerContext, services: BrokerServices): HandlerTable {
  return mergeHandlerTables(
    sendHandlers(ctx, services.schedule, services.timer, (input, props) =>
      services.transactions.prepare(input, props),
    ),
    recallHandlers(ctx, services.timer),
    sendBackHandlers(ctx, services.schedule),
    replyHandlers(ctx, services),
    pullHandlers(ctx, services.pullHold),
    clientHandlers(ctx),
    topicAdminHandlers(ctx),
    queryMessageHandlers(ctx),
    adminStatsHandlers(ctx),
    groupAdminHandlers(ctx),
    resetOffsetHandlers(ctx),
    endTransactionHandlers(services.transactions),
  );
}

/** Java's broker executors are large thread pools: no handler has a concurrency limit of its own. */
const BROKER_HANDLER_CONCURRENCY = 65536;

export function registerBrokerHandlers(server: HandlerRegistry, table: HandlerTable): void {
  registerHandlerTable(server, table, { maxConcurrency: BROKER_HANDLER_CONCURRENCY });
}
