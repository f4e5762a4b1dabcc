/** `rmq route`: a topic's route from the name server (GET_ROUTEINFO_BY_TOPIC), as JSON. */
import type { TopicRouteData } from '../../protocol/body/index.js';
import { parseFlags } from '../args.js';
import { topicFlag } from '../message-flags.js';
import { NAMESRV_FLAG, TIMEOUT_MS_FLAG } from '../flags.js';
import { CLIENT_TLS_FLAGS, clientTlsFromFlags } from '../tls-flags.js';
import { ACL_CLIENT_FLAGS, credentialsFromFlags } from '../acl-flags.js';
import { nameServersFrom, withAdmin } from './cluster.js';
import { processIo } from '../io.js';
import type { CliIo } from '../io.js';

export const description = "Print a topic's route (queues per broker, broker addresses) as JSON";

const USAGE = 'rmq route --namesrv ADDR --topic TOPIC [--json]';

const FLAGS = {
  namesrv: NAMESRV_FLAG,
  topic: { type: 'string', value: 'TOPIC', description: 'Topic to look up (required)' },
  json: { type: 'boolean', description: 'Print JSON (the default: the route is JSON)' },
  'request-timeout': TIMEOUT_MS_FLAG,
  ...CLIENT_TLS_FLAGS,
  ...ACL_CLIENT_FLAGS,
} as const;

/** JSON-ready form of a route (Maps become objects keyed by broker id). */
export function routeToPlain(route: TopicRouteData): Record<string, unknown> {
  return {
    ...(route.orderTopicConf !== undefined && { orderTopicConf: route.orderTopicConf }),
    queueDatas: route.queueDatas.map((q) => ({ ...q })),
    brokerDatas: route.brokerDatas.map((b) => ({
      cluster: b.cluster,
      brokerName: b.brokerName,
      brokerAddrs: Object.fromEntries(
        [...b.brokerAddrs].sort(([x], [y]) => x - y).map(([id, a]) => [String(id), a]),
      ),
    })),
    filterServerTable: Object.fromEntries(route.filterServerTable),
  };
}

export async function run(argv: string[], io: CliIo = processIo): Promise<number> {
  const flags = parseFlags(argv, USAGE, description, FLAGS, io.stdout);
  if (flags === undefined) return 0;
  const topic = topicFlag(flags.topic);
  const route = await withAdmin(
    nameServersFrom(flags.namesrv, io.env),
    flags['request-timeout'],
    (s) => s.api.getTopicRouteInfoFromNameServer(topic, s.timeoutMillis),
    clientTlsFromFlags(flags),
    credentialsFromFlags(flags, io.env),
  );
  io.stdout.write(`${JSON.stringify(routeToPlain(route), null, 2)}\n`);
  return 0;
}
