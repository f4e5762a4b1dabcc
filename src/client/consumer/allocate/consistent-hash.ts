/**
 * CONSISTENT_HASH (Java's AllocateMessageQueueConsistentHash over ConsistentHashRouter): each member
 * puts `virtualNodeCount` points on a ring at hash(`<clientId>-<replica>`); a queue goes to the first
 * point at or after hash(queue.toString()), wrapping to the lowest. Adding or removing a member moves
 * only the queues next to its points.
 *
 * Java details kept, because every member must compute the same ring: the default hash is the first 4
 * bytes of MD5(UTF-8 key) read big-endian as an unsigned number; the ring is a sorted map, so a later
 * point with an already used hash replaces the earlier one; a client id listed twice gets replicas
 * numbered after the ones it already has on the ring.
 */
import * as crypto from 'node:crypto';
import { IllegalArgumentError } from '../../../common/errors.js';
import type { MessageQueue } from '../../message-queue.js';
import { type AllocateMessageQueueStrategy, checkAllocationInputs } from './allocate-strategy.js';

/** Java's HashFunction: a key to a ring position (Java long; here a safe integer). */
export type HashFunction = (key: string) => number;

// crypto.hash (Node >= 20.12) is the one-shot digest, twice as fast as createHash for short keys.
const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: 'buffer') => Buffer }).hash;
const md5 = oneShot
  ? (key: string): Buffer => oneShot('md5', key, 'buffer')
  : (key: string): Buffer => crypto.createHash('md5').update(key, 'utf8').digest();

/** Java's default MD5Hash: the first 4 bytes of MD5(UTF-8 key), big-endian, unsigned. */
export const md5RingHash: HashFunction = (key) => md5(key).readUInt32BE(0);

export const CONSISTENT_HASH_DEFAULT_VIRTUAL_NODES = 10;

/** Options of AllocateMessageQueueConsistentHash. */
export interface ConsistentHashOptions {
  /** Points per member on the ring (Java's virtualNodeCnt, default 10; 0 allocates nothing). */
  virtualNodeCount?: number;
  /** Ring hash; every member of the group must use the same one. Default: Java's MD5 hash. */
  hashFunction?: HashFunction;
}

/** The ring of one allocation: positions sorted ascending, each owned by one client id. */
class HashRing {
  private readonly owners = new Map<number, string>();
  private readonly pointsPerOwner = new Map<string, number>();
  private sorted: number[] = [];

  constructor(private readonly hash: HashFunction) {}

  addMember(clientId: string, virtualNodeCount: number): void {
    const existing = this.pointsPerOwner.get(clientId) ?? 0;
    for (let i = 0; i < virtualNodeCount; i++) this.place(this.hash(`${clientId}-${i + existing}`), clientId);
    this.sorted = [...this.owners.keys()].sort((a, b) => a - b);
  }

  /** The owner of the first point at or after hash(key), wrapping to the lowest point. */
  route(key: string): string | undefined {
    if (this.sorted.length === 0) return undefined;
    const target = this.hash(key);
    let lo = 0;
    let hi = this.sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.sorted[mid] as number) < target) lo = mid + 1;
      else hi = mid;
    }
    const point = lo < this.sorted.length ? this.sorted[lo] : this.sorted[0];
    return this.owners.get(point as number);
  }

  private place(position: number, clientId: string): void {
    const previous = this.owners.get(position);
    if (previous !== undefined)
      this.pointsPerOwner.set(previous, (this.pointsPerOwner.get(previous) ?? 1) - 1);
    this.owners.set(position, clientId);
    this.pointsPerOwner.set(clientId, (this.pointsPerOwner.get(clientId) ?? 0) + 1);
  }
}

/** Places members on a hash ring with virtual nodes, so that a member joining or leaving moves few queues (Java AllocateMessageQueueConsistentHash, name CONSISTENT_HASH). */
export class AllocateMessageQueueConsistentHash implements AllocateMessageQueueStrategy {
  readonly name = 'CONSISTENT_HASH';
  readonly virtualNodeCount: number;
  private readonly hash: HashFunction;
  /** The ring of the last member list: a rebalance allocates every topic over the same members. */
  private lastRing: { members: string; ring: HashRing } | undefined;

  constructor(options: ConsistentHashOptions = {}) {
    const count = options.virtualNodeCount ?? CONSISTENT_HASH_DEFAULT_VIRTUAL_NODES;
    if (!Number.isSafeInteger(count) || count < 0) {
      throw new IllegalArgumentError(
        `illegal virtualNodeCnt :${String(count)} (virtualNodeCount must be an integer >= 0, default 10)`,
      );
    }
    if (options.hashFunction !== undefined && typeof options.hashFunction !== 'function') {
      throw new IllegalArgumentError('hashFunction must be a function (key: string) => number');
    }
    this.virtualNodeCount = count;
    this.hash = options.hashFunction ?? md5RingHash;
  }

  allocate(
    _consumerGroup: string,
    currentCid: string,
    mqAll: readonly MessageQueue[],
    cidAll: readonly string[],
  ): MessageQueue[] {
    if (!checkAllocationInputs(currentCid, mqAll, cidAll)) return [];
    const ring = this.ringOf(cidAll);
    return mqAll.filter((mq) => ring.route(mq.toString()) === currentCid);
  }

  private ringOf(cidAll: readonly string[]): HashRing {
    const members = JSON.stringify(cidAll);
    if (this.lastRing?.members === members) return this.lastRing.ring;
    const ring = new HashRing(this.hash);
    for (const cid of cidAll) ring.addMember(cid, this.virtualNodeCount);
    this.lastRing = { members, ring };
    return ring;
  }
}
