/**
 * `rmq namesrv`: runs a name server in the foreground until SIGINT / SIGTERM.
 */
import { consoleLogger } from '../../common/logger.js';
import { NameServer } from '../../server/namesrv/index.js';
import { intFlag, parseFlags } from '../args.js';
import { serveUntilSignal } from '../serve.js';
import {
  LISTEN_HOST_FLAG,
  listenPortFlag,
  logLevelFlag,
  MAX_CONNECTIONS_FLAG,
  maxConnectionsOption,
  parseLogLevel,
} from '../flags.js';
import { processIo } from '../io.js';
import { SERVER_TLS_FLAGS, serverTlsFromFlags, tlsNote, withTls } from '../tls-flags.js';
import { ACL_SERVER_FLAGS, checkAclFile } from '../acl-flags.js';
import { CliError } from '../cli-error.js';
import type { CliIo } from '../io.js';

export const description = 'Run a name server (route registry for brokers and clients)';

const USAGE = 'rmq namesrv [--host 127.0.0.1] [--port 9876] [--max-connections N]';

const FLAGS = {
  host: LISTEN_HOST_FLAG,
  port: listenPortFlag('9876'),
  'broker-expiry': {
    type: 'string',
    value: 'MS',
    default: '120000',
    description: 'Drop a broker that has not registered for this long',
  },
  'order-message': {
    type: 'boolean',
    description: 'Put orderTopicConf (KV namespace ORDER_TOPIC_CONFIG) into routes',
  },
  'kv-config': { type: 'string', value: 'FILE', description: 'Persist the KV configuration to FILE' },
  ...ACL_SERVER_FLAGS,
  'acl-queries': {
    type: 'string',
    value: 'MODE',
    default: 'open',
    description: 'With --acl: route and cluster queries open, or signed (any valid account)',
  },
  'max-connections': MAX_CONNECTIONS_FLAG,
  'log-level': logLevelFlag('warn'),
  ...SERVER_TLS_FLAGS,
} as const;

export async function run(argv: string[], io: CliIo = processIo): Promise<number> {
  const flags = parseFlags(argv, USAGE, description, FLAGS, io.stdout);
  if (flags === undefined) return 0;
  const logger = consoleLogger(parseLogLevel(flags['log-level'], 'warn'), 'namesrv');

  const aclQueries = flags['acl-queries'] ?? 'open';
  if (aclQueries !== 'open' && aclQueries !== 'signed')
    throw new CliError(`--acl-queries must be open or signed, got "${aclQueries}"`);
  if (flags.acl !== undefined) checkAclFile(flags.acl);
  const server = new NameServer({
    host: flags.host ?? '127.0.0.1',
    port: intFlag('port', flags.port, 9876, 0, 65535),
    brokerExpiryMillis: intFlag('broker-expiry', flags['broker-expiry'], 120_000, 1000),
    orderMessageEnable: flags['order-message'] === true,
    ...(flags['kv-config'] !== undefined && { kvConfigPath: flags['kv-config'] }),
    ...withTls(serverTlsFromFlags(flags)),
    ...(flags.acl !== undefined && { aclFile: flags.acl, aclQueries }),
    ...maxConnectionsOption(flags['max-connections']),
    logger,
  });
  const address = `${flags.host ?? '127.0.0.1'}:${flags.port ?? '9876'}`;
  return serveUntilSignal({
    logger,
    stdout: io.stdout,
    what: `name server on ${address}`,
    start: () => server.start(),
    // One line on stdout when ready; broker comings and goings go to stderr with --log-level info.
    readyText: () => `name server listening on ${server.address}${tlsNote(flags)}\n`,
    stop: () => server.shutdown(),
  });
}
