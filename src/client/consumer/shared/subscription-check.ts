/**
 * Before a consumer relies on a SQL92 subscription, every broker serving the topic is asked whether it
 * can filter it (Java MQClientInstance.checkClientInBroker, run by the push consumer's start): a broker
 * without enablePropertyFilter, or one that cannot parse the expression, makes the subscription fail
 * at once with the broker's answer instead of every pull failing later. Tag subscriptions need no check.
 */
import { isTagExpressionType } from '../../../protocol/filter/index.js';
import type { SubscriptionData } from '../../../protocol/body/index.js';
import type { InstanceCore } from '../../instance-core.js';
import type { ConsumerAPI } from './consumer-api.js';

/** Java's timeout for the check (3 s). */
export const CHECK_CLIENT_CONFIG_TIMEOUT_MILLIS = 3000;

/**
 * Checks `subscription` with the master of each broker of the topic's (already fetched) route.
 * Throws the first broker's refusal (MQBrokerError: SYSTEM_ERROR or SUBSCRIPTION_PARSE_FAILED).
 */
export async function checkSubscriptionInBrokers(
  instance: InstanceCore,
  api: ConsumerAPI,
  group: string,
  subscription: SubscriptionData,
  timeoutMillis = CHECK_CLIENT_CONFIG_TIMEOUT_MILLIS,
): Promise<void> {
  if (isTagExpressionType(subscription.expressionType)) return;
  const route = instance.getAnExistTopicRouteData(subscription.topic);
  const addrs = new Set<string>();
  for (const broker of route?.brokerDatas ?? []) {
    const addr = instance.findBrokerAddressInPublish(broker.brokerName);
    if (addr !== undefined) addrs.add(addr);
  }
  for (const addr of addrs) {
    await api.checkClientConfig(
      addr,
      { clientId: instance.clientId, group, subscriptionData: subscription },
      timeoutMillis,
    );
  }
}
