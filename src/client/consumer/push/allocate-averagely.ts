/** Java AllocateMessageQueueAveragely ("AVG"), the default strategy: one implementation, in ../allocate/. */
export { AllocateMessageQueueAveragely } from '../allocate/averagely.js';
export { checkAllocationInputs as checkAllocateArguments } from '../allocate/allocate-strategy.js';
