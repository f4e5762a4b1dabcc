/** CONFIG (Java's AllocateMessageQueueByConfig): a fixed list of queues, whatever the group looks like. */
import { IllegalArgumentError } from '../../../common/errors.js';
import { MessageQueue } from '../../message-queue.js';
import type { AllocateMessageQueueStrategy } from './allocate-strategy.js';

/** Consumes a fixed list of queues, whatever the group's members (Java AllocateMessageQueueByConfig, name CONFIG). */
export class AllocateMessageQueueByConfig implements AllocateMessageQueueStrategy {
  readonly name = 'CONFIG';
  /** The queues this member consumes. */
  readonly messageQueueList: readonly MessageQueue[];

  constructor(messageQueueList: readonly MessageQueue[]) {
    if (!Array.isArray(messageQueueList) || !messageQueueList.every((mq) => mq instanceof MessageQueue)) {
      throw new IllegalArgumentError(
        'messageQueueList must be an array of MessageQueue (the queues this member consumes)',
      );
    }
    this.messageQueueList = [...messageQueueList];
  }

  allocate(): MessageQueue[] {
    return [...this.messageQueueList];
  }
}
