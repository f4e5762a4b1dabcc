/**
 * MACHINE_ROOM_NEARBY-<inner> (Java's AllocateMachineRoomNearby): queues of a room are shared by the
 * members in that room (with the inner strategy); queues of a room without any member are shared by all
 * members. The resolver says where a broker queue and a client id live; every member must use the same.
 */
import { IllegalArgumentError } from '../../../common/errors.js';
import type { MessageQueue } from '../../message-queue.js';
import { type AllocateMessageQueueStrategy, checkAllocationInputs } from './allocate-strategy.js';

/** Tells which machine room a broker and a client are in, for AllocateMachineRoomNearby. */
export interface MachineRoomResolver {
  /** The room of the broker holding `queue`; must not be empty. */
  brokerDeployIn(queue: MessageQueue): string;
  /** The room of the client `clientId`; must not be empty. */
  consumerDeployIn(clientId: string): string;
}

function groupBy<T>(
  items: readonly T[],
  roomOf: (item: T) => string,
  what: (item: T) => string,
): Map<string, T[]> {
  const rooms = new Map<string, T[]>();
  for (const item of items) {
    const room = roomOf(item);
    if (typeof room !== 'string' || room.length === 0) {
      throw new IllegalArgumentError(`Machine room is null for ${what(item)}`);
    }
    const list = rooms.get(room);
    if (list) list.push(item);
    else rooms.set(room, [item]);
  }
  return rooms;
}

/** Allocates each room's queues to the members in that room with an inner strategy, and the queues of rooms without members to all (Java AllocateMachineRoomNearby). */
export class AllocateMachineRoomNearby implements AllocateMessageQueueStrategy {
  readonly name: string;

  constructor(
    private readonly inner: AllocateMessageQueueStrategy,
    private readonly resolver: MachineRoomResolver,
  ) {
    if (!inner || typeof inner.allocate !== 'function') {
      throw new IllegalArgumentError(
        'allocateMessageQueueStrategy is null (pass the strategy used inside each room)',
      );
    }
    if (
      !resolver ||
      typeof resolver.brokerDeployIn !== 'function' ||
      typeof resolver.consumerDeployIn !== 'function'
    ) {
      throw new IllegalArgumentError(
        'machineRoomResolver is null (pass { brokerDeployIn, consumerDeployIn })',
      );
    }
    this.name = `MACHINE_ROOM_NEARBY-${inner.name}`;
  }

  allocate(
    consumerGroup: string,
    currentCid: string,
    mqAll: readonly MessageQueue[],
    cidAll: readonly string[],
  ): MessageQueue[] {
    if (!checkAllocationInputs(currentCid, mqAll, cidAll)) return [];
    const queuesByRoom = groupBy(
      mqAll,
      (mq) => this.resolver.brokerDeployIn(mq),
      (mq) => `mq ${mq.toString()}`,
    );
    const membersByRoom = groupBy(
      cidAll,
      (cid) => this.resolver.consumerDeployIn(cid),
      (cid) => `consumer id ${cid}`,
    );
    const result: MessageQueue[] = [];
    const myRoom = this.resolver.consumerDeployIn(currentCid);
    const myRoomQueues = queuesByRoom.get(myRoom);
    queuesByRoom.delete(myRoom);
    if (myRoomQueues && myRoomQueues.length > 0) {
      result.push(
        ...this.inner.allocate(consumerGroup, currentCid, myRoomQueues, membersByRoom.get(myRoom) ?? []),
      );
    }
    // Java walks a TreeMap: rooms in String.compareTo order.
    const orphanRooms = [...queuesByRoom.keys()].filter((room) => !membersByRoom.has(room)).sort();
    for (const room of orphanRooms) {
      result.push(...this.inner.allocate(consumerGroup, currentCid, queuesByRoom.get(room) ?? [], cidAll));
    }
    return result;
  }
}
