/**
 * `rmq topic create --order`: besides the topic's `order` flag on each broker, the name servers'
 * ORDER_TOPIC_CONFIG entry for the topic ("brokerName:writeQueueNums;..."), as Java's
 * `mqadmin updateTopic -o true` writes it: for a cluster, every broker with the topic's write queue
 * count, in Java HashSet order; for one broker, its entry merged into the existing value (Java
 * HashMap order). PUT_KV_CONFIG goes to every name server given. Name servers started with
 * orderMessageEnable put the entry into the topic's route (`orderTopicConf`); clients then take
 * exactly those queues, in that order, and brokers mark the topic ordered when they register.
 */
import { RequestCode } from '../../protocol/codes/index.js';
import { ResponseCode } from '../../protocol/codes/response-code.js';
import { createRequest } from '../../protocol/command/remoting-command.js';
import { GetKVConfigRequestHeader, PutKVConfigRequestHeader } from '../../protocol/headers/index.js';
import { freshHashSetOrder, javaHashMapOrder } from '../../protocol/java/hash-map.js';
import { CliError } from '../cli-error.js';
import { expectSuccess, fetchClusterInfo } from './cluster.js';
import type { AdminSession } from './cluster.js';

/** NamesrvUtil.NAMESPACE_ORDER_TOPIC_CONFIG. */
export const ORDER_TOPIC_CONFIG_NAMESPACE = 'ORDER_TOPIC_CONFIG';

/** The value for a cluster: every broker name with `writeQueueNums`, in Java HashSet order. */
export function clusterOrderConf(brokerNames: readonly string[], writeQueueNums: number): string {
  return freshHashSetOrder([...new Set(brokerNames)])
    .map((name) => `${name}:${writeQueueNums}`)
    .join(';');
}

/** `old` with the entry of `brokerName` replaced or added (Java's merge through a HashMap). */
export function mergeOrderConf(old: string | undefined, brokerName: string, writeQueueNums: number): string {
  const entries = new Map<string, string>();
  for (const item of (old ?? '').split(';')) {
    if (item.trim() !== '') entries.set(item.split(':')[0] as string, item);
  }
  entries.set(brokerName, `${brokerName}:${writeQueueNums}`);
  return javaHashMapOrder([...entries.keys()])
    .map((name) => entries.get(name) as string)
    .join(';');
}

/** The broker name registered for a master or slave address. */
export async function brokerNameOf(session: AdminSession, addr: string): Promise<string> {
  const info = await fetchClusterInfo(session);
  for (const [name, data] of info.brokerAddrTable) {
    if ([...data.brokerAddrs.values()].includes(addr)) return name;
  }
  throw new CliError(`no broker registered with the name server has the address ${addr}`, 1);
}

/** The current ORDER_TOPIC_CONFIG value of `topic` (undefined when there is none). */
export async function readOrderConf(session: AdminSession, topic: string): Promise<string | undefined> {
  const response = await session.api.invokeNameServer(
    () =>
      createRequest(RequestCode.GET_KV_CONFIG, {
        extFields: GetKVConfigRequestHeader.encode({ namespace: ORDER_TOPIC_CONFIG_NAMESPACE, key: topic }),
      }),
    session.timeoutMillis,
  );
  if (response.code === ResponseCode.QUERY_NOT_FOUND) return undefined;
  expectSuccess(response.code, response.remark, session.api.currentNameServer() ?? '');
  return response.extFields?.value;
}

/** PUT_KV_CONFIG of the topic's order config on every name server. */
export async function writeOrderConf(
  session: AdminSession,
  nameServers: readonly string[],
  topic: string,
  value: string,
): Promise<void> {
  for (const addr of nameServers) {
    const request = createRequest(RequestCode.PUT_KV_CONFIG, {
      extFields: PutKVConfigRequestHeader.encode({
        namespace: ORDER_TOPIC_CONFIG_NAMESPACE,
        key: topic,
        value,
      }),
    });
    const response = await session.remoting.invokeSync(addr, request, session.timeoutMillis);
    expectSuccess(response.code, response.remark, addr);
  }
}
