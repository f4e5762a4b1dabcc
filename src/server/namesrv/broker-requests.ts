/**
 * Requests brokers send to the name server: REGISTER_BROKER (103), UNREGISTER_BROKER (104),
 * QUERY_DATA_VERSION (322) and the 5.x BROKER_HEARTBEAT (904). Reference §6.3-§6.6.
 */
import { ProtocolError, RequestRefusedError } from '../../common/errors.js';
import { parseFastjson } from '../../protocol/json/fastjson-parse.js';
import { toFastjsonBytes } from '../../protocol/json/fastjson-write.js';
import { ObjectReader } from '../../protocol/json/object-reader.js';
import { encodeKVTable } from '../../protocol/body/kv-table.js';
import { bodyCrc32 } from '../../protocol/body/register-broker.js';
import { dataVersionFromJson, dataVersionToJson } from '../../protocol/body/topic-config.js';
import type { DataVersion, TopicConfig } from '../../protocol/body/topic-config.js';
import { MQVersion } from '../../protocol/codes/misc.js';
import { RequestCode } from '../../protocol/codes/request-code.js';
import { ResponseCode } from '../../protocol/codes/response-code.js';
import {
  QueryDataVersionRequestHeader,
  QueryDataVersionResponseHeader,
  BrokerHeartbeatRequestHeader,
  RegisterBrokerRequestHeader,
  RegisterBrokerResponseHeader,
  UnRegisterBrokerRequestHeader,
} from '../../protocol/headers/namesrv.js';
import type { RemotingCommand } from '../../protocol/command/remoting-command.js';
import { handlerTable } from '../../transport/handler-table.js';
import { pooledHandlers } from '../../transport/handler-pool.js';
import type { HandlerTable } from '../../transport/handler-table.js';
import type { RemotingChannel } from '../../transport/types.js';
import type { NamesrvRuntime } from './handler.js';
import { ok } from './handler.js';
import { ORDER_TOPIC_CONFIG } from './kv-config.js';
import { NameServerRequestError, checkAddress, checkName } from './limits.js';
import { decodeRegisterBody } from './register-body.js';
import type { NameServerLimits } from './limits.js';

function checkBrokerIdentity(h: {
  brokerName: string;
  brokerAddr: string;
  clusterName: string;
  brokerId: number;
}): void {
  checkName('brokerName', h.brokerName);
  checkName('clusterName', h.clusterName);
  checkAddress('brokerAddr', h.brokerAddr);
  if (!Number.isSafeInteger(h.brokerId) || h.brokerId < 0) {
    throw new NameServerRequestError(`brokerId ${h.brokerId} is not a non-negative integer`);
  }
}

/** Why the name server cannot route a topic entry, or undefined when it can. */
function topicEntryProblem(t: TopicConfig, limits: NameServerLimits): string | undefined {
  try {
    checkName('topic', t.topicName);
  } catch (err) {
    return (err as Error).message;
  }
  for (const n of [t.readQueueNums, t.writeQueueNums]) {
    if (!Number.isInteger(n) || n < 0 || n > limits.maxQueueNums) {
      return `topic ${JSON.stringify(t.topicName)} has ${n} queues (0 to ${limits.maxQueueNums} are routed)`;
    }
  }
  return undefined;
}

/**
 * The topic entries the name server can route. One bad entry (a name saved by an older broker, a
 * hostile table) costs that entry, not the broker's registration: the others are registered and the
 * skipped ones are logged once per registration.
 */
function usableTopics(
  runtime: NamesrvRuntime,
  h: { brokerName: string; brokerAddr: string },
  entries: Iterable<TopicConfig>,
): TopicConfig[] {
  const usable: TopicConfig[] = [];
  const skipped: string[] = [];
  for (const t of entries) {
    const problem = topicEntryProblem(t, runtime.limits);
    if (problem === undefined) usable.push(t);
    else skipped.push(problem.slice(0, 200));
  }
  if (skipped.length > 0) {
    runtime.logger.warn(
      { broker: h.brokerName, addr: h.brokerAddr, skipped: skipped.length, first: skipped.slice(0, 3) },
      'registration carried topic entries that cannot be routed; they were skipped',
    );
  }
  return usable;
}

/** Filter server addresses, the overlong ones skipped (logged once per registration). */
function usableFilterServers(
  runtime: NamesrvRuntime,
  h: { brokerName: string; brokerAddr: string },
  addrs: string[],
): string[] {
  const usable = addrs.filter((addr) => addr.length <= 512);
  if (usable.length < addrs.length) {
    runtime.logger.warn(
      { broker: h.brokerName, addr: h.brokerAddr, skipped: addrs.length - usable.length },
      'registration carried filter server addresses longer than 512 characters; they were skipped',
    );
  }
  return usable;
}

async function registerBroker(
  runtime: NamesrvRuntime,
  request: RemotingCommand,
  channel: RemotingChannel,
): Promise<RemotingCommand> {
  const h = RegisterBrokerRequestHeader.decode(request.extFields);
  checkBrokerIdentity(h);
  if (h.haServerAddr.length > 512) throw new NameServerRequestError('haServerAddr is too long');
  if (h.zoneName !== undefined && h.zoneName.length > 255)
    throw new NameServerRequestError('zone name is too long');
  if (h.heartbeatTimeoutMillis !== undefined && h.heartbeatTimeoutMillis <= 0) {
    throw new NameServerRequestError(`heartbeatTimeoutMillis ${h.heartbeatTimeoutMillis} is not positive`);
  }

  const crc = h.bodyCrc32 ?? 0;
  if (crc !== 0 && bodyCrc32(request.body ?? Buffer.alloc(0)) !== crc) {
    throw new RequestRefusedError(ResponseCode.SYSTEM_ERROR, 'crc32 not match');
  }

  let dataVersion: DataVersion = { timestamp: 0, counter: 0 };
  let topicConfigs: TopicConfig[] | undefined;
  let filterServerList: string[] | undefined;
  if (request.body !== undefined && request.body.length > 0) {
    const body = await decodeRegisterBody(request.body, h.compressed === true, runtime.limits);
    dataVersion = body.topicConfigSerializeWrapper.dataVersion;
    topicConfigs = usableTopics(runtime, h, body.topicConfigSerializeWrapper.topicConfigTable.values());
    // Brokers older than V3_0_11 had no filter servers: leave that table alone for them.
    if (request.version >= MQVersion.V3_0_11) {
      filterServerList = usableFilterServers(runtime, h, body.filterServerList);
    }
  } else if (request.version >= MQVersion.V3_0_11) {
    filterServerList = [];
  }

  // The body was decoded over several turns: a connection that closed meanwhile was already cleaned
  // up (onChannelDestroy), and registering over it would leave a broker nobody removes until expiry.
  if (channel.closed === true) throw new NameServerRequestError('connection closed while registering');

  const result = runtime.registry.registerBroker({
    clusterName: h.clusterName,
    brokerAddr: h.brokerAddr,
    brokerName: h.brokerName,
    brokerId: h.brokerId,
    haServerAddr: h.haServerAddr,
    ...(h.zoneName !== undefined && { zoneName: h.zoneName }),
    ...(h.enableActingMaster !== undefined && { enableActingMaster: h.enableActingMaster }),
    ...(h.heartbeatTimeoutMillis !== undefined && { heartbeatTimeoutMillis: h.heartbeatTimeoutMillis }),
    dataVersion,
    topicConfigs: topicConfigs ?? [],
    ...(filterServerList !== undefined && { filterServerList }),
    channel,
  });

  const orderConf = runtime.kv.list(ORDER_TOPIC_CONFIG);
  return ok({
    extFields: RegisterBrokerResponseHeader.encode(result),
    ...(orderConf !== undefined && { body: encodeKVTable({ table: orderConf }) }),
  });
}

function unregisterBroker(runtime: NamesrvRuntime, request: RemotingCommand): RemotingCommand {
  const h = UnRegisterBrokerRequestHeader.decode(request.extFields);
  runtime.registry.unregisterBroker(h.clusterName, h.brokerAddr, h.brokerName, h.brokerId);
  runtime.logger.info({ broker: h.brokerName, addr: h.brokerAddr, id: h.brokerId }, 'broker unregistered');
  return ok();
}

function decodeDataVersion(body: Buffer | undefined): DataVersion {
  if (body === undefined || body.length === 0)
    throw new NameServerRequestError('QUERY_DATA_VERSION without a DataVersion body');
  try {
    return dataVersionFromJson(ObjectReader.of(parseFastjson(body, { maxLength: 4096 }), 'DataVersion'));
  } catch (err) {
    if (err instanceof ProtocolError)
      throw new NameServerRequestError(`bad DataVersion body: ${err.message}`);
    throw err;
  }
}

function queryDataVersion(runtime: NamesrvRuntime, request: RemotingCommand): RemotingCommand {
  const h = QueryDataVersionRequestHeader.decode(request.extFields);
  const dataVersion = decodeDataVersion(request.body);
  const registry = runtime.registry;
  const changed = registry.isBrokerTopicConfigChanged(h.brokerAddr, dataVersion);
  // 4.9: only an unchanged broker is refreshed here; a changed one is about to register anyway.
  if (!changed) registry.touchBroker(h.brokerAddr);
  const stored = registry.queryBrokerDataVersion(h.brokerAddr);
  return ok({
    extFields: QueryDataVersionResponseHeader.encode({ changed }),
    ...(stored !== undefined && {
      body: toFastjsonBytes(dataVersionToJson(stored, stored.stateVersion !== undefined), 'plain'),
    }),
  });
}

function brokerHeartbeat(runtime: NamesrvRuntime, request: RemotingCommand): RemotingCommand {
  const h = BrokerHeartbeatRequestHeader.decode(request.extFields);
  runtime.registry.touchBroker(h.brokerAddr);
  return ok();
}

export function brokerHandlers(runtime: NamesrvRuntime): HandlerTable {
  // Registrations go through a small pool with a bounded FIFO (as Java's fixed executor): each one
  // decoding holds its inflated body, and the transport lets up to 65,536 requests run at once.
  // Beyond the queue: SYSTEM_BUSY "[OVERLOAD]system busy, ...", nothing of the request applied.
  const registration = pooledHandlers(
    handlerTable([
      [RequestCode.REGISTER_BROKER, (request, context) => registerBroker(runtime, request, context.channel)],
    ]),
    {
      threads: runtime.limits.maxConcurrentRegistrations,
      queueCapacity: runtime.limits.maxWaitingRegistrations,
    },
  );
  return handlerTable([
    ...registration,
    [RequestCode.UNREGISTER_BROKER, (request) => unregisterBroker(runtime, request)],
    [RequestCode.QUERY_DATA_VERSION, (request) => queryDataVersion(runtime, request)],
    [RequestCode.BROKER_HEARTBEAT, (request) => brokerHeartbeat(runtime, request)],
  ]);
}
