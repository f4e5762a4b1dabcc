/**
 * `rmq dev`: a name server and one broker in one process, for development. Topics are created on
 * first send. Stops cleanly on SIGINT / SIGTERM; the store stays for the next run.
 */
import os from 'node:os';
import path from 'node:path';
import { consoleLogger } from '../../common/logger.js';
import { startEmbeddedCluster } from '../../server/embedded-cluster.js';
import { intFlag, parseFlags } from '../args.js';
import { logLevelFlag, parseFlush, parseLogLevel } from '../flags.js';
import { serveUntilSignal } from '../serve.js';
import { CliError } from '../cli-error.js';
import { checkStoreDir, storeDirFlag } from '../store-flag.js';
import { rmqCommand } from '../rmq-command.js';
import { TRANSACTION_FLAGS, transactionOptionsFromFlags } from '../transaction-flags.js';
import { DEV_TLS_FLAGS, devTlsFromFlags } from '../dev-tls.js';
import { SERVER_TLS_FLAGS } from '../tls-flags.js';
import { processIo } from '../io.js';
import { ACL_SERVER_FLAGS, checkAclFile } from '../acl-flags.js';
import { TIMER_BROKER_FLAGS, timerBrokerOptions } from '../timer-flags.js';
import { RETENTION_FLAGS, retentionOptionsFromFlags } from '../retention-flags.js';
import type { CliIo } from '../io.js';
import { describeFaults, faultsFromFlags, INJECT_FLAGS } from '../fault-flags.js';

export const description = 'Run a name server and a broker in one process (development)';

const USAGE =
  'rmq dev [--namesrv-port 9876] [--broker-port 10911] [--store DIR] [--tls-self-signed | --tls-mode MODE --tls-cert FILE --tls-key FILE] [--timer-precision-ms MS] [--timer-max-delay-sec SEC] [--recall-enable] [--file-reserved-time HOURS] [--delete-when HOURS] [--disk-max-used-space-ratio PCT] [--no-clean-files] [--inject SPEC[;SPEC...]] [--inject-seed N]';

export const DEFAULT_DEV_STORE = path.join(os.tmpdir(), 'rocketmq-ts-dev', 'store');

const FLAGS = {
  'namesrv-port': {
    type: 'string',
    value: 'PORT',
    default: '9876',
    description: 'Name server port (0 = any free port)',
  },
  'broker-port': {
    type: 'string',
    value: 'PORT',
    default: '10911',
    description: 'Broker port (0 = any free port)',
  },
  host: { type: 'string', value: 'HOST', default: '127.0.0.1', description: 'Interface to listen on' },
  store: {
    type: 'string',
    value: 'DIR',
    default: DEFAULT_DEV_STORE,
    description: 'Store directory (kept between runs)',
  },
  flush: { type: 'string', value: 'MODE', default: 'async', description: 'Disk flush: async or sync' },
  ...TRANSACTION_FLAGS,
  ...ACL_SERVER_FLAGS,
  ...TIMER_BROKER_FLAGS,
  ...RETENTION_FLAGS,
  'log-level': logLevelFlag('warn'),
  ...SERVER_TLS_FLAGS,
  ...DEV_TLS_FLAGS,
  ...INJECT_FLAGS,
} as const;

export async function run(argv: string[], io: CliIo = processIo): Promise<number> {
  const flags = parseFlags(argv, USAGE, description, FLAGS, io.stdout);
  if (flags === undefined) return 0;
  const logger = consoleLogger(parseLogLevel(flags['log-level'], 'warn'), 'dev');
  const namesrvPort = intFlag('namesrv-port', flags['namesrv-port'], 9876, 0, 65535);
  const brokerPort = intFlag('broker-port', flags['broker-port'], 10911, 0, 65535);
  if (namesrvPort === brokerPort && namesrvPort !== 0) {
    throw new CliError(
      `--namesrv-port and --broker-port are both ${namesrvPort}: the name server and the broker need different ports`,
    );
  }
  const storeRoot = checkStoreDir('store', flags.store ?? DEFAULT_DEV_STORE);
  const host = flags.host ?? '127.0.0.1';
  const transactions = transactionOptionsFromFlags(flags);
  const aclAdmin = flags.acl === undefined ? undefined : checkAclFile(flags.acl);
  const timerOptions = timerBrokerOptions(flags, true);
  const retention = retentionOptionsFromFlags(flags);
  const faults = faultsFromFlags(flags);
  const flushDiskType = parseFlush(flags.flush);
  const devTls = devTlsFromFlags(flags, host);
  // Every flag checked: only now are files written, the store first (a store that cannot be made
  // leaves no certificates behind), then the self-signed certificates.
  storeDirFlag('store', storeRoot);
  const tls = devTls();
  return serveUntilSignal({
    logger,
    stdout: io.stdout,
    what: 'dev',
    portNames: new Map([
      [namesrvPort, 'the name server port, --namesrv-port'],
      [brokerPort, 'the broker port, --broker-port'],
    ]),
    start: () =>
      startEmbeddedCluster({
        host,
        namesrvPort,
        brokers: [
          {
            port: brokerPort,
            storePath: storeRoot,
            // A development broker serves SQL92 subscriptions (Java's enablePropertyFilter is off).
            enablePropertyFilter: true,
            traceTopicEnable: true, // clients' enableMsgTrace and `rmq trace` work from the start
            ...transactions,
            ...timerOptions,
            ...retention,
          },
        ],
        storeRoot,
        keepStore: true,
        autoCreateTopicEnable: true,
        flushDiskType,
        ...tls?.cluster,
        ...(flags.acl !== undefined && { aclFile: flags.acl }),
        ...(aclAdmin !== undefined && { aclCredentials: aclAdmin }),
        ...(faults !== undefined && { faults }),
        logger,
      }),
    readyText: (cluster) => {
      const broker = cluster.brokers[0]!;
      const ns = cluster.namesrvAddress;
      const rmq = rmqCommand(io.env);
      return [
        `name server  ${ns}`,
        `broker       ${broker.brokerName} at ${broker.address} (cluster ${broker.options.clusterName}, ${broker.options.flushDiskType})`,
        `store        ${storeRoot}`,
        ...(tls?.describe ?? []),
        ...describeFaults(faults),
        ...(flags.acl !== undefined
          ? [`acl          ${flags.acl} (sign with --access-key / --secret-key)`]
          : []),
        '',
        'Point clients at the name server, e.g.:',
        `  ${rmq} send --namesrv ${ns} --topic TopicTest --body hello${tls ? ` ${tls.clientFlags}` : ''}`,
        `  ${rmq} consume --namesrv ${ns} --topic TopicTest --from-beginning${tls ? ` ${tls.clientFlags}` : ''}`,
        `  NAMESRV_ADDR=${ns} (Java / other clients)`,
        'Topics are created on first send. Ctrl-C to stop.',
        '',
      ].join('\n');
    },
    stop: (cluster) => cluster.stop(),
  });
}
