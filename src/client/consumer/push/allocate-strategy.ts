/**
 * How a clustering consumer group shares a topic's queues (Java AllocateMessageQueueStrategy), defined
 * with the strategies in ../allocate/.
 */
export type { AllocateMessageQueueStrategy } from '../allocate/allocate-strategy.js';
