/**
 * `rmq topic create`: UPDATE_AND_CREATE_TOPIC on the master of every broker of a cluster (brokers
 * from GET_BROKER_CLUSTER_INFO) or on one broker address; the brokers then register the topic with
 * the name servers. `rmq topic list`: GET_ALL_TOPIC_LIST_FROM_NAMESERVER.
 */
import { decodeTopicList } from '../../protocol/body/index.js';
import { RequestCode } from '../../protocol/codes/index.js';
import { createRequest } from '../../protocol/command/remoting-command.js';
import { CreateTopicRequestHeader } from '../../protocol/headers/index.js';
import { checkTopic, SystemTopic } from '../../protocol/message/index.js';
import { intFlag, parseFlags } from '../args.js';
import { CliError } from '../cli-error.js';
import { NAMESRV_FLAG, TIMEOUT_MS_FLAG } from '../flags.js';
import { CLIENT_TLS_FLAGS, clientTlsFromFlags } from '../tls-flags.js';
import { ACL_CLIENT_FLAGS, credentialsFromFlags } from '../acl-flags.js';
import { expectSuccess, fetchClusterInfo, nameServersFrom, withAdmin } from './cluster.js';
import type { AdminSession } from './cluster.js';
import { processIo } from '../io.js';
import {
  brokerNameOf,
  clusterOrderConf,
  mergeOrderConf,
  readOrderConf,
  writeOrderConf,
} from './order-conf.js';
import type { CliIo } from '../io.js';

export const description = 'Create topics on brokers (topic create) or list the known topics (topic list)';

const USAGE =
  'rmq topic create --namesrv ADDR --topic TOPIC [--cluster NAME | --broker ADDR] [--queues 8] [--perm 6]\n       rmq topic list --namesrv ADDR';

const CREATE_FLAGS = {
  namesrv: NAMESRV_FLAG,
  topic: { type: 'string', value: 'TOPIC', description: 'Topic to create or update (required)' },
  cluster: {
    type: 'string',
    value: 'NAME',
    description: 'Create on every broker of this cluster (default: the only cluster)',
  },
  broker: { type: 'string', value: 'ADDR', description: 'Create on this broker address only' },
  queues: { type: 'string', value: 'N', default: '8', description: 'Read and write queue count' },
  'read-queues': { type: 'string', value: 'N', description: 'Read queue count (default: --queues)' },
  'write-queues': { type: 'string', value: 'N', description: 'Write queue count (default: --queues)' },
  perm: {
    type: 'string',
    value: 'PERM',
    default: '6',
    description: 'Permission bits: 2 write, 4 read, 6 both',
  },
  order: {
    type: 'boolean',
    description: 'Ordered topic: order flag on the brokers and ORDER_TOPIC_CONFIG on the name servers',
  },
  'request-timeout': TIMEOUT_MS_FLAG,
  ...CLIENT_TLS_FLAGS,
  ...ACL_CLIENT_FLAGS,
} as const;

const LIST_FLAGS = {
  namesrv: NAMESRV_FLAG,
  'request-timeout': TIMEOUT_MS_FLAG,
  ...CLIENT_TLS_FLAGS,
  ...ACL_CLIENT_FLAGS,
} as const;

export interface CreateTopicSpec {
  topic: string;
  readQueueNums: number;
  writeQueueNums: number;
  perm: number;
  order?: boolean;
}

/** UPDATE_AND_CREATE_TOPIC on one broker. */
export async function createTopicOnBroker(
  session: AdminSession,
  addr: string,
  spec: CreateTopicSpec,
): Promise<void> {
  const request = createRequest(RequestCode.UPDATE_AND_CREATE_TOPIC, {
    extFields: CreateTopicRequestHeader.encode({
      topic: spec.topic,
      defaultTopic: SystemTopic.AUTO_CREATE_TOPIC_KEY_TOPIC,
      readQueueNums: spec.readQueueNums,
      writeQueueNums: spec.writeQueueNums,
      perm: spec.perm,
      topicFilterType: 'SINGLE_TAG',
      topicSysFlag: 0,
      order: spec.order ?? false,
    }),
  });
  const response = await session.remoting.invokeSync(addr, request, session.timeoutMillis);
  expectSuccess(response.code, response.remark, addr);
}

/** Master addresses to create on: the given broker, the given cluster, or the only cluster there is. */
export async function targetBrokers(
  session: AdminSession,
  cluster: string | undefined,
  broker: string | undefined,
): Promise<{ name: string; addr: string }[]> {
  if (broker !== undefined) return [{ name: broker, addr: broker }];
  const info = await fetchClusterInfo(session);
  const clusters = [...info.clusterAddrTable.keys()].sort();
  let name = cluster;
  if (name === undefined) {
    if (clusters.length !== 1) {
      throw new CliError(
        clusters.length === 0
          ? 'no broker is registered with the name server'
          : `several clusters (${clusters.join(', ')}): choose one with --cluster`,
        1,
      );
    }
    name = clusters[0] as string;
  }
  const names = info.clusterAddrTable.get(name);
  if (names === undefined) {
    throw new CliError(`no cluster named "${name}" (known: ${clusters.join(', ') || 'none'})`, 1);
  }
  const targets: { name: string; addr: string }[] = [];
  for (const brokerName of [...names].sort()) {
    const addr = info.brokerAddrTable.get(brokerName)?.brokerAddrs.get(0);
    if (addr !== undefined) targets.push({ name: brokerName, addr });
  }
  if (targets.length === 0) throw new CliError(`cluster "${name}" has no master broker`, 1);
  return targets;
}

async function create(argv: string[], io: CliIo): Promise<number> {
  const flags = parseFlags(argv, USAGE, 'Create or update a topic on brokers', CREATE_FLAGS, io.stdout);
  if (flags === undefined) return 0;
  const topic = flags.topic;
  if (topic === undefined || topic.trim() === '') throw new CliError('--topic is required (see --help)');
  try {
    checkTopic(topic);
  } catch (err) {
    throw new CliError(`--topic: ${(err as Error).message}`);
  }
  if (flags.cluster !== undefined && flags.broker !== undefined) {
    throw new CliError('give either --cluster or --broker, not both');
  }
  const queues = intFlag('queues', flags.queues, 8, 1, 1024);
  const spec: CreateTopicSpec = {
    topic,
    readQueueNums: intFlag('read-queues', flags['read-queues'], queues, 1, 1024),
    writeQueueNums: intFlag('write-queues', flags['write-queues'], queues, 1, 1024),
    perm: intFlag('perm', flags.perm, 6, 0, 7),
    order: flags.order === true,
  };
  const nameServers = nameServersFrom(flags.namesrv, io.env);
  const tls = clientTlsFromFlags(flags);
  const credentials = credentialsFromFlags(flags, io.env);
  await withAdmin(
    nameServers,
    flags['request-timeout'],
    async (session) => {
      const targets = await targetBrokers(session, flags.cluster, flags.broker);
      for (const target of targets) {
        await createTopicOnBroker(session, target.addr, spec);
        io.stdout.write(
          `created topic ${topic} on ${target.name === target.addr ? target.addr : `${target.name} (${target.addr})`}: ` +
            `${spec.readQueueNums} read / ${spec.writeQueueNums} write queues, perm ${spec.perm}\n`,
        );
      }
      if (spec.order !== true) return;
      const conf =
        flags.broker !== undefined
          ? mergeOrderConf(
              await readOrderConf(session, topic),
              await brokerNameOf(session, flags.broker),
              spec.writeQueueNums,
            )
          : clusterOrderConf(
              targets.map((t) => t.name),
              spec.writeQueueNums,
            );
      await writeOrderConf(session, nameServers, topic, conf);
      io.stdout.write(`set order conf of ${topic} on ${nameServers.join(';')}: ${conf}\n`);
    },
    tls,
    credentials,
  );
  return 0;
}

async function list(argv: string[], io: CliIo): Promise<number> {
  const flags = parseFlags(
    argv,
    'rmq topic list --namesrv ADDR',
    'List the topics the name server knows',
    LIST_FLAGS,
    io.stdout,
  );
  if (flags === undefined) return 0;
  const topics = await withAdmin(
    nameServersFrom(flags.namesrv, io.env),
    flags['request-timeout'],
    async (s) => {
      const response = await s.api.invokeNameServer(
        () => createRequest(RequestCode.GET_ALL_TOPIC_LIST_FROM_NAMESERVER),
        s.timeoutMillis,
      );
      expectSuccess(response.code, response.remark, s.api.currentNameServer() ?? '');
      return decodeTopicList(response.body ?? Buffer.from('{}')).topicList;
    },
    clientTlsFromFlags(flags),
    credentialsFromFlags(flags, io.env),
  );
  for (const t of [...topics].sort()) io.stdout.write(`${t}\n`);
  return 0;
}

export async function run(argv: string[], io: CliIo = processIo): Promise<number> {
  const [sub, ...rest] = argv;
  switch (sub) {
    case 'create':
      return create(rest, io);
    case 'list':
      return list(rest, io);
    case undefined:
    case '--help':
    case '-h':
      io.stdout.write(
        `Usage: ${USAGE}\n\n${description}\nRun \`rmq topic create --help\` for the options.\n`,
      );
      return sub === undefined ? 2 : 0;
    default:
      throw new CliError(`unknown subcommand "topic ${sub}": use "topic create" or "topic list"`);
  }
}
