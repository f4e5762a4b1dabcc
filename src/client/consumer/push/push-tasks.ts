/**
 * The periodic work of a started push consumer (Java's MQClientInstance / RebalanceService schedules):
 * rebalance every rebalanceInterval, offsets committed every persistConsumerOffsetInterval, orderly
 * queue locks renewed, and one early second look at the routes.
 */
import type { Logger } from '../../../common/logger.js';
import { BackgroundTasks } from '../../background-tasks.js';
import type { PushConsumerConfig } from './push-consumer-options.js';
import type { PushRuntime } from './push-runtime.js';
import { REBALANCE_LOCK_INTERVAL_MILLIS } from './queue-locks.js';

/**
 * The brokers create the retry topic at a consumer's first heartbeat and register it with the name
 * server a moment later: the routes are read once more this long after start, not only at the next
 * periodic refresh (30 s), so retried messages on every broker come back.
 */
const ROUTE_SETTLE_DELAY_MILLIS = 1000;

export function startPushTasks(runtime: PushRuntime, c: PushConsumerConfig, logger: Logger): BackgroundTasks {
  const tasks = new BackgroundTasks(logger);
  tasks.every('rebalance', c.rebalanceInterval, c.rebalanceInterval, () => runtime.rebalance.rebalance());
  tasks.every('offset commit', c.persistConsumerOffsetInterval, c.persistConsumerOffsetInterval, () =>
    runtime.persistAll(),
  );
  const locks = runtime.queueLocks;
  if (locks !== undefined) {
    tasks.every('queue locks', 1000, REBALANCE_LOCK_INTERVAL_MILLIS, () =>
      locks.lockAll(runtime.rebalance.processQueueTable.values()),
    );
  }
  tasks.once('route settle', ROUTE_SETTLE_DELAY_MILLIS, async () => {
    await runtime.refreshRoutes();
    await runtime.rebalance.rebalance();
  });
  return tasks;
}
