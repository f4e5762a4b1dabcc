/**
 * A client instance's broker addresses (Java brokerAddrTable + brokerVersionTable): brokerName ->
 * brokerId -> address, filled from routes, and the protocol version each address answered in its
 * last heartbeat. Answers the address a send goes to (the master), the one a read goes to (Java
 * findBrokerAddressInSubscribe), and drops addresses no cached route mentions (cleanOfflineBroker).
 */
import type { Logger } from '../common/logger.js';
import type { TopicRouteData } from '../protocol/body/index.js';
import { MASTER_ID } from '../protocol/codes/misc.js';
import { routeHasAddress } from './route/route-utils.js';

export interface SubscribeAddress {
  brokerAddr: string;
  slave: boolean;
  brokerVersion: number;
}

/** One known address. */
export interface BrokerAddress {
  brokerName: string;
  brokerId: number;
  addr: string;
}

export class BrokerAddressTable {
  readonly #addresses = new Map<string, Map<number, string>>();
  readonly #versions = new Map<string, Map<string, number>>();

  /** Replaces the addresses of a broker name (from a route's broker data). */
  set(brokerName: string, addrs: ReadonlyMap<number, string>): void {
    this.#addresses.set(brokerName, new Map(addrs));
  }

  brokerNames(): IterableIterator<string> {
    return this.#addresses.keys();
  }

  /** Every known address, broker by broker. */
  *all(): Generator<BrokerAddress> {
    for (const [brokerName, addrs] of this.#addresses) {
      for (const [brokerId, addr] of addrs) yield { brokerName, brokerId, addr };
    }
  }

  /** Master address of a broker name, for sends. */
  master(brokerName: string): string | undefined {
    return this.#addresses.get(brokerName)?.get(MASTER_ID);
  }

  /**
   * Address for reads (pull): the given broker id if known, else (unless onlyThisBroker) any address
   * of the broker name, the master first.
   */
  forSubscribe(brokerName: string, brokerId: number, onlyThisBroker: boolean): SubscribeAddress | undefined {
    const map = this.#addresses.get(brokerName);
    if (map === undefined || map.size === 0) return undefined;
    let id = brokerId;
    let addr = map.get(brokerId);
    if (addr === undefined && !onlyThisBroker) {
      id = map.has(MASTER_ID) ? MASTER_ID : (map.keys().next().value as number);
      addr = map.get(id);
    }
    if (addr === undefined) return undefined;
    return {
      brokerAddr: addr,
      slave: id !== MASTER_ID,
      brokerVersion: this.#versions.get(brokerName)?.get(addr) ?? 0,
    };
  }

  /** Records the protocol version an address answered a heartbeat with. */
  recordVersion(brokerName: string, addr: string, version: number): void {
    let versions = this.#versions.get(brokerName);
    if (versions === undefined) this.#versions.set(brokerName, (versions = new Map()));
    versions.set(addr, version);
  }

  /** Drops the addresses none of `routes` mentions, and broker names left without any. */
  removeUnrouted(routes: readonly TopicRouteData[], logger: Logger): void {
    for (const [brokerName, addrs] of this.#addresses) {
      for (const [id, addr] of [...addrs]) {
        if (!routes.some((r) => routeHasAddress(r, addr))) {
          addrs.delete(id);
          logger.info({ brokerName, addr }, 'broker address no longer routed, removed');
        }
      }
      if (addrs.size === 0) this.#addresses.delete(brokerName);
    }
  }
}
