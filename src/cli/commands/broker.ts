/**
 * `rmq broker`: runs one broker (master) in the foreground until SIGINT / SIGTERM, registered with the
 * given name servers.
 */
import { consoleLogger } from '../../common/logger.js';
import { DEFAULT_CLUSTER_NAME } from '../../protocol/codes/misc.js';
import { Broker } from '../../server/broker/index.js';
import { intFlag, parseFlags } from '../args.js';
import { CliError } from '../cli-error.js';
import { TIMER_BROKER_FLAGS, timerBrokerOptions } from '../timer-flags.js';
import { RETENTION_FLAGS, retentionOptionsFromFlags } from '../retention-flags.js';
import {
  LISTEN_HOST_FLAG,
  listenPortFlag,
  logLevelFlag,
  MAX_CONNECTIONS_FLAG,
  maxConnectionsOption,
  parseFlush,
  parseLogLevel,
} from '../flags.js';
import { checkStoreDir, storeDirFlag } from '../store-flag.js';
import { serveUntilSignal } from '../serve.js';
import { TRANSACTION_FLAGS, transactionOptionsFromFlags } from '../transaction-flags.js';
import { processIo } from '../io.js';
import { brokerNamesrvTls, SERVER_TLS_FLAGS, serverTlsFromFlags, tlsNote, withTls } from '../tls-flags.js';
import { ACL_CLIENT_FLAGS, ACL_SERVER_FLAGS, checkAclFile, credentialsFromFlags } from '../acl-flags.js';
import type { CliIo } from '../io.js';

export const description = 'Run a broker (message store) registered with name servers';

const USAGE =
  'rmq broker --namesrv 127.0.0.1:9876 [--host 127.0.0.1] [--port 10911] [--name broker-a] [--cluster DefaultCluster] [--store DIR] [--flush async|sync] [--timer-precision-ms MS] [--timer-max-delay-sec SEC] [--recall-enable] [--enable-property-filter] [--max-connections N] [--file-reserved-time HOURS] [--delete-when HOURS] [--disk-max-used-space-ratio PCT] [--no-clean-files]';

const FLAGS = {
  namesrv: {
    type: 'string',
    value: 'ADDRS',
    description: 'Name server address(es), ";"- or ","-separated (required)',
  },
  host: LISTEN_HOST_FLAG,
  port: listenPortFlag('10911'),
  name: { type: 'string', value: 'NAME', default: 'broker-a', description: 'Broker name' },
  cluster: { type: 'string', value: 'NAME', default: DEFAULT_CLUSTER_NAME, description: 'Cluster name' },
  store: { type: 'string', value: 'DIR', description: 'Store directory (default: $HOME/store, as Java)' },
  flush: {
    type: 'string',
    value: 'MODE',
    default: 'async',
    description: 'Disk flush: async (ack after write) or sync (ack after fsync)',
  },
  'advertise-ip': {
    type: 'string',
    value: 'IP',
    description: 'Address to register and put in message ids (default: --host)',
  },
  'no-auto-create': {
    type: 'boolean',
    description: 'Do not create unknown topics on first send (no TBW102)',
  },
  'enable-property-filter': {
    type: 'boolean',
    description: 'Serve SQL92 subscriptions, filtering by message properties (Java enablePropertyFilter)',
  },
  ...TRANSACTION_FLAGS,
  ...ACL_SERVER_FLAGS,
  ...ACL_CLIENT_FLAGS,
  ...TIMER_BROKER_FLAGS,
  ...RETENTION_FLAGS,
  'max-connections': MAX_CONNECTIONS_FLAG,
  'log-level': logLevelFlag('info'),
  ...SERVER_TLS_FLAGS,
  'namesrv-tls': {
    type: 'boolean',
    description:
      'Register with the name servers over TLS (verified with --tls-ca; --tls-cert as client certificate)',
  },
} as const;

export function parseNamesrv(raw: string | undefined): string[] {
  const list = (raw ?? '')
    .split(/[;,]/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  for (const a of list) {
    if (!/^.+:\d{1,5}$/.test(a)) throw new CliError(`--namesrv: "${a}" is not host:port`);
  }
  return list;
}

export async function run(argv: string[], io: CliIo = processIo): Promise<number> {
  const flags = parseFlags(argv, USAGE, description, FLAGS, io.stdout);
  if (flags === undefined) return 0;
  const namesrvAddrs = parseNamesrv(flags.namesrv);
  if (namesrvAddrs.length === 0) throw new CliError('--namesrv is required, e.g. --namesrv 127.0.0.1:9876');
  const logger = consoleLogger(parseLogLevel(flags['log-level'], 'info'), 'broker');
  // --access-key / --secret-key sign the registrations; with --acl they default to its first admin.
  const fileAdmin = flags.acl === undefined ? undefined : checkAclFile(flags.acl);
  const namesrvCredentials = credentialsFromFlags(flags, io.env) ?? fileAdmin;
  const storePath = flags.store === undefined ? undefined : checkStoreDir('store', flags.store);
  const broker = new Broker({
    namesrvAddrs,
    host: flags.host ?? '127.0.0.1',
    port: intFlag('port', flags.port, 10911, 0, 65535),
    brokerName: flags.name ?? 'broker-a',
    clusterName: flags.cluster ?? DEFAULT_CLUSTER_NAME,
    flushDiskType: parseFlush(flags.flush),
    autoCreateTopicEnable: flags['no-auto-create'] !== true,
    enablePropertyFilter: flags['enable-property-filter'] === true,
    ...transactionOptionsFromFlags(flags),
    ...(storePath !== undefined && { storePath }),
    ...timerBrokerOptions(flags),
    ...retentionOptionsFromFlags(flags),
    ...(flags['advertise-ip'] !== undefined && { brokerIP: flags['advertise-ip'] }),
    ...withTls(serverTlsFromFlags(flags)),
    ...(flags['namesrv-tls'] === true && { namesrvTls: brokerNamesrvTls(flags) }),
    ...(flags.acl !== undefined && { aclFile: flags.acl }),
    ...(namesrvCredentials !== undefined && { namesrvCredentials }),
    ...maxConnectionsOption(flags['max-connections']),
    logger,
  });
  // Every flag checked (and the options taken by the broker): only now is the store directory made.
  if (storePath !== undefined) storeDirFlag('store', storePath);
  return serveUntilSignal({
    logger,
    stdout: io.stdout,
    what: `broker on ${flags.host}:${flags.port}`,
    start: () => broker.start(),
    readyText: () =>
      `broker ${broker.brokerName} (cluster ${broker.options.clusterName}) listening on ${broker.address}, ` +
      `store ${broker.options.storePath}, ${broker.options.flushDiskType}, name servers ${namesrvAddrs.join(';')}${tlsNote(flags)}\n`,
    stop: () => broker.shutdown(),
  });
}
