/**
 * The consumer side of the client. shared/: what every consumer kind uses (broker requests, pull
 * answers, subscriptions, queue routing); offsets/: the group's offsets kept on the brokers; pull/:
 * the PullConsumer (the application picks queues and offsets) and poll on top of it; push/: the
 * PushConsumer (handlers, rebalance, retries).
 */
export * from './shared/consumer-api.js';
export * from './shared/consumer-routing.js';
export * from './shared/pull-processing.js';
export * from './shared/pull-result.js';
export * from './shared/subscription.js';
export * from './shared/subscription-check.js';
export * from './offsets/consumer-offsets.js';
export * from './pull/poll.js';
export * from './pull/pull-consumer.js';
export * from './pull/pull-consumer-member.js';
export * from './pull/pull-consumer-options.js';
export * from './pull/pull-consumer-report.js';
export * from './push/push-consumer.js';
export * from './push/push-consumer-options.js';
export * from './push/consume-service.js';
export * from './push/allocate-strategy.js';
export * from './push/allocate-averagely.js';
export * from './push/process-queue.js';
