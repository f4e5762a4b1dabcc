/**
 * Access-control flags, one definition for every command:
 *
 *   clients (send, consume, request, reply, recall, cluster, route, topic, trace, bench):
 *                                                     --access-key AK --secret-key SK [--security-token T]
 *   servers (dev, broker, namesrv):                   --acl FILE   (plain_acl.yml or a directory of them)
 *
 * The secret key may come from the environment instead (RMQ_SECRET_KEY), so it does not show in the
 * process list. A broker with --acl and no keys registers with the first admin account of its file.
 */
import type { AclCredentials } from '../client/acl-rpc-hook.js';
import { AclRulesFile } from '../server/acl/acl-rules-file.js';
import { firstAdminCredentials } from '../server/acl/acl-config.js';
import { silentLogger } from '../common/logger.js';
import { CliError } from './cli-error.js';
import type { CliIo } from './io.js';

export const SECRET_KEY_ENV = 'RMQ_SECRET_KEY';

export const ACL_CLIENT_FLAGS = {
  'access-key': {
    type: 'string',
    value: 'AK',
    description: 'Sign every request with this ACL access key (needs the secret key)',
  },
  'secret-key': {
    type: 'string',
    value: 'SK',
    description: `ACL secret key (default: env ${SECRET_KEY_ENV})`,
  },
  'security-token': {
    type: 'string',
    value: 'TOKEN',
    description: 'ACL security token, if the account has one',
  },
} as const;

export const ACL_SERVER_FLAGS = {
  acl: {
    type: 'string',
    value: 'FILE',
    description: 'Access control: plain_acl.yml (or a directory of .yml files), reloaded when it changes',
  },
} as const;

export interface AclClientFlagValues {
  'access-key'?: string | undefined;
  'secret-key'?: string | undefined;
  'security-token'?: string | undefined;
}

/** The credentials the flags give, undefined when there are none; a half-given pair is a CliError. */
export function credentialsFromFlags(
  flags: AclClientFlagValues,
  env: CliIo['env'],
): AclCredentials | undefined {
  const accessKey = flags['access-key'];
  const secretKey = flags['secret-key'] ?? (accessKey !== undefined ? env[SECRET_KEY_ENV] : undefined);
  if (accessKey === undefined && secretKey === undefined) {
    if (flags['security-token'] !== undefined)
      throw new CliError('--security-token needs --access-key and --secret-key');
    return undefined;
  }
  if (accessKey === undefined || accessKey === '')
    throw new CliError('--secret-key needs --access-key (the account to sign as)');
  if (secretKey === undefined || secretKey === '')
    throw new CliError(`--access-key needs --secret-key (or env ${SECRET_KEY_ENV})`);
  return {
    accessKey,
    secretKey,
    ...(flags['security-token'] !== undefined && { securityToken: flags['security-token'] }),
  };
}

/** Checks an --acl file at once (a clear CliError instead of a stack) and returns its first admin account. */
export function checkAclFile(path: string): AclCredentials | undefined {
  let rules;
  try {
    rules = new AclRulesFile(path, { logger: silentLogger }).rules;
  } catch (err) {
    throw new CliError(`--acl: ${(err as Error).message}`);
  }
  return firstAdminCredentials(rules);
}
