/**
 * Which processor serves which request code on a broker (Java BrokerController.registerProcessor),
 * every one without a concurrency limit of its own.
 */
import { RequestCode } from '../../protocol/codes/request-code.js';
import type { RemotingServer, RequestProcessor } from '../../transport/index.js';
import { AdminProcessor } from './admin/topic-requests.js';
import { ADMIN_STATS_CODES, AdminStatsProcessor } from './admin/stats-requests.js';
import type { BrokerContext } from './core/broker-context.js';
import { ClientProcessor } from './clients/client-requests.js';
import { GROUP_ADMIN_CODES, GroupAdminProcessor } from './admin/group-requests.js';
import type { PullMessageProcessor } from './pull/pull-requests.js';
import type { ScheduleService } from './schedule/schedule-service.js';
import { SendBackProcessor } from './send/send-back-requests.js';
import { SendMessageProcessor } from './send/send-requests.js';

export function registerBrokerProcessors(
  server: RemotingServer,
  ctx: BrokerContext,
  schedule: ScheduleService,
  pull: PullMessageProcessor,
): void {
  const many = { maxConcurrency: 65536 };
  const serve = (processor: RequestProcessor, codes: Iterable<number>): void => {
    for (const code of codes) server.registerProcessor(code, processor, many);
  };
  serve(new SendMessageProcessor(ctx, schedule), [
    RequestCode.SEND_MESSAGE,
    RequestCode.SEND_MESSAGE_V2,
    RequestCode.SEND_BATCH_MESSAGE,
  ]);
  serve(new SendBackProcessor(ctx, schedule), [RequestCode.CONSUMER_SEND_MSG_BACK]);
  // 5.x DefaultLitePullConsumer pulls with LITE_PULL_MESSAGE (PullSysFlag LITE_PULL set); same processing.
  serve(pull, [RequestCode.PULL_MESSAGE, RequestCode.LITE_PULL_MESSAGE]);
  serve(new ClientProcessor(ctx), [
    RequestCode.HEART_BEAT,
    RequestCode.UNREGISTER_CLIENT,
    RequestCode.CHECK_CLIENT_CONFIG,
    RequestCode.GET_CONSUMER_LIST_BY_GROUP,
    RequestCode.QUERY_CONSUMER_OFFSET,
    RequestCode.UPDATE_CONSUMER_OFFSET,
  ]);
  serve(new AdminProcessor(ctx), [
    RequestCode.UPDATE_AND_CREATE_TOPIC,
    RequestCode.DELETE_TOPIC_IN_BROKER,
    RequestCode.GET_ALL_TOPIC_CONFIG,
    RequestCode.GET_MAX_OFFSET,
    RequestCode.GET_MIN_OFFSET,
    RequestCode.SEARCH_OFFSET_BY_TIMESTAMP,
    RequestCode.GET_EARLIEST_MSG_STORETIME,
    RequestCode.VIEW_MESSAGE_BY_ID,
    RequestCode.LOCK_BATCH_MQ,
    RequestCode.UNLOCK_BATCH_MQ,
  ]);
  serve(new AdminStatsProcessor(ctx), ADMIN_STATS_CODES);
  serve(new GroupAdminProcessor(ctx), GROUP_ADMIN_CODES);
}
