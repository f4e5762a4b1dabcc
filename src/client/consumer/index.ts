export * from './pull-result.js';
export * from './subscription.js';
export * from './consumer-api.js';
export * from './consumer-options.js';
export * from './pull-processing.js';
export * from './poll.js';
export * from './pull-consumer.js';
