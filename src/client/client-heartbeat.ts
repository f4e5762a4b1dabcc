/**
 * What a client instance tells the brokers about itself (Java MQClientInstance's heartbeat half):
 * the heartbeat body, HEART_BEAT to every known broker address (masters only when there is no
 * consumer) with the answered protocol version recorded, and UNREGISTER_CLIENT when a member leaves.
 * Failures are logged, never thrown: a broker that is down must not fail the caller.
 */
import type { Logger } from '../common/logger.js';
import type { HeartbeatData } from '../protocol/body/index.js';
import { CLIENT_INNER_PRODUCER_GROUP } from '../protocol/message/validators.js';
import { MASTER_ID } from '../protocol/codes/misc.js';
import type { BrokerAddressTable } from './broker-addresses.js';
import type { ConsumerMember } from './client-members.js';
import type { MQClientAPI } from './mq-client-api.js';

/** The instance state the broker calls read. */
export interface BrokerTalk {
  readonly clientId: string;
  readonly api: MQClientAPI;
  readonly logger: Logger;
  readonly timeoutMillis: number;
  /** Where the calls go; the versions the heartbeats answer are recorded in it. */
  readonly addresses: BrokerAddressTable;
  /** Told of every heartbeat a broker did not take (after it is logged). */
  readonly heartbeatFailed?: (brokerName: string, address: string, error: unknown) => void;
}

/** Heartbeat body: every producer group plus CLIENT_INNER_PRODUCER, and every consumer. */
export function buildHeartbeatData(
  clientId: string,
  producerGroups: Iterable<string>,
  consumers: readonly ConsumerMember[],
): HeartbeatData {
  const producerDataSet = [...producerGroups].map((groupName) => ({ groupName }));
  if (producerDataSet.length > 0 || consumers.length > 0) {
    producerDataSet.push({ groupName: CLIENT_INNER_PRODUCER_GROUP });
  }
  return { clientID: clientId, producerDataSet, consumerDataSet: consumers.map((c) => c.consumerData()) };
}

/** HEART_BEAT with `data` to every known address (masters only with `mastersOnly`). */
export async function sendHeartbeats(
  talk: BrokerTalk,
  data: HeartbeatData,
  mastersOnly: boolean,
): Promise<void> {
  const calls: Promise<void>[] = [];
  for (const { brokerName, brokerId, addr } of talk.addresses.all()) {
    if (mastersOnly && brokerId !== MASTER_ID) continue;
    calls.push(
      talk.api.sendHeartbeat(addr, data, talk.timeoutMillis).then(
        (version) => talk.addresses.recordVersion(brokerName, addr, version),
        (err: unknown) => {
          talk.logger.info({ brokerName, addr, err: String(err) }, 'heartbeat failed');
          talk.heartbeatFailed?.(brokerName, addr, err);
        },
      ),
    );
  }
  await Promise.all(calls);
}

/** UNREGISTER_CLIENT for the group(s) to every known broker address. */
export async function unregisterFromBrokers(
  talk: BrokerTalk,
  groups: { producerGroup?: string; consumerGroup?: string },
): Promise<void> {
  const calls: Promise<void>[] = [];
  for (const { brokerName, addr } of talk.addresses.all()) {
    calls.push(
      talk.api.unregisterClient(addr, talk.clientId, groups, talk.timeoutMillis).catch((err: unknown) => {
        talk.logger.warn({ brokerName, addr, err: String(err) }, 'unregister client failed');
      }),
    );
  }
  await Promise.all(calls);
}
