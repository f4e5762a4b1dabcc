/**
 * The check itself, step for step as Java 4.9.8's PlainPermissionManager.validate, with its
 * AclException messages as the refusal reasons:
 *
 *   1. the address is in a global allowlist                    -> allowed, nothing else checked
 *   2. no AccessKey field                                      -> "No accessKey is configured"
 *   3. unknown access key                                      -> "No acl config for <ak>"
 *   4. the address is in the account's allowlist               -> allowed, nothing else checked
 *   5. Signature differs from HmacSHA1(secretKey, content)     -> "Check signature failed for accessKey=<ak>"
 *      (content without _UNIQUE_KEY_QUERY as Java's broker, or with it as Java's client signs)
 *   6. the request publishes to RMQ_SYS_TRACE_TOPIC            -> allowed (message traces)
 *   7. an admin code from a non-admin account                  -> "Need admin permission for request code=<c>, but accessKey=<ak> is not"
 *   8. an admin account without any resource permission        -> allowed
 *   9. each resource: its own permission, else the account's default topic / group permission
 *                                                              -> "No default permission for topic:<t>" / "group:<g>"
 */
import {
  ACL_FIELDS,
  aclSignature,
  CHECKER_EXCLUDED,
  signaturesEqual,
  UNIQUE_MSG_QUERY_FLAG,
} from '../../protocol/command/acl-signature.js';
import { bodyOrChunks } from '../../protocol/command/chunked-body.js';
import type { RemotingCommand } from '../../protocol/command/remoting-command.js';
import { SystemTopic } from '../../protocol/message/validators.js';
import type { AclAccount, AclRules } from './acl-config.js';
import { Perm, permits } from './acl-config.js';
import { isRetryResource } from './acl-classify.js';
import { AclRefusedError } from './acl-errors.js';
import { hostOfRemote } from './remote-address.js';

export interface AccessNeeds {
  /** Resource (topic or %RETRY%group) -> permission bits needed. */
  readonly resources: ReadonlyMap<string, number>;
  readonly adminOnly: boolean;
}

/** Who was let in (for logs and tests): an account, or an allowlisted address. */
export type AccessGrant =
  | { readonly by: 'global-allowlist' }
  | { readonly by: 'account-allowlist' | 'signature'; readonly account: AclAccount };

function describe(resource: string): string {
  return isRetryResource(resource) ? `group:${resource.slice('%RETRY%'.length)}` : `topic:${resource}`;
}

function checkResources(needs: AccessNeeds, account: AclAccount, code: number): void {
  if (needs.adminOnly && !account.admin)
    throw new AclRefusedError(
      `Need admin permission for request code=${code}, but accessKey=${account.accessKey} is not`,
    );
  if (account.admin && account.resourcePerms.size === 0) return;
  for (const [resource, needed] of needs.resources) {
    const group = isRetryResource(resource);
    const owned =
      account.resourcePerms.get(resource) ?? (group ? account.defaultGroupPerm : account.defaultTopicPerm);
    if (!permits(needed, owned)) throw new AclRefusedError(`No default permission for ${describe(resource)}`);
  }
}

/** Allows the request or throws AclRefusedError; `needs` undefined checks the signature only. */
export function checkAccess(
  rules: AclRules,
  request: RemotingCommand,
  remoteAddress: string,
  needsOrReader: AccessNeeds | (() => AccessNeeds) | undefined,
): AccessGrant {
  const ip = hostOfRemote(remoteAddress);
  for (const pattern of rules.globalWhiteAddresses)
    if (pattern.matches(ip)) return { by: 'global-allowlist' };
  const fields = request.extFields;
  const accessKey = fields?.[ACL_FIELDS.ACCESS_KEY];
  if (fields === undefined || accessKey === undefined)
    throw new AclRefusedError('No accessKey is configured');
  const account = rules.accounts.get(accessKey);
  if (!account) throw new AclRefusedError(`No acl config for ${accessKey}`);
  if (account.whiteAddress.matches(ip)) return { by: 'account-allowlist', account };
  const given = fields[ACL_FIELDS.SIGNATURE];
  const body = bodyOrChunks(request); // a large body stays in its chunks for the store (chunked-body.ts)
  const expected = aclSignature(fields, body, account.secretKey, CHECKER_EXCLUDED);
  // Java's broker leaves _UNIQUE_KEY_QUERY out while Java's client signs it (a query by unique key
  // then fails on a 4.9.8 broker): either form is accepted here.
  const signedWithFlag =
    fields[UNIQUE_MSG_QUERY_FLAG] !== undefined &&
    signaturesEqual(aclSignature(fields, body, account.secretKey), given);
  if (!signaturesEqual(expected, given) && !signedWithFlag)
    throw new AclRefusedError(`Check signature failed for accessKey=${accessKey}`);
  // Only now are the resources read (a function reads them from the body): parsing a body costs
  // time, and a request nobody signed must not get the broker to spend it.
  const needs = typeof needsOrReader === 'function' ? needsOrReader() : needsOrReader;
  if (needs && needs.resources.get(SystemTopic.RMQ_SYS_TRACE_TOPIC) === Perm.PUB)
    return { by: 'signature', account };
  if (needs) checkResources(needs, account, request.code);
  return { by: 'signature', account };
}

/**
 * A resource check after the fact, for an account `checkAccess` already let in (its grant): an
 * allowlisted address needs nothing more; a signed request needs `perm` on `resource` as step 9.
 */
export function checkGrantedResource(grant: AccessGrant, code: number, resource: string, perm: number): void {
  if (grant.by !== 'signature') return;
  checkResources({ resources: new Map([[resource, perm]]), adminOnly: false }, grant.account, code);
}
