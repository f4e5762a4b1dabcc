/**
 * Turning access control on for a server: load the rules (a bad file fails here, at construction),
 * register the checking hook on the server, and sign the server's own outgoing requests (a broker's
 * registrations to a protected name server) when it has credentials.
 */
import { IllegalArgumentError } from '../../common/errors.js';
import type { Logger } from '../../common/logger.js';
import { signRequest } from '../../protocol/command/acl-signature.js';
import type { AclCredentials } from '../../protocol/command/acl-signature.js';
import type { RPCHook } from '../../transport/types.js';
import { brokerAccess, namesrvAclHook } from './acl-guard.js';
import type { AccessAction, AccessCheck, LateResources, NamesrvQueryAccess } from './acl-guard.js';
import type { RemotingCommand } from '../../protocol/command/remoting-command.js';
import { AclRulesFile } from './acl-rules-file.js';

interface HookRegistry {
  registerRPCHook(hook: RPCHook): void;
}

export interface ServerAcl {
  readonly rules: AclRulesFile;
  start(): void;
  stop(): void;
}

/** A broker's access control: also checks the resources its handlers find in the store. */
export interface BrokerAcl extends ServerAcl {
  authorize(request: RemotingCommand, resources: LateResources, action: AccessAction): void;
  accessOf(request: RemotingCommand): AccessCheck;
}

export interface ServerAclOptions {
  /** plain_acl.yml, or a directory of .yml files. */
  file: string;
  reloadIntervalMillis?: number;
  logger: Logger;
}

function attach(
  options: ServerAclOptions,
  server: HookRegistry,
  hook: (rules: AclRulesFile) => RPCHook,
): ServerAcl {
  const rules = new AclRulesFile(options.file, {
    logger: options.logger,
    ...(options.reloadIntervalMillis !== undefined && { reloadIntervalMillis: options.reloadIntervalMillis }),
  });
  server.registerRPCHook(hook(rules));
  options.logger.info({ path: options.file, accounts: rules.rules.accounts.size }, 'access control on');
  return { rules, start: () => rules.start(), stop: () => rules.stop() };
}

export function attachBrokerAcl(options: ServerAclOptions, server: HookRegistry): BrokerAcl {
  let access: ReturnType<typeof brokerAccess> | undefined;
  const acl = attach(options, server, (rules) => (access = brokerAccess(rules)).hook);
  const { authorize, accessOf } = access!;
  return { ...acl, authorize, accessOf };
}

export function attachNamesrvAcl(
  options: ServerAclOptions & { queries?: NamesrvQueryAccess },
  server: HookRegistry,
): ServerAcl {
  const queries = options.queries ?? 'open';
  if (queries !== 'open' && queries !== 'signed')
    throw new IllegalArgumentError(`aclQueries must be 'open' or 'signed', got ${String(queries)}`);
  return attach(options, server, (rules) => namesrvAclHook(rules, queries));
}

/** Signs every request a server's own client sends (the broker registering with name servers). */
export function signOutgoing(client: HookRegistry, credentials: AclCredentials | undefined): void {
  if (credentials === undefined) return;
  if (!credentials.accessKey || !credentials.secretKey)
    throw new IllegalArgumentError('namesrvCredentials need both accessKey and secretKey');
  const frozen = Object.freeze({ ...credentials });
  client.registerRPCHook({ beforeRequest: (_addr, request) => signRequest(request, frozen) });
}
