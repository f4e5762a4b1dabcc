/**
 * Lookups over a client instance's broker address table (brokerName -> brokerId -> address): the
 * address a read goes to (Java findBrokerAddressInSubscribe) and the clean-up of addresses no cached
 * route mentions any more (Java cleanOfflineBroker).
 */
import type { Logger } from '../common/logger.js';
import type { TopicRouteData } from '../protocol/body/index.js';
import { MASTER_ID } from '../protocol/codes/misc.js';
import { routeHasAddress } from './route-utils.js';

export interface SubscribeAddress {
  brokerAddr: string;
  slave: boolean;
  brokerVersion: number;
}

/**
 * Address for reads (pull): the given broker id if known, else (unless onlyThisBroker) any address
 * of the broker name, the master first.
 */
export function findSubscribeAddress(
  addrTable: ReadonlyMap<string, ReadonlyMap<number, string>>,
  versionTable: ReadonlyMap<string, ReadonlyMap<string, number>>,
  brokerName: string,
  brokerId: number,
  onlyThisBroker: boolean,
): SubscribeAddress | undefined {
  const map = addrTable.get(brokerName);
  if (map === undefined || map.size === 0) return undefined;
  let id = brokerId;
  let addr = map.get(brokerId);
  if (addr === undefined && !onlyThisBroker) {
    id = map.has(MASTER_ID) ? MASTER_ID : ([...map.keys()][0] as number);
    addr = map.get(id);
  }
  if (addr === undefined) return undefined;
  return {
    brokerAddr: addr,
    slave: id !== MASTER_ID,
    brokerVersion: versionTable.get(brokerName)?.get(addr) ?? 0,
  };
}

/** Drops the addresses none of `routes` mentions, and broker names left without any. */
export function removeUnroutedAddresses(
  addrTable: Map<string, Map<number, string>>,
  routes: readonly TopicRouteData[],
  logger: Logger,
): void {
  for (const [brokerName, addrs] of addrTable) {
    for (const [id, addr] of [...addrs]) {
      if (!routes.some((r) => routeHasAddress(r, addr))) {
        addrs.delete(id);
        logger.info({ brokerName, addr }, 'broker address no longer routed, removed');
      }
    }
    if (addrs.size === 0) addrTable.delete(brokerName);
  }
}
