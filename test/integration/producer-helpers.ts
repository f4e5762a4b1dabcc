/** Shared fixture of the producer integration tests (not a test file itself). */
import net from 'node:net';
import { MQClientAPI } from '../../src/client/mq-client-api.js';
import type { Logger } from '../../src/common/logger.js';
import { encodeRegisterBrokerBody } from '../../src/protocol/body/register-broker.js';
import { makeTopicConfig } from '../../src/protocol/body/topic-config.js';
import { RequestCode } from '../../src/protocol/codes/index.js';
import { createRequest } from '../../src/protocol/command/remoting-command.js';
import { RegisterBrokerRequestHeader } from '../../src/protocol/headers/index.js';
import { decodeMessageRecord, messageExtFromRecord } from '../../src/protocol/message/index.js';
import type { MessageExt } from '../../src/protocol/message/index.js';
import type { Broker } from '../../src/server/broker/broker.js';
import type { EmbeddedCluster } from '../../src/server/embedded-cluster.js';
import { RemotingClient } from '../../src/transport/remoting-client.js';
import { waitFor as waitForShared } from '../helpers/wait.js';

/** Polls `check` every 25 ms until it returns something other than undefined, or throws after `ms`. */
export function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  ms = 10_000,
): Promise<T> {
  return waitForShared(what, check, ms, 25);
}

/** Route of `topic` as the name server reports it (undefined when it has none). */
export async function routeBrokers(namesrv: string, topic: string): Promise<string[] | undefined> {
  const remoting = new RemotingClient();
  try {
    const api = new MQClientAPI(remoting, { nameServerAddresses: [namesrv] });
    const route = await api.getTopicRouteInfoFromNameServer(topic, 3000).catch(() => undefined);
    return route?.brokerDatas.map((b) => `${b.brokerName}@${b.brokerAddrs.get(0) ?? '-'}`).sort();
  } finally {
    await remoting.shutdown();
  }
}

/** Creates `topic` on the given brokers and waits until the name server routes it to all of them. */
export async function createTopic(
  cluster: EmbeddedCluster,
  topic: string,
  queues: number,
  brokers?: Broker[],
): Promise<void> {
  const targets = brokers ?? cluster.brokers;
  for (const b of targets)
    b.topics.update(makeTopicConfig(topic, { readQueueNums: queues, writeQueueNums: queues }));
  await waitFor(`route of ${topic}`, async () => {
    const got = await routeBrokers(cluster.namesrvAddress, topic);
    return got !== undefined && got.length >= targets.length ? got : undefined;
  });
}

/** Reads one stored message back from a broker's store (waits for the consume queue). */
export async function readStored(
  broker: Broker,
  topic: string,
  queueId: number,
  offset: bigint,
): Promise<MessageExt> {
  return waitFor(`message ${topic}/${queueId}/${offset}`, async () => {
    const r = await broker.store.getMessage('test', topic, queueId, offset, 1);
    const raw = r.messages[0];
    if (raw === undefined) return undefined;
    return messageExtFromRecord(decodeMessageRecord(raw), { decompress: false });
  });
}

/**
 * A "broker" that accepts connections and never answers (or, with `refuse`, one whose port refuses
 * connections), registered with the name server (REGISTER_BROKER
 * over a connection kept open, so the name server keeps it routed) for the given topics.
 */
export async function startBlackHoleBroker(
  namesrv: string,
  brokerName: string,
  topics: [string, number][],
  options: { refuse?: boolean; port?: number } = {},
): Promise<{ address: string; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('data', () => undefined);
    s.on('error', () => undefined);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  const address = `127.0.0.1:${port}`;
  // A refusing broker: routed by the name server, but nothing listens at its address.
  if (options.refuse) await new Promise<void>((resolve) => server.close(() => resolve()));
  const registrar = new RemotingClient();
  const body = encodeRegisterBrokerBody({
    filterServerList: [],
    topicConfigSerializeWrapper: {
      dataVersion: { timestamp: Date.now(), counter: 1 },
      topicConfigTable: new Map(
        topics.map(([t, n]) => [t, makeTopicConfig(t, { readQueueNums: n, writeQueueNums: n })] as const),
      ),
    },
  });
  const request = createRequest(RequestCode.REGISTER_BROKER, {
    extFields: RegisterBrokerRequestHeader.encode({
      brokerName,
      brokerAddr: address,
      clusterName: 'DefaultCluster',
      haServerAddr: `127.0.0.1:${port + 1}`,
      brokerId: 0,
      compressed: false,
      bodyCrc32: 0,
    }),
    body,
  });
  const response = await registrar.invokeSync(namesrv, request, 3000);
  if (response.code !== 0)
    throw new Error(`REGISTER_BROKER failed: ${response.code} ${response.remark ?? ''}`);
  return {
    address,
    async close() {
      await registrar.shutdown();
      for (const s of sockets) s.destroy();
      if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A logger that keeps warn messages (to observe retries). */
export function recordingLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  const noop = (): void => undefined;
  return {
    warnings,
    debug: noop,
    info: noop,
    error: noop,
    warn: (obj: unknown, msg?: string) => warnings.push(`${msg ?? ''} ${JSON.stringify(obj)}`),
  };
}
