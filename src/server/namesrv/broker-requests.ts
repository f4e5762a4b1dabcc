/**
 * Requests brokers send to the name server: REGISTER_BROKER (103), UNREGISTER_BROKER (104),
 * QUERY_DATA_VERSION (322) and the 5.x BROKER_HEARTBEAT (904). Reference §6.3-§6.6.
 */
import { ProtocolError, RequestRefusedError } from '../../common/errors.js';
import { parseFastjson } from '../../protocol/json/fastjson-parse.js';
import { toFastjsonBytes } from '../../protocol/json/fastjson-write.js';
import { ObjectReader } from '../../protocol/json/object-reader.js';
import { encodeKVTable } from '../../protocol/body/kv-table.js';
import { bodyCrc32, decodeRegisterBrokerBody } from '../../protocol/body/register-broker.js';
import type { RegisterBrokerBody } from '../../protocol/body/register-broker.js';
import { dataVersionFromJson, dataVersionToJson } from '../../protocol/body/topic-config.js';
import type { DataVersion } from '../../protocol/body/topic-config.js';
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
import type { HandlerTable } from '../../transport/handler-table.js';
import type { RemotingChannel } from '../../transport/types.js';
import type { NamesrvRuntime } from './handler.js';
import { ok } from './handler.js';
import { ORDER_TOPIC_CONFIG } from './kv-config.js';
import { NameServerRequestError, checkAddress, checkName } from './limits.js';

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

function decodeBody(
  runtime: NamesrvRuntime,
  request: RemotingCommand,
  compressed: boolean,
): RegisterBrokerBody {
  const body = request.body as Buffer;
  try {
    return decodeRegisterBrokerBody(body, {
      compressed,
      maxTopics: runtime.limits.maxTopicsPerBroker,
      maxInflatedBytes: runtime.limits.maxRegisterBodyBytes,
    });
  } catch (err) {
    throw new NameServerRequestError(`Failed to decode RegisterBrokerBody: ${(err as Error).message}`);
  }
}

function registerBroker(
  runtime: NamesrvRuntime,
  request: RemotingCommand,
  channel: RemotingChannel,
): RemotingCommand {
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
  let topicConfigs: RegisterBrokerBody['topicConfigSerializeWrapper']['topicConfigTable'] | undefined;
  let filterServerList: string[] | undefined;
  if (request.body !== undefined && request.body.length > 0) {
    const body = decodeBody(runtime, request, h.compressed === true);
    dataVersion = body.topicConfigSerializeWrapper.dataVersion;
    topicConfigs = body.topicConfigSerializeWrapper.topicConfigTable;
    // Brokers older than V3_0_11 had no filter servers: leave that table alone for them.
    if (request.version >= MQVersion.V3_0_11) filterServerList = body.filterServerList;
    for (const t of topicConfigs.values()) {
      checkName('topic', t.topicName);
      if (t.readQueueNums < 0 || t.writeQueueNums < 0) {
        throw new NameServerRequestError(`topic ${t.topicName} has a negative queue count`);
      }
    }
    for (const addr of filterServerList ?? []) {
      if (addr.length > 512) throw new NameServerRequestError('a filter server address is too long');
    }
  } else if (request.version >= MQVersion.V3_0_11) {
    filterServerList = [];
  }

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
    topicConfigs: topicConfigs?.values() ?? [],
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
  return handlerTable([
    [RequestCode.REGISTER_BROKER, (request, context) => registerBroker(runtime, request, context.channel)],
    [RequestCode.UNREGISTER_BROKER, (request) => unregisterBroker(runtime, request)],
    [RequestCode.QUERY_DATA_VERSION, (request) => queryDataVersion(runtime, request)],
    [RequestCode.BROKER_HEARTBEAT, (request) => brokerHeartbeat(runtime, request)],
  ]);
}
