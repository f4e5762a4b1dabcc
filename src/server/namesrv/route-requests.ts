/**
 * Route and topic requests from clients, brokers and admin tools: GET_ROUTEINFO_BY_TOPIC (105),
 * GET_BROKER_CLUSTER_INFO (106), topic lists (206, 224, 304, 311-313), DELETE_TOPIC_IN_NAMESRV (216),
 * REGISTER_TOPIC_IN_NAMESRV (217, 5.x), WIPE/ADD_WRITE_PERM_OF_BROKER (205 / 327). Reference §6.2, §6.7, §6.8.
 */
import { encodeClusterInfo } from '../../protocol/body/cluster-info.js';
import { decodeTopicRouteData, encodeTopicRouteData } from '../../protocol/body/route.js';
import { encodeTopicList } from '../../protocol/body/topic-list.js';
import { MQVersion } from '../../protocol/codes/misc.js';
import { RequestCode } from '../../protocol/codes/request-code.js';
import { ResponseCode } from '../../protocol/codes/response-code.js';
import {
  AddWritePermOfBrokerRequestHeader,
  AddWritePermOfBrokerResponseHeader,
  DeleteTopicFromNamesrvRequestHeader,
  GetRouteInfoRequestHeader,
  GetTopicsByClusterRequestHeader,
  RegisterTopicRequestHeader,
  WipeWritePermOfBrokerRequestHeader,
  WipeWritePermOfBrokerResponseHeader,
} from '../../protocol/headers/namesrv.js';
import { RequestRefusedError } from '../../common/errors.js';
import type { RemotingCommand } from '../../protocol/command/remoting-command.js';
import { handlerTable } from '../../transport/handler-table.js';
import type { HandlerTable } from '../../transport/handler-table.js';
import type { NamesrvRuntime } from './handler.js';
import { ok } from './handler.js';
import { ORDER_TOPIC_CONFIG } from './kv-config.js';
import * as admin from './route-admin.js';
import { FAQ_SUGGEST } from '../faq.js';
import { NameServerRequestError, checkName } from './limits.js';
import {
  allTopics,
  clusterInfo,
  pickupTopicRouteData,
  systemTopics,
  topicsByCluster,
  unitTopics,
} from './route-queries.js';

function getRouteInfoByTopic(runtime: NamesrvRuntime, request: RemotingCommand): RemotingCommand {
  const h = GetRouteInfoRequestHeader.decode(request.extFields);
  const route = pickupTopicRouteData(runtime.registry, h.topic);
  if (route === undefined) {
    throw new RequestRefusedError(
      ResponseCode.TOPIC_NOT_EXIST,
      `No topic route info in name server for the topic: ${h.topic}${FAQ_SUGGEST}`,
    );
  }
  if (runtime.orderMessageEnable) {
    const conf = runtime.kv.get(ORDER_TOPIC_CONFIG, h.topic);
    if (conf !== undefined) route.orderTopicConf = conf;
  }
  // Clients from 4.9.4 on (or asking explicitly) get standard JSON; older ones fastjson's `{0:"..."}`.
  const standardJson = request.version >= MQVersion.V4_9_4 || h.acceptStandardJsonOnly === true;
  return ok({ body: encodeTopicRouteData(route, { standardJson }) });
}

function getBrokerClusterInfo(runtime: NamesrvRuntime): RemotingCommand {
  return ok({ body: encodeClusterInfo(clusterInfo(runtime.registry)) });
}

function getAllTopicList(runtime: NamesrvRuntime): RemotingCommand {
  return ok({ body: encodeTopicList({ topicList: allTopics(runtime.registry) }) });
}

function getTopicsByCluster(runtime: NamesrvRuntime, request: RemotingCommand): RemotingCommand {
  const h = GetTopicsByClusterRequestHeader.decode(request.extFields);
  return ok({ body: encodeTopicList({ topicList: topicsByCluster(runtime.registry, h.cluster) }) });
}

function getSystemTopicList(runtime: NamesrvRuntime): RemotingCommand {
  const sys = systemTopics(runtime.registry);
  return ok({
    body: encodeTopicList({
      topicList: sys.topics,
      ...(sys.brokerAddr !== undefined && { brokerAddr: sys.brokerAddr }),
    }),
  });
}

function unitList(runtime: NamesrvRuntime, kind: Parameters<typeof unitTopics>[1]): RemotingCommand {
  return ok({ body: encodeTopicList({ topicList: unitTopics(runtime.registry, kind) }) });
}

function deleteTopic(runtime: NamesrvRuntime, request: RemotingCommand): RemotingCommand {
  const h = DeleteTopicFromNamesrvRequestHeader.decode(request.extFields);
  admin.deleteTopic(runtime.registry, h.topic, h.clusterName);
  runtime.logger.info({ topic: h.topic, cluster: h.clusterName }, 'topic deleted from the route table');
  return ok();
}

function registerTopic(runtime: NamesrvRuntime, request: RemotingCommand): RemotingCommand {
  const h = RegisterTopicRequestHeader.decode(request.extFields);
  checkName('topic', h.topic);
  if (request.body === undefined || request.body.length === 0) return ok();
  let queueDatas;
  try {
    queueDatas = decodeTopicRouteData(request.body, { maxItems: runtime.limits.maxBrokerNames }).queueDatas;
  } catch (err) {
    throw new NameServerRequestError(`bad TopicRouteData body: ${(err as Error).message}`);
  }
  if (!admin.registerTopic(runtime.registry, h.topic, queueDatas)) {
    runtime.logger.warn({ topic: h.topic }, 'REGISTER_TOPIC_IN_NAMESRV names an unknown broker; ignored');
  }
  return ok();
}

function wipeWritePerm(runtime: NamesrvRuntime, request: RemotingCommand): RemotingCommand {
  const h = WipeWritePermOfBrokerRequestHeader.decode(request.extFields);
  const wipeTopicCount = admin.changeWritePerm(runtime.registry, h.brokerName, true);
  runtime.logger.info({ broker: h.brokerName, topics: wipeTopicCount }, 'write permission wiped');
  return ok({ extFields: WipeWritePermOfBrokerResponseHeader.encode({ wipeTopicCount }) });
}

function addWritePerm(runtime: NamesrvRuntime, request: RemotingCommand): RemotingCommand {
  const h = AddWritePermOfBrokerRequestHeader.decode(request.extFields);
  const addTopicCount = admin.changeWritePerm(runtime.registry, h.brokerName, false);
  runtime.logger.info({ broker: h.brokerName, topics: addTopicCount }, 'write permission added');
  return ok({ extFields: AddWritePermOfBrokerResponseHeader.encode({ addTopicCount }) });
}

export function routeHandlers(runtime: NamesrvRuntime): HandlerTable {
  return handlerTable([
    [RequestCode.GET_ROUTEINFO_BY_TOPIC, (request) => getRouteInfoByTopic(runtime, request)],
    [RequestCode.GET_BROKER_CLUSTER_INFO, () => getBrokerClusterInfo(runtime)],
    [RequestCode.GET_ALL_TOPIC_LIST_FROM_NAMESERVER, () => getAllTopicList(runtime)],
    [RequestCode.GET_TOPICS_BY_CLUSTER, (request) => getTopicsByCluster(runtime, request)],
    [RequestCode.GET_SYSTEM_TOPIC_LIST_FROM_NS, () => getSystemTopicList(runtime)],
    [RequestCode.GET_UNIT_TOPIC_LIST, () => unitList(runtime, 'unit')],
    [RequestCode.GET_HAS_UNIT_SUB_TOPIC_LIST, () => unitList(runtime, 'unitSub')],
    [RequestCode.GET_HAS_UNIT_SUB_UNUNIT_TOPIC_LIST, () => unitList(runtime, 'unitSubNotUnit')],
    [RequestCode.DELETE_TOPIC_IN_NAMESRV, (request) => deleteTopic(runtime, request)],
    [RequestCode.REGISTER_TOPIC_IN_NAMESRV, (request) => registerTopic(runtime, request)],
    [RequestCode.WIPE_WRITE_PERM_OF_BROKER, (request) => wipeWritePerm(runtime, request)],
    [RequestCode.ADD_WRITE_PERM_OF_BROKER, (request) => addWritePerm(runtime, request)],
  ]);
}
