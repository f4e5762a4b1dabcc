/**
 * MACHINE_ROOM (Java's AllocateMessageQueueByMachineRoom): only queues of brokers named
 * `<room>@<name>` whose room is in `consumeIdcs` are allocated, in equal consecutive blocks, the
 * remainder dealt one each to the first members. Queues of other brokers go to nobody.
 */
import { IllegalArgumentError } from '../../../common/errors.js';
import type { MessageQueue } from '../../message-queue.js';
import { type AllocateMessageQueueStrategy, checkAllocationInputs } from './allocate-strategy.js';

/** Java's String.split("@"): trailing empty parts dropped ("room@name@" has two parts). */
export function splitJavaStyle(text: string, separator: string): string[] {
  const parts = text.split(separator);
  if (text.length === 0) return parts;
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  return parts;
}

/** Consumes only the queues of brokers in the given machine rooms (broker names `room@name`), shared averagely (Java AllocateMessageQueueByMachineRoom, name MACHINE_ROOM). */
export class AllocateMessageQueueByMachineRoom implements AllocateMessageQueueStrategy {
  readonly name = 'MACHINE_ROOM';
  /** Java's consumeridcs: the rooms whose brokers this group consumes. */
  readonly consumeIdcs: ReadonlySet<string>;

  constructor(consumeIdcs: Iterable<string>) {
    if (consumeIdcs === null || typeof consumeIdcs !== 'object' || !(Symbol.iterator in consumeIdcs)) {
      throw new IllegalArgumentError('consumeIdcs must be a list or set of machine room names');
    }
    const rooms = new Set<string>();
    for (const room of consumeIdcs) {
      if (typeof room !== 'string') throw new IllegalArgumentError('consumeIdcs must hold strings');
      rooms.add(room);
    }
    this.consumeIdcs = rooms;
  }

  allocate(
    _consumerGroup: string,
    currentCid: string,
    mqAll: readonly MessageQueue[],
    cidAll: readonly string[],
  ): MessageQueue[] {
    if (!checkAllocationInputs(currentCid, mqAll, cidAll)) return [];
    const index = cidAll.indexOf(currentCid);
    const inRooms = mqAll.filter((mq) => {
      const parts = splitJavaStyle(mq.brokerName, '@');
      return parts.length === 2 && this.consumeIdcs.has(parts[0] as string);
    });
    const members = cidAll.length;
    const blockSize = Math.floor(inRooms.length / members);
    const result = inRooms.slice(blockSize * index, blockSize * index + blockSize);
    if (inRooms.length % members > index) result.push(inRooms[index + blockSize * members] as MessageQueue);
    return result;
  }
}
