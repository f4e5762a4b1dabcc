/**
 * `rmq cluster`: the brokers of each cluster, from the name server (GET_BROKER_CLUSTER_INFO).
 * Also home of the small admin helpers `route` and `topic` share: a one-shot name server client.
 */
import { MQBrokerError } from '../../common/errors.js';
import { silentLogger } from '../../common/logger.js';
import { MQClientAPI } from '../../client/mq-client-api.js';
import { parseNameServerList } from '../../client/client-config.js';
import { decodeClusterInfo } from '../../protocol/body/index.js';
import type { ClusterInfo } from '../../protocol/body/index.js';
import { RequestCode, ResponseCode } from '../../protocol/codes/index.js';
import { createRequest } from '../../protocol/command/remoting-command.js';
import { RemotingClient } from '../../transport/remoting-client.js';
import { intFlag, parseFlags } from '../args.js';
import { CliError } from '../cli-error.js';
import { NAMESRV_FLAG, TIMEOUT_MS_FLAG } from '../flags.js';
import { CLIENT_TLS_FLAGS, clientTlsFromFlags } from '../tls-flags.js';
import type { ClientTlsConfig } from '../../transport/tls/client-tls.js';
import { ACL_CLIENT_FLAGS, credentialsFromFlags } from '../acl-flags.js';
import { AclClientRPCHook } from '../../client/acl-rpc-hook.js';
import type { AclCredentials } from '../../client/acl-rpc-hook.js';
import { processIo } from '../io.js';
import type { CliIo } from '../io.js';

export const description = 'List the clusters and brokers registered with a name server';

const USAGE = 'rmq cluster --namesrv ADDR [--json]';

const FLAGS = {
  namesrv: NAMESRV_FLAG,
  json: { type: 'boolean', description: 'Print the cluster info as JSON' },
  'request-timeout': TIMEOUT_MS_FLAG,
  ...CLIENT_TLS_FLAGS,
  ...ACL_CLIENT_FLAGS,
} as const;

export interface AdminSession {
  api: MQClientAPI;
  remoting: RemotingClient;
  timeoutMillis: number;
}

/** The name server list from --namesrv or NAMESRV_ADDR, or a CliError saying how to give it. */
export function nameServersFrom(flag: string | undefined, env: CliIo['env']): string[] {
  const raw = flag ?? env.NAMESRV_ADDR;
  if (raw === undefined || raw.trim() === '') {
    throw new CliError('--namesrv is required (e.g. --namesrv 127.0.0.1:9876), or set NAMESRV_ADDR');
  }
  try {
    return parseNameServerList(raw);
  } catch (err) {
    throw new CliError(`--namesrv: ${(err as Error).message}`);
  }
}

/** Runs `fn` with a client of `nameServerAddresses` that is always closed afterwards. */
export async function withAdmin<T>(
  nameServerAddresses: string[],
  timeoutFlag: string | undefined,
  fn: (session: AdminSession) => Promise<T>,
  tls?: ClientTlsConfig,
  credentials?: AclCredentials,
): Promise<T> {
  const timeoutMillis = intFlag('request-timeout', timeoutFlag, 3000, 1);
  const remoting = new RemotingClient({ connectTimeoutMillis: timeoutMillis, logger: silentLogger, tls });
  if (credentials) remoting.registerRPCHook(new AclClientRPCHook(credentials));
  const api = new MQClientAPI(remoting, { nameServerAddresses, random: () => 0 });
  try {
    return await fn({ api, remoting, timeoutMillis });
  } finally {
    await remoting.shutdown();
  }
}

/** Throws an MQBrokerError for a non-SUCCESS answer. */
export function expectSuccess(code: number, remark: string | undefined, addr: string): void {
  if (code !== ResponseCode.SUCCESS) throw new MQBrokerError(code, remark, addr);
}

export async function fetchClusterInfo(session: AdminSession): Promise<ClusterInfo> {
  const response = await session.api.invokeNameServer(
    () => createRequest(RequestCode.GET_BROKER_CLUSTER_INFO),
    session.timeoutMillis,
  );
  expectSuccess(response.code, response.remark, session.api.currentNameServer() ?? '');
  return decodeClusterInfo(response.body ?? Buffer.from('{}'));
}

/** Plain-object form of the cluster info (broker ids as keys). */
export function clusterInfoToPlain(
  info: ClusterInfo,
): Record<string, Record<string, Record<string, string>>> {
  const out: Record<string, Record<string, Record<string, string>>> = {};
  for (const [cluster, names] of [...info.clusterAddrTable].sort(([a], [b]) => a.localeCompare(b))) {
    const brokers: Record<string, Record<string, string>> = {};
    for (const name of [...names].sort()) {
      const addrs = info.brokerAddrTable.get(name)?.brokerAddrs ?? new Map<number, string>();
      brokers[name] = Object.fromEntries(
        [...addrs].sort(([a], [b]) => a - b).map(([id, a]) => [String(id), a]),
      );
    }
    out[cluster] = brokers;
  }
  return out;
}

export async function run(argv: string[], io: CliIo = processIo): Promise<number> {
  const flags = parseFlags(argv, USAGE, description, FLAGS, io.stdout);
  if (flags === undefined) return 0;
  const info = await withAdmin(
    nameServersFrom(flags.namesrv, io.env),
    flags['request-timeout'],
    fetchClusterInfo,
    clientTlsFromFlags(flags),
    credentialsFromFlags(flags, io.env),
  );
  const plain = clusterInfoToPlain(info);
  if (flags.json) {
    io.stdout.write(`${JSON.stringify(plain, null, 2)}\n`);
    return 0;
  }
  const clusters = Object.entries(plain);
  if (clusters.length === 0) {
    io.stdout.write('no broker is registered\n');
    return 0;
  }
  for (const [cluster, brokers] of clusters) {
    io.stdout.write(`${cluster}\n`);
    for (const [name, addrs] of Object.entries(brokers)) {
      const list = Object.entries(addrs).map(([id, a]) => `${id === '0' ? 'master' : `slave ${id}`} ${a}`);
      io.stdout.write(`  ${name.padEnd(20)} ${list.join(', ')}\n`);
    }
  }
  return 0;
}
